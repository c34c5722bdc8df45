using Microsoft.CodeAnalysis;

namespace Cnn.Onnx.Tests;

/// <summary>Each operator mapping: the attributes written, and the compiled model's outputs against ONNX Runtime.</summary>
public sealed class OperatorTests
{
    public static TheoryData<string> CaseNames => new(OperatorCases.All.Select(c => c.Name));

    private static ImportResult Import(OperatorCases.Case c, out byte[] onnx)
    {
        onnx = c.Build();
        return OnnxImporter.Import(onnx, c.Name + ".onnx", new ImportOptions(c.Name));
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ImportWritesTheExpectedAttributes(string name)
    {
        OperatorCases.Case c = OperatorCases.All.Single(x => x.Name == name);
        ImportResult result = Import(c, out _);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        string[] lines = result.Source.Split('\n');
        foreach (string expected in c.Lines)
            Assert.True(lines.Contains(expected), $"'{expected}' is not a line of:\n{result.Source}");
    }

    [Fact]
    public void EveryCaseCompilesAndMatchesOnnxRuntime()
    {
        var imports = OperatorCases.All.Select(c => (Case: c, Result: Import(c, out byte[] onnx), Onnx: onnx)).ToList();
        Assert.All(imports, i => Assert.True(i.Result.Succeeded, i.Case.Name + ": " + string.Join("\n", i.Result.Problems)));
        (var diagnostics, var assembly) = ImportedModels.Compile(imports.Select(i => i.Result.Source));
        Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics));
        Assert.NotNull(assembly);
        var failures = new List<string>();
        foreach (var (c, result, onnx) in imports)
        {
            ICnnModel model = ImportedModels.Create(assembly, result);
            if (ImportedModels.Compare(model, result, onnx) is { } why) failures.Add($"{c.Name}: {why}\n{result.Source}");
        }
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }
}
