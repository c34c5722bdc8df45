using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>One test per generator bug the fuzzer (<see cref="FuzzTests"/>) finds, so each stays fixed on its own.</summary>
public class FuzzRegressionTests
{
    private const string Usings = "using Cnn;\n";

    /// <summary>Runs the generator, asserts it did not fail, and returns its CNN errors.</summary>
    private static GeneratorHarness.Result Run(string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + source);
        Assert.Null(Assert.Single(result.Run.Results).Exception);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "AD0001");
        return result;
    }

    private static void AssertCompiles(GeneratorHarness.Result result, int models)
    {
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(models, result.Sources.Length);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    private static Diagnostic Single(string id, string source)
    {
        GeneratorHarness.Result result = Run(source);
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
        Assert.True(diagnostic.Location.IsInSource);
        return diagnostic;
    }

    private const string Body = "[Flatten] [Dense(2, Activation = Activation.Softmax)]";

    [Theory]
    [InlineData("Net", "Outer { [Model(2, 2, 1)] " + Body + " public partial class Net; }")]
    [InlineData("Net", "Net<T>")]
    [InlineData("Net", "net")]
    [InlineData("Net<T>", "Net_T_")]
    [InlineData("Outer_Net", "Outer { [Model(2, 2, 1)] " + Body + " public partial class Net; }")]
    public void ModelsWithTheSameSimpleName_GetDistinctFiles(string first, string second)
    {
        // Before: hint names came from the simple name with '<', '>' replaced and compared ignoring case, so these
        // pairs collided and the generator failed with CS8785 for the whole compilation.
        string Declare(string name) => name.Contains('{')
            ? $"public partial class {name}\n"
            : $"[Model(2, 2, 1)] {Body} public partial class {name};\n";
        GeneratorHarness.Result result = Run("namespace N;\n" + Declare(first) + Declare(second));
        AssertCompiles(result, 2);
        Assert.Equal(4, result.Run.GeneratedTrees.Select(t => t.FilePath).Distinct(StringComparer.OrdinalIgnoreCase).Count()); // code and kernels of each
    }

    [Fact]
    public void HintNames_AreDistinctIgnoringCase_AndFileNameSafe()
    {
        static HierarchyInfo Hierarchy(string ns, params (string Name, int Arity)[] types) => new(ns,
            types.Select(t => new TypeDeclarationInfo("class", t.Name, t.Name, t.Arity)).ToEquatableArray());
        HierarchyInfo[] all =
        [
            Hierarchy("A", ("Net", 0)), Hierarchy("A", ("net", 0)), Hierarchy("A", ("NET", 0)), Hierarchy("A", ("Net", 1)),
            Hierarchy("A", ("Net", 2)), Hierarchy("A", ("Outer", 0), ("Net", 0)), Hierarchy("A.Outer", ("Net", 0)),
            Hierarchy("A", ("Outer_Net", 0)), Hierarchy("A", ("Net_1", 0)), Hierarchy("", ("Net", 0)), Hierarchy("a", ("Net", 0)),
            Hierarchy("A", ("Nét", 0)), Hierarchy("A", ("Net", 0), ("Net", 0)), Hierarchy("A", ("Outer", 1), ("Net", 0)),
        ];
        string[] hints = all.Select(h => h.HintName).ToArray();
        Assert.Equal(hints.Length, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(hints, h => Assert.Matches("^[A-Za-z0-9_.+`]+$", h));
        Assert.StartsWith("A.Net.", all[0].HintName, StringComparison.Ordinal); // still readable
    }

    [Fact]
    public void KeywordNamedTypes_GetCompilableCode()
    {
        // Before: the emitter wrote 'partial class void', which does not parse.
        GeneratorHarness.Result result = Run("""
            namespace Fuzz.@event;
            public partial class @class<@int>
            {
                [Model(3, 3, 1)] [Flatten] [Dense(2, Activation = Activation.Softmax)]
                public partial class @void;
            }
            """);
        AssertCompiles(result, 1);
        Assert.Contains("partial class @void", result.Sources[0]);
        Assert.Contains("namespace Fuzz.@event", result.Sources[0]);
    }

    [Fact]
    public void ExpectShapeNull_IsCNN0006_NotACrash()
    {
        // Before: reading the null array threw a NullReferenceException out of the generator.
        Diagnostic d = Single("CNN0006", "[Model(4, Loss = Loss.MeanSquaredError)] [Dense(2)] [ExpectShape(null)] public partial class Net;");
        Assert.Equal("ExpectShape(null)", GeneratorHarness.TextAt(d));
        Assert.Contains("ExpectShape(null) states no shape", d.GetMessage());
    }

    [Theory]
    [InlineData("ExpectShape()", "ExpectShape() can never hold")]
    [InlineData("ExpectShape(1, 1, 1, 1)", "ExpectShape(1, 1, 1, 1) can never hold")]
    [InlineData("ExpectShape(0)", "ExpectShape(0) can never hold")]
    public void ExpectShapeOfNoShape_IsCNN0006_EvenAfterAnError(string expect, string message)
    {
        // The first layer's error leaves the shape unknown; a shape no tensor can have is still reported.
        GeneratorHarness.Result result = Run($"[Model(4, Loss = Loss.MeanSquaredError)] [Dense(0)] [{expect}] public partial class Net;");
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "CNN0006");
        Assert.Contains(message, d.GetMessage());
        Assert.Equal(expect, GeneratorHarness.TextAt(d));
    }

    [Theory]
    [InlineData("Loss = (Loss)42", "[Model]: 42 is not a valid Loss")]
    [InlineData("Loss = (Loss)(-1)", "[Model]: -1 is not a valid Loss")]
    [InlineData("StackBudget = 0", "the stack budget must be at least 1 byte, but is 0")]
    [InlineData("StackBudget = int.MinValue", "the stack budget must be at least 1 byte, but is -2147483648")]
    public void InvalidModelArguments_AreCNN0003(string argument, string message)
    {
        // Before: an unknown Loss or a non-positive StackBudget silently became the default.
        Diagnostic d = Single("CNN0003", $"[Model(4, {argument})] [Dense(2, Activation = Activation.Softmax)] public partial class Net;");
        Assert.Equal(argument, GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv2D(4, int.MaxValue, Padding = Padding.Same)]", "int.MaxValue", "the 2147483647x2147483647 kernel has 4,611,686,014,132,420,609 cells, more than the 4,096")]
    [InlineData("[Conv2D(4, 65, 64, Padding = Padding.Same)]", "65", "the 65x64 kernel has 4,160 cells")]
    [InlineData("[MaxPool2D(65536, Padding = Padding.Same)]", "65536", "the 65536x65536 pool window has 4,294,967,296 cells")]
    [InlineData("[AvgPool2D(1, int.MaxValue, Padding = Padding.Same)]", "1", "the 1x2147483647 pool window has 2,147,483,647 cells")]
    public void HugeWindows_AreCNN0003(string layer, string location, string message)
    {
        // Before: Same padding accepted any window; the emitter unrolls one line per kernel row or pool cell.
        Diagnostic d = Single("CNN0003", $"[Model(8, 8, 1, Loss = Loss.MeanSquaredError)] {layer} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void LargestWindow_IsAccepted()
    {
        GeneratorHarness.Result result = Run("[Model(64, 64, 1, Loss = Loss.MeanSquaredError)] [Conv2D(1, 64)] [MaxPool2D(1, 1)] [Flatten] [Dense(1)] public partial class Net;");
        AssertCompiles(result, 1);
    }

    [Fact]
    public void KernelSizeThatOverflowsLong_IsCNN0004_NotAWrapAround()
    {
        // 64·64·2^28·2^28 = 2^68 wrapped around in long arithmetic, past the size check.
        Diagnostic d = Single("CNN0004", "[Model(1, 1, 268435456)] [Conv2D(268435456, 64, Padding = Padding.Same)] public partial class Net;");
        Assert.Contains("64x64x268435456x268435456 = 9,223,372,036,854,775,807 kernel values, more than the 268,435,456", d.GetMessage());
        Assert.Equal("Conv2D(268435456, 64, Padding = Padding.Same)", GeneratorHarness.TextAt(d));
    }

    [Fact]
    public void InputShapeThatOverflowsLong_IsCNN0002()
    {
        Diagnostic d = Single("CNN0002", "[Model(int.MaxValue, int.MaxValue, int.MaxValue)] [Flatten] public partial class Net;");
        Assert.Contains("has more than 268,435,456 values", d.GetMessage());
    }

    [Fact]
    public void BuffersBeyondWhatTheGeneratedCodeAddresses_AreCNN0004()
    {
        // Each activation is within the 2^28 limit, but together they pass the int the emitter sizes buffers with.
        // 8 activations of 2^28 values, two gradient buffers and the target: 11·2^28 floats.
        GeneratorHarness.Result result = Run("[Model(16384, 16384, 1, Loss = Loss.MeanSquaredError)] [ReLU] [ReLU] [ReLU] [ReLU] [ReLU] [ReLU] [ReLU] [ReLU] public partial class Net;");
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics, x => x.Id == "CNN0004");
        Assert.Contains("buffers would hold 2,952,790,016 values, more than the 1,073,741,824", d.GetMessage());
        Assert.DoesNotContain(result.GeneratorDiagnostics, x => x.Id == "CNN0007"); // the error, not also the warning
    }

    [Theory]
    [InlineData("[Dense(3, Activation = 3.5)]", "Dense(3, Activation = 3.5)")]
    [InlineData("[Dense(3, UseBias = 1)]", "Dense(3, UseBias = 1)")]
    [InlineData("[Conv2D(8, 3, Stride = 1, Stride = 2)]", "Conv2D(8, 3, Stride = 1, Stride = 2)")]
    [InlineData("[MaxPool2D(2, StrideHeight = 1)]", "MaxPool2D(2, StrideHeight = 1)")]
    public void ArgumentsThatDoNotCompile_AreCNN0003(string layer, string location)
    {
        // Before: a wrong-typed named argument bound to a truncated value (Activation = 3.5 read as Tanh) or was
        // dropped, and the model was generated as if it were fine.
        Diagnostic d = Single("CNN0003", $"[Model(8, 8, 1)] {layer} public partial class Net;");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains("could not be read: fix the compiler error on this attribute", d.GetMessage());
    }

    [Fact]
    public void ModelArgumentsThatDoNotCompile_AreCNN0002_Once()
    {
        GeneratorHarness.Result result = Run("[Model(8, 8, 1, Loss = 2.5)] [Flatten] public partial class Net;");
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "CNN0002");
        Assert.Contains("The arguments of [Model] could not be read", d.GetMessage());
        Assert.Empty(result.KernelSources);
        Assert.Contains("stand-ins that throw", Assert.Single(result.Sources));
    }

    [Theory]
    [InlineData("public partial class Summary;", "Summary", "'Summary' cannot name a model class")]
    [InlineData("public partial class Forward;", "Forward", "'Forward' cannot name a model class")]
    [InlineData("public partial class Net<Layers>;", "Layers", "The type parameter 'Layers' of 'Net' has the name of a member")]
    [InlineData("file partial class Net;", "Net", "'Net' must not be file-local")]
    [InlineData("public partial record struct Net;", "Net", "'Net' must be a class")]
    public void DeclarationsTheGeneratedCodeCannotExtend_AreCNN0001(string declaration, string location, string message)
    {
        // Before: the generated members clashed with the class (CS0542) or could not join a file-local class.
        Diagnostic d = Single("CNN0001", $"[Model(4)] [Dense(2, Activation = Activation.Softmax)] {declaration}");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void DropoutRateThatRoundsToOneAsAFloat_IsCNN0003()
    {
        // Before: 0.99999999 < 1 passed the check, but the generated code holds the rate as 1f and scales by 1 / (1 - rate).
        Diagnostic d = Single("CNN0003", "[Model(4, Loss = Loss.MeanSquaredError)] [Dense(2)] [Dropout(0.99999999)] public partial class Net;");
        Assert.Equal("0.99999999", GeneratorHarness.TextAt(d));
        Assert.Contains("the dropout rate 0.99999999 rounds to 1 as a float", d.GetMessage());
        AssertCompiles(Run("[Model(4, Loss = Loss.MeanSquaredError)] [Dense(2)] [Dropout(0.99999997)] public partial class Net;"), 1);
    }

    [Theory]
    [InlineData(3L, 4L, 12L)]
    [InlineData(0L, long.MaxValue, 0L)]
    [InlineData(1L << 40, 1L << 30, long.MaxValue)]
    [InlineData(int.MaxValue, int.MaxValue, 4_611_686_014_132_420_609L)]
    [InlineData(long.MaxValue, 2L, long.MaxValue)]
    public void ShapeArithmetic_SaturatesInsteadOfWrapping(long a, long b, long product) =>
        Assert.Equal(product, Validation.NetworkValidator.Multiply(a, b));

    [Fact]
    public void SameNamesDifferingInCase_SurviveAnIncrementalRun()
    {
        // Cached outputs are replayed beside new ones: their hint names must stay distinct too.
        string source = Usings + "namespace N;\n" + $"[Model(2, 2, 1)] {Body} public partial class Net;\n[Model(2, 2, 1)] {Body} public partial class net;\n";
        var compilation = GeneratorHarness.Compile(source);
        Microsoft.CodeAnalysis.GeneratorDriver driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            [new CnnGenerator().AsSourceGenerator()], parseOptions: GeneratorHarness.ParseOptions);
        driver = driver.RunGenerators(compilation);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        var edited = compilation.ReplaceSyntaxTree(tree, tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(source.Replace("class net;", "class net { }"))));
        GeneratorRunResult result = Assert.Single(driver.RunGenerators(edited).GetRunResult().Results);
        Assert.Null(result.Exception);
        Assert.Equal(4, result.GeneratedSources.Length); // code and kernels of each model
    }

    /// <summary>The length of the one generated model, code and kernels, after checking it compiles.</summary>
    private static int GeneratedLength(string model)
    {
        GeneratorHarness.Result result = Run(model);
        AssertCompiles(result, 1);
        return result.Sources[0].Length + result.KernelSources[0].Length;
    }

    [Theory]
    [InlineData("[Model(6, 6, 3)] [Conv2D({0}, 3)] [Flatten] [Dense(2, Activation = Activation.Softmax)]", 320, 32_000)]
    [InlineData("[Model(6, 6, 320)] [Conv2D(2, 3)] [Conv2D({0}, 2)] [Flatten] [Dense(2, Activation = Activation.Softmax)]", 320, 32_000)]
    [InlineData("[Model(6, 6, 3)] [Conv2D({0}, 2)] [Conv2D(2, 2)] [Flatten] [Dense(2, Activation = Activation.Softmax)]", 320, 32_000)] // an input gradient onto {0} channels
    [InlineData("[Model(4)] [Dense({0})] [Dense(2, Activation = Activation.Softmax)]", 2_560, 65_280)]
    [InlineData("[Model(64, 64, 20)] [MaxPool2D({0})] [Flatten] [Dense(2, Activation = Activation.Softmax)]", 5, 64)]
    [InlineData("[Model(64, 64, 20)] [AvgPool2D({0})] [Flatten] [Dense(2, Activation = Activation.Softmax)]", 5, 64)]
    public void GeneratedCode_DoesNotGrowWithFiltersUnitsOrWindowCells(string model, int small, int large)
    {
        // Before: every register block of filters was written out, and every cell of a pooling window, so the
        // fuzzer's layers with tens of thousands of filters made a million lines and the test host ran out of memory.
        string Declare(int size) => string.Format(System.Globalization.CultureInfo.InvariantCulture, model, size) + " public partial class Net;";
        int smallLength = GeneratedLength(Declare(small)), largeLength = GeneratedLength(Declare(large));
        Assert.True(largeLength < smallLength * 1.1, $"{large}: {largeLength:N0} characters of code; {small}: {smallLength:N0}");
    }

    [Theory]
    [InlineData("[Flatten(1)] [Dense(10, Activation = Activation.Softmax)]")]            // would be "Dense expects a vector, insert [Flatten]"
    [InlineData("[Conv2D(8, 3.5)] [ExpectShape(26, 26, 8)] [Flatten] [Dense(2, Activation = Activation.Softmax)]")] // would be CNN0006 against 28x28x1
    [InlineData("[Conv2D(8, null)] [Flatten] [Dense(2, Activation = Activation.Softmax)] [ExpectParameters(1)]")]     // would be CNN0005 without the Conv2D
    [InlineData("[Flatten] [Dense(2)] [Softmax(1)]")] // would be CNN0008 from the Dense above it
    public void AnUnreadableLayer_LeavesTheShapesAfterItUnknown(string layers)
    {
        // Issue #12: the generator skipped a layer whose arguments do not compile and checked the layers below it
        // against the shape above it, reporting errors that are not there (and, at the end, judging the loss by the
        // layer above it). Only the unreadable layer is reported now.
        GeneratorHarness.Result result = Run($"[Model(28, 28, 1)] {layers} public partial class Net;");
        Assert.Equal(["CNN0003"], result.GeneratorDiagnostics.Select(d => d.Id).Distinct());
        Assert.Contains("could not be read", Assert.Single(result.GeneratorDiagnostics).GetMessage());
    }

    [Theory]
    [InlineData("[Model(28, 28, 1, Loss = 2.5)] [Dense(10)]")]                                   // Loss read as 2 (MeanSquaredError); Dense on an image
    [InlineData("[Model(1, 2, 3, 4, Loss = (Loss)(-1), StackBudget = 0)] [Dense(10)]")]         // named arguments of an unbound [Model]
    [InlineData("[Model(\"28\", 28, 1, Loss = Loss.MeanSquaredError)] [Dense(10, Activation = Activation.Softmax)]")]
    public void AnUnreadableModelAttribute_IsReportedAlone(string declaration)
    {
        // Issue #12: with a compiler error on [Model] the generator still read some of its values (a wrong type binds to a
        // truncated value; an unbound constructor drops the named arguments) and checked the network against them.
        GeneratorHarness.Result result = Run($"{declaration} public partial class Net;");
        Diagnostic diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("CNN0002", diagnostic.Id);
        Assert.Contains("could not be read", diagnostic.GetMessage());
    }
}
