using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>Malformed declarations never make the generator throw, and what compiles gets code.</summary>
public class GarbageTests
{
    private static readonly string[] s_layers =
    [
        "Conv2D(8, 3)", "Conv2D(0, 3)", "Conv2D(-5, 2, 1)", "Conv2D(int.MaxValue, int.MaxValue)", "Conv2D(4, 3, Stride = -1)",
        "Conv2D(4, 3, Padding = (Padding)7)", "Conv2D(4, 3, Activation = (Activation)99)", "Conv2D(4)", "Conv2D(\"x\", 3)",
        "MaxPool2D(2)", "MaxPool2D(0)", "MaxPool2D(3, Stride = 0)", "AvgPool2D(2, Padding = Padding.Same)", "AvgPool2D(int.MinValue)",
        "Dense(10)", "Dense(0)", "Dense(int.MaxValue)", "Dense(3, Activation = Activation.Softmax)", "Dense()",
        "Flatten", "Flatten(1)", "Dropout(0.5)", "Dropout(-1)", "Dropout(double.NaN)", "ReLU", "Sigmoid", "Tanh", "Softmax",
        "ExpectShape(1, 2)", "ExpectShape()", "ExpectParameters(-3)", "Dense(2, Name = \"dense\")", "Dense(2, Name = \"\")", "Dense(2, Name = null)",
    ];

    private static readonly string[] s_models =
    [
        "Model(8, 8, 1)", "Model(4)", "Model(0)", "Model(100000, 100000, 3)", "Model(65536, 65536, 64)", "Model(-1, 2, 3)",
        "Model(1, 1, 1)", "Model()", "Model(3, 3)", "Model(8, 8, 1, Loss = (Loss)42)", "Model(8, 8, 1, StackBudget = 0)",
    ];

    private static readonly string[] s_declarations =
    [
        "public partial class Net;", "public class Net;", "public partial struct Net;", "public static partial class Net;",
        "public partial class Net<T>;", "public partial class Outer { public partial class Net; }", "partial record Net;",
    ];

    [Fact]
    public void RandomDeclarations_NeverCrashTheGenerator()
    {
        var random = new RandomSource(2026);
        for (int i = 0; i < 400; i++)
        {
            var attributes = new List<string> { s_models[random.NextInt32(s_models.Length)] };
            int layers = random.NextInt32(7);
            for (int l = 0; l < layers; l++) attributes.Add(s_layers[random.NextInt32(s_layers.Length)]);
            string source = "using Cnn;\n" + string.Join(" ", attributes.Select(a => $"[{a}]")) + "\n" + s_declarations[random.NextInt32(s_declarations.Length)];

            GeneratorHarness.Result result = GeneratorHarness.Run(source);
            Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id is "CS8785" or "AD0001");
            bool compilerErrors = GeneratorHarness.Compile(source).GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
            bool ourErrors = result.GeneratorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
            if (!compilerErrors && !ourErrors)
            {
                Assert.NotEmpty(result.Sources);
                Assert.DoesNotContain(result.OutputDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
            }
        }
    }
}
