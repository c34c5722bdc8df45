using System.Collections;
using System.Reflection;
using Cnn.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cnn.Generator.Tests;

/// <summary>The pipeline caches: unrelated edits reuse every step; a changed layer re-runs the model steps.</summary>
public class IncrementalTests
{
    private const string Model = "using Cnn;\n[Model(4)] [Dense(64, Activation = Activation.ReLU)] [Dense(3, Activation = Activation.Softmax)] public partial class Net;";
    private static readonly string[] s_steps = [TrackingNames.ParsedModels, TrackingNames.Specs, TrackingNames.Diagnostics];

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) First(string model)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(model, "class Other { int M() => 1; }");
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        return (driver.RunGenerators(compilation), compilation);
    }

    private static IEnumerable<IncrementalStepRunReason> Reasons(GeneratorDriver driver, string step) =>
        driver.GetRunResult().Results[0].TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason);

    [Fact]
    public void UnrelatedEdit_LeavesEveryStepCachedOrUnchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = First(Model);
        SyntaxTree other = compilation.SyntaxTrees[1];
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(other, CSharpSyntaxTree.ParseText("class Other { int M() => 2; }", GeneratorHarness.ParseOptions, other.FilePath));
        driver = driver.RunGenerators(edited);
        foreach (string step in s_steps)
            Assert.All(Reasons(driver, step), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {r}"));
    }

    [Fact]
    public void ChangedLayerArgument_ModifiesTheModelSteps()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = First(Model);
        SyntaxTree model = compilation.SyntaxTrees[0];
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(model, CSharpSyntaxTree.ParseText(Model.Replace("Dense(64", "Dense(32"), GeneratorHarness.ParseOptions, model.FilePath));
        driver = driver.RunGenerators(edited);
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, TrackingNames.ParsedModels));
        Assert.Contains(IncrementalStepRunReason.Modified, Reasons(driver, TrackingNames.Specs));
    }

    [Fact]
    public void StepOutputs_HoldNoSymbolsSyntaxNodesOrCompilations()
    {
        (GeneratorDriver driver, _) = First(Model);
        foreach (string step in s_steps)
            foreach (var output in driver.GetRunResult().Results[0].TrackedSteps[step].SelectMany(s => s.Outputs))
                AssertObjectGraph(output.Value, new HashSet<object>(ReferenceEqualityComparer.Instance), step);
    }

    private static void AssertObjectGraph(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value)) return;
        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel, $"{path} holds a {value.GetType().Name}");
        // A DiagnosticInfo keeps its syntax tree on purpose (a real source location); descriptors are static singletons.
        if (value is SyntaxTree or DiagnosticDescriptor || value.GetType().Namespace?.StartsWith("Microsoft.CodeAnalysis.Text") == true) return;
        if (value is IEnumerable sequence)
        {
            foreach (object? item in sequence) AssertObjectGraph(item, seen, path + "[]");
            return;
        }
        for (Type? type = value.GetType(); type is not null; type = type.BaseType)
            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                AssertObjectGraph(field.GetValue(value), seen, path + "." + field.Name);
    }
}
