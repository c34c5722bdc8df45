using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Cnn.Generator.Helpers;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Tests;

/// <summary>
/// <c>[EmbeddedWeights]</c>: CNN0009 for every way a weight file can fail the network (missing, unreadable, a
/// tensor missing, extra, of the wrong dtype or shape, data of the wrong size), and the emitted factory when it fits.
/// The generator reads the header summary that Cnn.Runtime.props writes (the compiler gives generators no binary files).
/// </summary>
public class EmbeddedWeightsTests
{
    private const string ProjectDir = "/src/App/";
    private const string ResourceName = "Cnn.EmbeddedWeights/weights/net.safetensors";

    // A small network: conv2d.kernel [3, 3, 1, 2], conv2d.bias [2], dense.kernel [18, 3], dense.bias [3]: 20 + 57 = 77 parameters.
    private const string Model = """
        using Cnn;
        namespace App;
        [Model(5, 5, 1)]
        [Conv2D(2, 3, Activation = Activation.ReLU)]
        [Flatten]
        [Dense(3, Activation = Activation.Softmax)]
        [EmbeddedWeights("weights/net.safetensors")]
        public partial class Net;
        """;

    private static readonly (string Name, int[] Shape)[] s_tensors =
    [
        ("conv2d.kernel", [3, 3, 1, 2]),
        ("conv2d.bias", [2]),
        ("dense.kernel", [18, 3]),
        ("dense.bias", [3]),
    ];

    /// <summary>A weight file as WeightFile.Save writes it, with values that are not valid UTF-8.</summary>
    private static byte[] File((string Name, int[] Shape)[] tensors) => SafeTensorsWriter.ToBytes(tensors.Select((t, k) =>
        (t.Name, t.Shape, Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b)).Select(i => -0.37f * (i + 1) / (k + 1)).ToArray())));

    private static byte[] ValidFile() => File(s_tensors);

    /// <summary>The header summary that Cnn.Runtime.props writes for a weight file: what the generator reads.</summary>
    private static SourceText Summary(byte[] bytes) => SourceText.From(WeightFileHeader.Summarize(bytes));

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private sealed class TestAdditionalText(string path, SourceText? text) : AdditionalText
    {
        public override string Path => path;
        public override SourceText? GetText(CancellationToken cancellationToken = default) => text;
    }

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }

    private sealed class OptionsProvider(Dictionary<string, string> global, Dictionary<string, Dictionary<string, string>> perFile) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(global);
        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options([]);
        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
            new Options(perFile.TryGetValue(textFile.Path, out var values) ? values : []);
    }

    private sealed record Result(ImmutableArray<Diagnostic> Diagnostics, ImmutableArray<Diagnostic> OutputDiagnostics, string? WeightsSource, GeneratorDriver Driver);

    /// <summary>Runs the generator with <paramref name="files"/> (path relative to the project, text, embedded or not).</summary>
    private static Result Run(string source, params (string Path, SourceText? Text, bool Embedded)[] files)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(source);
        // As the props pass them: the summary under obj/, the weight file and its resource name as metadata.
        static string SummaryPath(string path) => ProjectDir + "obj/cnn-weights/" + path.Replace('/', '_') + ".header.txt";
        var additional = files.Select(f => (AdditionalText)new TestAdditionalText(SummaryPath(f.Path), f.Text))
            .Append(new TestAdditionalText(ProjectDir + "notes.txt", SourceText.From("not a weight file")))
            .ToImmutableArray();
        var perFile = files.ToDictionary(
            f => SummaryPath(f.Path),
            f =>
            {
                var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["build_metadata.AdditionalFiles.CnnWeightsFile"] = ProjectDir + f.Path };
                if (f.Embedded) metadata["build_metadata.AdditionalFiles.CnnResourceName"] = "Cnn.EmbeddedWeights/" + f.Path;
                return metadata;
            });
        var global = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["build_property.ProjectDir"] = ProjectDir };
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], additional, GeneratorHarness.ParseOptions, new OptionsProvider(global, perFile),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        string? weights = driver.GetRunResult().GeneratedTrees.FirstOrDefault(t => t.FilePath.EndsWith(".Cnn.EmbeddedWeights.g.cs", StringComparison.Ordinal))?.ToString();
        return new Result(diagnostics, output.GetDiagnostics(), weights, driver);
    }

    private static Diagnostic SingleCnn0009(Result result)
    {
        Assert.DoesNotContain(result.Diagnostics, d => d.Id == "CS8785");
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "CNN0009");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("EmbeddedWeights(\"weights/net.safetensors\")", GeneratorHarness.TextAt(d));
        // The members are still emitted, so that callers get no second error beside CNN0009.
        Assert.Contains("CreateWithEmbeddedWeights()", result.WeightsSource);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        return d;
    }

    [Fact]
    public void MatchingFile_EmitsFactory_AndCompiles()
    {
        Result result = Run(Model, ("weights/net.safetensors", Summary(ValidFile()), true));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.NotNull(result.WeightsSource);
        Assert.Contains($"public const string EmbeddedWeightsResourceName = \"{ResourceName}\";", result.WeightsSource);
        Assert.Contains("public static Net CreateWithEmbeddedWeights()", result.WeightsSource);
        Assert.Contains("global::Cnn.EmbeddedWeights.Load(this, typeof(Net).Assembly, EmbeddedWeightsResourceName);", result.WeightsSource);
        // The weights reach the assembly as a resource, never as a literal.
        Assert.DoesNotContain("0.37", result.WeightsSource);
        Assert.True(result.WeightsSource!.Length < 3000);
    }

    [Fact]
    public void Summary_IsWhatThePropsWrite()
    {
        string summary = WeightFileHeader.Summarize(ValidFile());
        Assert.StartsWith("Cnn.Generator safetensors header v1\nlength: 5", summary);
        Assert.Contains("\nheader-length: ", summary);
        Assert.Contains("{\"conv2d.kernel\":{\"dtype\":\"F32\",\"shape\":[3,3,1,2],\"data_offsets\":[0,72]}", summary);
        Assert.DoesNotContain('\0', summary);
    }

    [Fact]
    public void MissingFile()
    {
        Diagnostic d = SingleCnn0009(Run(Model));
        Assert.Contains("The weight file 'weights/net.safetensors' is missing", d.GetMessage());
        Assert.Contains("<CnnEmbeddedWeights Include=\"weights/net.safetensors\" />", d.GetMessage());
    }

    [Fact]
    public void FileAtAnotherPath_IsMissing()
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("other/net2.safetensors", Summary(ValidFile()), true)));
        Assert.Contains("is missing", d.GetMessage());
    }

    [Fact]
    public void FileWithoutText_IsUnreadable()
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", null, true)));
        Assert.Contains("is unreadable: the build could not read it", d.GetMessage());
    }

    [Theory]
    [InlineData("", "the file has 0 bytes, too short")]
    [InlineData("PK\u0003\u0004 this is a zip archive, not weights", "larger than the 100000000-byte limit")]
    [InlineData("\u000A\0\0\0\0\0\0\0{\"a\": [1, 2", "not valid JSON at character 10: the header ends early")]
    [InlineData("\u000A\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "no JSON header follows")]
    [InlineData("\u0008\0\0\0\0\0\0\0{\"a\": 1}", "the entry of tensor 'a' is not a JSON object")]
    [InlineData("\u003D\0\0\0\0\0\0\0{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", "no valid data_offsets")]
    [InlineData("\u0040\0\0\0\0\0\0\0{}", "the header length 64 goes beyond the end of the 10-byte file")]
    [InlineData("\u0004\0\0\0\0\0\0\0{}\u0001\u0002", "followed by more than padding")]
    public void UnreadableFile(string text, string message)
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(Latin1(text)), true)));
        Assert.Contains("The weight file 'weights/net.safetensors' is unreadable: ", d.GetMessage());
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void MissingTensor_NamesItAndItsShape()
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(File(s_tensors.Where(t => t.Name != "conv2d.bias").ToArray())), true)));
        Assert.Equal("The weight file 'weights/net.safetensors' has no tensor 'conv2d.bias': Net needs it with shape [2]", d.GetMessage());
    }

    [Fact]
    public void ExtraTensor_NamesIt()
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(File([.. s_tensors, ("dense_1.kernel", [3, 3])])), true)));
        Assert.Contains("has tensor 'dense_1.kernel' with shape [3, 3], which Net does not have (its tensors are conv2d.kernel, conv2d.bias, dense.kernel, dense.bias)", d.GetMessage());
    }

    [Fact]
    public void WrongShape_NamesTensorExpectedAndActual()
    {
        var tensors = s_tensors.Select(t => t.Name == "conv2d.kernel" ? (t.Name, new[] { 3, 3, 1, 4 }) : t).ToArray();
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(File(tensors)), true)));
        Assert.Equal("The weight file 'weights/net.safetensors' has tensor 'conv2d.kernel' with shape [3, 3, 1, 4], but Net needs [3, 3, 1, 2]", d.GetMessage());
    }

    [Fact]
    public void WrongDType()
    {
        // The same file with one dtype rewritten in place (same length, so the header length still fits).
        string text = Encoding.Latin1.GetString(ValidFile());
        int at = text.IndexOf("\"dense.bias\":{\"dtype\":\"F32\"", StringComparison.Ordinal);
        Assert.True(at > 0);
        text = text.Remove(at + 23, 3).Insert(at + 23, "F16");
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(Latin1(text)), true)));
        Assert.Contains("stores tensor 'dense.bias' as F16: embedded weights must be F32", d.GetMessage());
    }

    [Fact]
    public void TruncatedData()
    {
        byte[] bytes = ValidFile();
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(bytes[..^4]), true)));
        Assert.Contains("has 304 bytes of data after its header, but Net's 77 parameters need exactly 308 (truncated or padded file?)", d.GetMessage());
    }

    [Fact]
    public void DataOffsetsThatDoNotFitTheShape()
    {
        string text = Encoding.Latin1.GetString(ValidFile());
        // dense.bias is last: [296, 308] becomes [300, 308] (same length in characters).
        Assert.Contains("[296,308]", text);
        text = text.Replace("[296,308]", "[300,308]");
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(Latin1(text)), true)));
        Assert.Contains("gives tensor 'dense.bias' data_offsets [300, 308], 8 bytes, but its shape [3] of F32 needs 12", d.GetMessage());
    }

    [Fact]
    public void HeaderLengthThatDoesNotMatchTheJson()
    {
        byte[] bytes = ValidFile();
        bytes[0] -= 8; // the header now "ends" inside the JSON
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(bytes), true)));
        Assert.Contains("is unreadable: the header is not valid JSON", d.GetMessage());
    }

    [Fact]
    public void AdditionalFileThatIsNotEmbedded()
    {
        Diagnostic d = SingleCnn0009(Run(Model, ("weights/net.safetensors", Summary(ValidFile()), false)));
        Assert.Contains("reached the generator without a resource name, so it is not embedded in the assembly", d.GetMessage());
    }

    [Fact]
    public void EmptyPath()
    {
        Result result = Run(Model.Replace("\"weights/net.safetensors\"", "\"\""));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "CNN0009");
        Assert.Equal("EmbeddedWeights(\"\")", GeneratorHarness.TextAt(d));
        Assert.Contains("needs the path of a .safetensors file", d.GetMessage());
    }

    [Fact]
    public void PathIsResolvedAgainstTheProjectDirectory()
    {
        // Two files of the same name: only the one at the attribute's path counts, however the path is spelled.
        var wrong = s_tensors.Select(t => t.Name == "dense.bias" ? (t.Name, new[] { 4 }) : t).ToArray();
        Result result = Run(Model.Replace("\"weights/net.safetensors\"", "\"./weights\\\\net.safetensors\""),
            ("old/weights/net.safetensors", Summary(File(wrong)), true),
            ("weights/net.safetensors", Summary(ValidFile()), true));
        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.WeightsSource);
    }

    [Fact]
    public void ClassWithoutParameterlessConstructor_GetsOnlyTheLoadMethod()
    {
        Result result = Run(Model.Replace("public partial class Net;", "public partial class Net { public Net(int seed) => InitializeParameters(seed); }"),
            ("weights/net.safetensors", Summary(ValidFile()), true));
        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("public void LoadEmbeddedWeights()", result.WeightsSource);
        Assert.DoesNotContain("CreateWithEmbeddedWeights", result.WeightsSource);
    }

    [Fact]
    public void InvalidNetwork_StillReportsAMissingFile_ButNoTensorProblems()
    {
        string invalid = Model.Replace("[Dense(3, Activation = Activation.Softmax)]", "[Dense(0, Activation = Activation.Softmax)]");
        Result missing = Run(invalid);
        Assert.Contains(missing.Diagnostics, d => d.Id == "CNN0003");
        Assert.Contains(missing.Diagnostics, d => d.Id == "CNN0009" && d.GetMessage().Contains("is missing"));
        Result present = Run(invalid, ("weights/net.safetensors", Summary(ValidFile()), true));
        Assert.DoesNotContain(present.Diagnostics, d => d.Id == "CNN0009");
        Assert.Null(present.WeightsSource);
    }

    [Fact]
    public void UnrelatedEdit_DoesNotRereadTheWeightFile()
    {
        Result first = Run(Model, ("weights/net.safetensors", Summary(ValidFile()), true));
        CSharpCompilation next = GeneratorHarness.Compile(Model, "namespace App; public class Unrelated { }");
        GeneratorDriver driver = first.Driver.RunGenerators(next);
        GeneratorRunResult run = driver.GetRunResult().Results[0];
        foreach (var step in run.TrackedSteps["WeightFiles"])
            foreach (var output in step.Outputs)
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"WeightFiles: {output.Reason}");
    }

    [Fact]
    public void GarbageFiles_NeverCrashTheGenerator()
    {
        var random = new Random(1234);
        byte[] valid = ValidFile();
        for (int i = 0; i < 60; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            if (i % 3 == 0) bytes = bytes[..random.Next(bytes.Length)];
            for (int k = random.Next(1, 6); k > 0; k--)
                if (bytes.Length > 0) bytes[random.Next(Math.Min(bytes.Length, 400))] = (byte)random.Next(256);
            // Even cases: a damaged weight file; odd cases: a damaged summary (which the props never write, but may be edited).
            char[] summary = WeightFileHeader.Summarize(valid).ToCharArray();
            for (int k = random.Next(1, 4); k > 0; k--) summary[random.Next(summary.Length)] = (char)random.Next(32, 127);
            Result result = Run(Model, ("weights/net.safetensors", i % 2 == 0 ? Summary(bytes) : SourceText.From(new string(summary)), true));
            Assert.DoesNotContain(result.Diagnostics, d => d.Id is "CS8785" or "AD0001");
            Assert.True(result.WeightsSource is not null, $"case {i}");
            Assert.All(result.Diagnostics, d => Assert.Equal("CNN0009", d.Id));
        }
    }

    [Theory]
    [InlineData("weights/net.safetensors", "weights/net.safetensors")]
    [InlineData("./weights\\net.safetensors", "weights/net.safetensors")]
    [InlineData("a/../weights//net.safetensors", "weights/net.safetensors")]
    [InlineData("../../x.safetensors", "../../x.safetensors")]
    [InlineData("/src/App/../b.safetensors", "/src/b.safetensors")]
    public void Normalize(string path, string expected) => Assert.Equal(expected, EmbeddedWeightsValidator.Normalize(path));

    [Fact]
    public void Find_WithoutProjectDirectory_MatchesAUniqueSuffix()
    {
        WeightFileHeader File(string path) => new(path, "r", null, EquatableArray<WeightTensorEntry>.Empty, 0);
        var files = new[] { File("/p/weights/a.safetensors"), File("/p/old/weights/b.safetensors"), File("/p/new/weights/b.safetensors") };
        Assert.Same(files[0], EmbeddedWeightsValidator.Find("weights/a.safetensors", null, files));
        Assert.Null(EmbeddedWeightsValidator.Find("weights/b.safetensors", null, files)); // ambiguous
        Assert.Same(files[2], EmbeddedWeightsValidator.Find("weights/b.safetensors", "/p/new", files));
        Assert.Same(files[1], EmbeddedWeightsValidator.Find("/p/old/weights/b.safetensors", "/p/new", files));
        Assert.Null(EmbeddedWeightsValidator.Find("eights/a.safetensors", null, files)); // whole path segments only
    }

    /// <summary>The emitted members, compared with <c>Snapshots/EmbeddedWeights.verified.cs</c> (see <see cref="SnapshotTests"/>).</summary>
    [Fact]
    public void Snapshot()
    {
        string nested = Model.Replace("[Model(5, 5, 1)]", "public partial class Outer {\n[Model(5, 5, 1)]") + "\n}";
        Result result = Run(nested, ("weights/net.safetensors", Summary(ValidFile()), true));
        Assert.Empty(result.Diagnostics);
        string actual = System.Text.RegularExpressions.Regex.Replace(result.WeightsSource!,
            "GeneratedCode\\(\"Cnn.Generator\", \"[^\"]*\"\\)", "GeneratedCode(\"Cnn.Generator\", \"{version}\")");
        string folder = Path.Combine(Path.GetDirectoryName(SourcePath())!, "Snapshots");
        string verified = Path.Combine(folder, "EmbeddedWeights.verified.cs"), received = Path.Combine(folder, "EmbeddedWeights.received.cs");
        if (Environment.GetEnvironmentVariable("CNN_ACCEPT_SNAPSHOTS") == "1")
            System.IO.File.WriteAllText(verified, actual);
        string expected = System.IO.File.Exists(verified) ? System.IO.File.ReadAllText(verified) : "";
        if (expected != actual)
        {
            System.IO.File.WriteAllText(received, actual);
            Assert.Fail($"The generated code differs from {verified}; see {received} (set CNN_ACCEPT_SNAPSHOTS=1 to accept).");
        }
        System.IO.File.Delete(received);
    }

    private static string SourcePath([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
