using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>
/// CNN0003 and CNN0004 of the ReLU variants, LeakyReLU, ReLU6, ZeroPadding2D, 1D pooling and global pooling: the
/// argument (or attribute) each points at, and the message a learner reads.
/// </summary>
public class LayerDiagnosticTests
{
    private const string Usings = "using Cnn;\n";

    private static Diagnostic Single(string id, string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CS8785");
        return Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
    }

    [Theory]
    [InlineData("[ReLU(MaxValue = -1)]", "MaxValue = -1", "Layer 1 're_lu' (ReLU): MaxValue caps the output and must be at least 0, but is -1; leave it out for no cap")]
    [InlineData("[ReLU(MaxValue = double.NaN)]", "MaxValue = double.NaN", "MaxValue caps the output and must be at least 0, but is NaN")]
    [InlineData("[ReLU(NegativeSlope = -0.5)]", "NegativeSlope = -0.5", "Layer 1 're_lu' (ReLU): NegativeSlope must be a finite number of at least 0, but is -0.5")]
    [InlineData("[ReLU(NegativeSlope = 1e300)]", "NegativeSlope = 1e300", "NegativeSlope must be a finite number of at least 0, but is 1E+300")]
    [InlineData("[LeakyReLU(-0.1)]", "-0.1", "Layer 1 'leaky_re_lu' (LeakyReLU): alpha (the slope below 0) must be a finite number of at least 0, but is -0.1")]
    [InlineData("[LeakyReLU(double.PositiveInfinity)]", "double.PositiveInfinity", "alpha (the slope below 0) must be a finite number of at least 0, but is Infinity")]
    [InlineData("[ZeroPadding2D(-1)]", "-1", "Layer 1 'zero_padding2d' (ZeroPadding2D): the padding must be at least 0 (a number of zero rows or columns), but is -1")]
    [InlineData("[ZeroPadding2D(1, -2)]", "-2", "the padding left and right must be at least 0")]
    [InlineData("[ZeroPadding2D(-2, 1)]", "-2", "the padding above and below must be at least 0")]
    [InlineData("[ZeroPadding2D(0, 1, -3, 0)]", "-3", "the left padding must be at least 0 (a number of zero rows or columns), but is -3")]
    [InlineData("[ZeroPadding2D(0, 1, 0, -4)]", "-4", "the right padding must be at least 0 (a number of zero rows or columns), but is -4")]
    [InlineData("[Conv2D(4, 3, Activation = (Activation)6)]", "Activation = (Activation)6", "6 is not a valid Activation")]
    [InlineData("[Conv2D(4, 3)] [Flatten] [Dense(2, Activation = (Activation)(-1))]", "Activation = (Activation)(-1)", "-1 is not a valid Activation")]
    public void CNN0003_OnImages(string layers, string location, string message)
    {
        Diagnostic d = Single("CNN0003", $"[Model(8, 8, 1, Loss = Loss.MeanSquaredError)] {layers} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.True(d.GetMessage().Contains(message, StringComparison.Ordinal), d.GetMessage());
    }

    [Theory]
    [InlineData("[MaxPool1D(0)]", "0", "Layer 1 'max_pooling1d' (MaxPooling1D): the pool size must be at least 1, but is 0")]
    [InlineData("[AvgPool1D(2, Stride = 0)]", "Stride = 0", "Layer 1 'average_pooling1d' (AveragePooling1D): the stride must be at least 1, but is 0")]
    [InlineData("[MaxPool1D(2, Padding = (Padding)7)]", "Padding = (Padding)7", "7 is not a valid Padding")]
    [InlineData("[AvgPool1D(5000)]", "5000", "the 5000x1 pool window has 5,000 cells, more than the 4,096 this generator unrolls")]
    public void CNN0003_OnSequences(string layers, string location, string message)
    {
        Diagnostic d = Single("CNN0003", $"[Model(8, 3, Loss = Loss.MeanSquaredError)] {layers} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.True(d.GetMessage().Contains(message, StringComparison.Ordinal), d.GetMessage());
    }

    [Theory]
    // The 2D layers on a sequence name the 1D layer to use.
    [InlineData("[Model(8, 3)] [MaxPool2D(2)]", "MaxPool2D(2)", "Layer 1 'max_pooling2d' (MaxPooling2D) expects an image (height x width x channels), but the input is 8x3, a sequence (steps x channels): 2D pooling works on images; use [MaxPool1D] on a sequence")]
    [InlineData("[Model(8, 3)] [AvgPool2D(2)]", "AvgPool2D(2)", "use [AvgPool1D] on a sequence")]
    [InlineData("[Model(8, 3)] [Conv2D(4, 3)]", "Conv2D(4, 3)", "a sequence (steps x channels): a 2D convolution works on images; use [Conv1D] on a sequence")]
    [InlineData("[Model(8, 3)] [GlobalAveragePooling2D]", "GlobalAveragePooling2D", "Layer 1 'global_average_pooling2d' (GlobalAveragePooling2D) expects an image (height x width x channels), but the input is 8x3, a sequence (steps x channels): global 2D pooling works on images; use [GlobalAveragePooling1D] on a sequence")]
    [InlineData("[Model(8, 3)] [GlobalMaxPooling2D]", "GlobalMaxPooling2D", "use [GlobalMaxPooling1D] on a sequence")]
    [InlineData("[Model(8, 3)] [ZeroPadding2D(1)]", "ZeroPadding2D(1)", "Layer 1 'zero_padding2d' (ZeroPadding2D) expects an image (height x width x channels), but the input is 8x3, a sequence (steps x channels): ZeroPadding2D works on images")]
    [InlineData("[Model(6)] [ZeroPadding2D]", "ZeroPadding2D", "expects an image (height x width x channels), but the input is 6: ZeroPadding2D cannot follow [Flatten] or [Dense]")]
    // The 1D layers on an image or a vector.
    [InlineData("[Model(8, 8, 2)] [MaxPool1D(2)]", "MaxPool1D(2)", "Layer 1 'max_pooling1d' (MaxPooling1D) expects a sequence (steps x channels), but the input is 8x8x2, an image (height x width x channels): 1D pooling works on sequences; use [MaxPool2D] on an image")]
    [InlineData("[Model(8, 8, 2)] [AvgPool1D(2)]", "AvgPool1D(2)", "use [AvgPool2D] on an image")]
    [InlineData("[Model(8, 8, 2)] [GlobalMaxPooling1D]", "GlobalMaxPooling1D", "global 1D pooling works on sequences; use [GlobalMaxPooling2D] on an image")]
    [InlineData("[Model(6)] [AvgPool1D(2)]", "AvgPool1D(2)", "expects a sequence (steps x channels), but the input is 6, a vector: 1D pooling cannot follow [Flatten], [Dense] or global pooling")]
    [InlineData("[Model(8, 8, 2)] [GlobalAveragePooling2D] [GlobalAveragePooling1D]", "GlobalAveragePooling1D", "Layer 2 'global_average_pooling1d' (GlobalAveragePooling1D) expects a sequence (steps x channels), but 'global_average_pooling2d' produces 2, a vector")]
    [InlineData("[Model(4, 3)] [MaxPool1D(5)]", "MaxPool1D(5)", "Layer 1 'max_pooling1d' (MaxPooling1D) has a pool window of 5 steps, longer than its input of 4 steps (the input is 4x3): use a smaller window, remove a pooling layer above, or Padding = Padding.Same")]
    // Dense and Softmax need a vector after a sequence too.
    [InlineData("[Model(8, 3)] [Dense(2)]", "Dense(2)", "Layer 1 'dense' (Dense) expects a vector, but the input is 8x3: insert [Flatten] before it, or reduce the sequence with [GlobalAveragePooling1D] or [GlobalMaxPooling1D]")]
    [InlineData("[Model(8, 3)] [Softmax]", "Softmax", "Layer 1 'softmax' (Softmax) expects a vector, but the input is 8x3: insert [Flatten] (and usually a [Dense] layer) before it, or reduce the sequence with [GlobalAveragePooling1D]")]
    public void CNN0004_LayersOnTheWrongRank(string attributes, string location, string message)
    {
        Diagnostic d = Single("CNN0004", attributes + " public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.True(d.GetMessage().Contains(message, StringComparison.Ordinal), d.GetMessage());
    }

    [Fact]
    public void EveryNewLayer_CompilesWithoutErrors_WithKerasNamesAndShapes()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            [Model(10, 10, 2, Loss = Loss.MeanSquaredError)]
            [ZeroPadding2D] [ZeroPadding2D(1)] [ZeroPadding2D(1, 2)] [ZeroPadding2D(0, 1, 2, 3)]
            [ExpectShape(17, 23, 2)]
            [Conv2D(4, 3, Activation = Activation.ReLU6)]
            [ReLU] [ReLU(MaxValue = 6)] [ReLU(NegativeSlope = 0.1, MaxValue = 2.5)] [LeakyReLU] [LeakyReLU(0.01)]
            [GlobalMaxPooling2D]
            [Dense(3, Activation = Activation.ReLU6)]
            public partial class Images;

            [Model(12, 3, Loss = Loss.MeanSquaredError)]
            [MaxPool1D(2)] [AvgPool1D(3, Stride = 1, Padding = Padding.Same)] [ExpectShape(6, 3)]
            [GlobalAveragePooling1D] [ExpectShape(3)]
            [Dense(2)]
            public partial class Sequences;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string images = Assert.Single(result.Sources, s => s.Contains("partial class Images"));
        foreach (string row in new[]
        {
            "zero_padding2d (ZeroPadding2D)", "zero_padding2d_3 (ZeroPadding2D)", "re_lu (ReLU)", "re_lu_2 (ReLU)",
            "leaky_re_lu (LeakyReLU)", "leaky_re_lu_1 (LeakyReLU)", "global_max_pooling2d (GlobalMaxPooling2D)",
        })
            Assert.Contains(row, images);
        string sequences = Assert.Single(result.Sources, s => s.Contains("partial class Sequences"));
        foreach (string row in new[] { "max_pooling1d (MaxPooling1D)", "average_pooling1d (AveragePooling1D)", "global_average_pooling1d (GlobalAveragePooling1D)" })
            Assert.Contains(row, sequences);
    }
}
