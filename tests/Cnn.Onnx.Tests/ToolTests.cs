using Cnn.Tool;

namespace Cnn.Onnx.Tests;

/// <summary><c>dotnet cnn import</c>: exit 0 and both files, 2 with every problem and nothing written, 1 for usage errors and unreadable files.</summary>
public sealed class ToolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cnn-tool-" + Guid.NewGuid().ToString("N"));

    public ToolTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void ImportWritesBothFiles()
    {
        string onnx = Write("model.onnx", OperatorCases.All.Single(c => c.Name == "ResidualAddConcat").Build());
        string outDir = Path.Combine(_directory, "out");
        var (code, output, error) = Run("import", onnx, "--class", "Residual", "--namespace", "My.Models", "--out", outDir, "--embed");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("Residual.cs", output);
        string source = File.ReadAllText(Path.Combine(outDir, "Residual.cs"));
        Assert.Contains("namespace My.Models;", source);
        Assert.Contains("[EmbeddedWeights(\"Residual.safetensors\")]", source);
        Assert.Contains("public partial class Residual;", source);
        SafeTensorsFile weights = SafeTensorsFile.Open(Path.Combine(outDir, "Residual.safetensors"));
        Assert.Equal(["c1.kernel", "c1.bias", "c2.kernel", "c2.bias", "fc.kernel", "fc.bias"], weights.Tensors.Select(t => t.Name));
        Assert.Equal([3, 3, 4, 4], weights.Info("c1.kernel").Shape);
    }

    [Fact]
    public void ProblemsExitWithTwoAndWriteNothing()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4, 8, 8);
        string a = g.Node("Conv", [x, g.Weights("w", [4, 2, 3, 3])], "grouped", ("group", 2L));
        string onnx = Write("bad.onnx", g.Build(g.Node("HardSwish", [a], "swish")));
        string outDir = Path.Combine(_directory, "out");
        var (code, output, error) = Run("import", onnx, "--class", "Bad", "--out", outDir);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("bad.onnx cannot be imported; 2 problem(s), nothing written:", error);
        Assert.Contains("  grouped (Conv): a grouped convolution (2 groups of 2 channels) that is not depthwise", error);
        // An unsupported operator is reported even when it reads the output of a node that failed.
        Assert.Contains("  swish (HardSwish): the activation HardSwish has no layer", error);
        Assert.False(Directory.Exists(outDir));

        var h = new GraphBuilder();
        string y = h.Node("HardSwish", [h.Input("x", 1, 4)], "swish");
        var (code2, _, error2) = Run("import", Write("swish.onnx", h.Build(y)), "--class", "Swish", "--out", outDir);
        Assert.Equal(2, code2);
        Assert.Contains("  swish (HardSwish): the activation HardSwish has no layer", error2);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("no arguments")]
    [InlineData("unknown command")]
    [InlineData("no class")]
    [InlineData("class without value")]
    [InlineData("unknown option")]
    [InlineData("bad class name")]
    [InlineData("missing file")]
    [InlineData("not onnx")]
    public void UsageErrorsAndUnreadableFilesExitWithOne(string what)
    {
        string onnx = Write("ok.onnx", OperatorCases.All[0].Build());
        string garbage = Write("garbage.onnx", "\u0001\u00ffnot protobuf at all"u8.ToArray());
        string[] args = what switch
        {
            "no arguments" => [],
            "unknown command" => ["compile", onnx],
            "no class" => ["import", onnx],
            "class without value" => ["import", onnx, "--class"],
            "unknown option" => ["import", onnx, "--class", "A", "--fast"],
            "bad class name" => ["import", onnx, "--class", "class"],
            "missing file" => ["import", Path.Combine(_directory, "nowhere.onnx"), "--class", "A"],
            _ => ["import", garbage, "--class", "A"],
        };
        var (code, output, error) = Run(args);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.StartsWith("dotnet-cnn: ", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        Assert.Empty(Directory.GetFiles(_directory, "*.cs"));
    }

    /// <summary>
    /// <c>dotnet cnn export</c> on a built assembly (an imported model compiled to a file): exit 0, the ONNX file, and its
    /// import gives the same weights back; every usage error and unreadable input exits with 1 and one message.
    /// </summary>
    [Fact]
    public void ExportWritesTheOnnxFile_AndBadInputExitsWithOne()
    {
        ImportResult imported = OnnxImporter.Import(OperatorCases.All.Single(c => c.Name == "ResidualAddConcat").Build(), "residual.onnx",
            new ImportOptions("Residual", "Exported.Models"));
        Assert.True(imported.Succeeded, string.Join("; ", imported.Problems));
        string dll = Path.Combine(_directory, "Exported.Models.dll");
        Assert.Empty(ImportedModels.CompileToFile([imported.Source], dll));
        string weights = Write("Residual.safetensors", imported.Weights);
        // The same file name as the imported one: the safetensors metadata names it, so the weights compare byte for byte.
        string onnx = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "back")).FullName, "residual.onnx");

        var (code, output, error) = Run("export", dll, "--class", "Residual", "--weights", weights, "--out", onnx);
        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.StartsWith($"Wrote {onnx}: Exported.Models.Residual, ", output);
        ImportResult back = OnnxImporter.Import(onnx, new ImportOptions("Residual", "Exported.Models"));
        Assert.True(back.Succeeded, string.Join("; ", back.Problems));
        Assert.Equal(imported.Weights, back.Weights);

        string[][] failures =
        [
            ["export"],
            ["export", dll, "--out", onnx],
            ["export", dll, "--class", "Residual"],
            ["export", dll, "--class", "Residual", "--out"],
            ["export", dll, "--class", "Residual", "--out", onnx, "--fast"],
            ["export", dll, dll, "--class", "Residual", "--out", onnx],
            ["export", Path.Combine(_directory, "nowhere.dll"), "--class", "Residual", "--out", onnx],
            ["export", weights, "--class", "Residual", "--out", onnx], // not an assembly
            ["export", dll, "--class", "NoSuchModel", "--weights", weights, "--out", onnx],
            ["export", dll, "--class", "Residual", "--out", onnx], // no weights given, none compiled in
            ["export", dll, "--class", "Residual", "--weights", Path.Combine(_directory, "none.safetensors"), "--out", onnx],
            ["export", dll, "--class", "Residual", "--weights", dll, "--out", onnx], // not safetensors
            ["export", dll, "--class", "Residual", "--weights", weights, "--out", Path.Combine(_directory, "no-such-folder", "x.onnx")],
        ];
        foreach (string[] args in failures)
        {
            var (failed, failedOutput, failedError) = Run(args);
            Assert.True(failed == 1, $"{string.Join(' ', args)}: exit {failed}, {failedError}");
            Assert.Equal("", failedOutput);
            Assert.StartsWith("dotnet-cnn: ", failedError);
            Assert.DoesNotContain("   at ", failedError);
        }
    }
}
