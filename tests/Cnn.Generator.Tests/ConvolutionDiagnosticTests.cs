using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>
/// The diagnostics of the convolutions of SPEC §7 (dilation, DepthwiseConv2D, SeparableConv2D, Conv1D, causal padding):
/// id, the argument the diagnostic points at, and the message.
/// </summary>
public class ConvolutionDiagnosticTests
{
    private const string Usings = "using Cnn;\n";

    private static Diagnostic Single(string id, string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CS8785");
        return Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
    }

    [Theory]
    [InlineData("[Conv2D(8, 3, Stride = 2, DilationRate = 2)]", "DilationRate = 2", "(Conv2D): a dilation rate of 2 needs a stride of 1, but the stride is 2")]
    [InlineData("[Conv2D(8, 3, StrideWidth = 3, DilationRate = 2)]", "DilationRate = 2", "a dilation rate of 2 needs a stride of 1, but the stride is 1x3")]
    [InlineData("[DepthwiseConv2D(3, Stride = 2, DilationRate = 3)]", "DilationRate = 3", "(DepthwiseConv2D): a dilation rate of 3 needs a stride of 1")]
    [InlineData("[SeparableConv2D(4, 3, DilationRate = 2, Stride = 2)]", "DilationRate = 2", "(SeparableConv2D): a dilation rate of 2 needs a stride of 1")]
    [InlineData("[Conv2D(8, 3, DilationRate = 0)]", "DilationRate = 0", "the dilation rate must be at least 1, but is 0")]
    [InlineData("[DepthwiseConv2D(3, DepthMultiplier = 0)]", "DepthMultiplier = 0", "the depth multiplier must be at least 1, but is 0")]
    [InlineData("[DepthwiseConv2D(0)]", "0", "the kernel height must be at least 1, but is 0")]
    [InlineData("[DepthwiseConv2D(3, -2)]", "-2", "the kernel width must be at least 1, but is -2")]
    [InlineData("[SeparableConv2D(0, 3)]", "0", "the number of filters must be at least 1, but is 0")]
    [InlineData("[SeparableConv2D(4, 3, DepthMultiplier = -1)]", "DepthMultiplier = -1", "the depth multiplier must be at least 1")]
    [InlineData("[Conv2D(8, 3, Padding = Padding.Causal)]", "Padding = Padding.Causal", "(Conv2D): Padding.Causal is valid only on [Conv1D]")]
    [InlineData("[DepthwiseConv2D(3, Padding = Padding.Causal)]", "Padding = Padding.Causal", "(DepthwiseConv2D): Padding.Causal is valid only on [Conv1D]")]
    [InlineData("[SeparableConv2D(2, 3, Padding = Padding.Causal)]", "Padding = Padding.Causal", "(SeparableConv2D): Padding.Causal is valid only on [Conv1D]")]
    [InlineData("[MaxPool2D(2, Padding = Padding.Causal)]", "Padding = Padding.Causal", "(MaxPooling2D): Padding.Causal is valid only on [Conv1D]")]
    [InlineData("[DepthwiseConv2D(3, Activation = (Activation)99)]", "Activation = (Activation)99", "99 is not a valid Activation")]
    public void CNN0003_OnImages(string layer, string location, string message)
    {
        Diagnostic d = Single("CNN0003", $"[Model(8, 8, 2, Loss = Loss.MeanSquaredError)] {layer} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains("Layer 1 '", d.GetMessage());
        Assert.Contains(message, d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv1D(4, 3, Stride = 2, DilationRate = 2)]", "DilationRate = 2", "(Conv1D): a dilation rate of 2 needs a stride of 1, but the stride is 2")]
    [InlineData("[Conv1D(0, 3)]", "0", "the number of filters must be at least 1, but is 0")]
    [InlineData("[Conv1D(4, 0)]", "0", "the kernel size must be at least 1, but is 0")]
    [InlineData("[Conv1D(4, 3, Stride = 0)]", "Stride = 0", "the stride must be at least 1, but is 0")]
    [InlineData("[Conv1D(4, 3, DilationRate = -1)]", "DilationRate = -1", "the dilation rate must be at least 1, but is -1")]
    [InlineData("[Conv1D(4, 3, Padding = (Padding)7)]", "Padding = (Padding)7", "7 is not a valid Padding")]
    public void CNN0003_OnSequences(string layer, string location, string message)
    {
        Diagnostic d = Single("CNN0003", $"[Model(12, 3, Loss = Loss.MeanSquaredError)] {layer} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains("Layer 1 'conv1d' (Conv1D)", d.GetMessage());
        Assert.Contains(message, d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv2D(4, 3)]", "Layer 1 'conv2d' (Conv2D) expects an image (height x width x channels), but the input is 12x3, a sequence (steps x channels)")]
    [InlineData("[DepthwiseConv2D(3)]", "Layer 1 'depthwise_conv2d' (DepthwiseConv2D) expects an image (height x width x channels), but the input is 12x3, a sequence")]
    [InlineData("[SeparableConv2D(4, 3)]", "Layer 1 'separable_conv2d' (SeparableConv2D) expects an image (height x width x channels), but the input is 12x3, a sequence")]
    [InlineData("[MaxPool2D(2)]", "Layer 1 'max_pooling2d' (MaxPooling2D) expects an image (height x width x channels), but the input is 12x3, a sequence")]
    public void CNN0004_TwoDimensionalLayerOnASequence(string layer, string message)
    {
        Diagnostic d = Single("CNN0004", $"[Model(12, 3, Loss = Loss.MeanSquaredError)] {layer} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(layer.Substring(1, layer.Length - 2), GeneratorHarness.TextAt(d));
        Assert.StartsWith(message, d.GetMessage());
        Assert.Contains("1D]", d.GetMessage()); // names the 1-D layer to use instead
    }

    [Fact]
    public void CNN0004_Conv1DOnAnImage()
    {
        Diagnostic d = Single("CNN0004", "[Model(8, 8, 1, Loss = Loss.MeanSquaredError)] [Conv1D(4, 3)] [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal("Conv1D(4, 3)", GeneratorHarness.TextAt(d));
        Assert.StartsWith("Layer 1 'conv1d' (Conv1D) expects a sequence (steps x channels), but the input is 8x8x1, an image", d.GetMessage());
    }

    [Fact]
    public void CNN0004_Conv1DOnAVector()
    {
        Diagnostic d = Single("CNN0004", "[Model(10, 2, Loss = Loss.MeanSquaredError)] [Flatten] [Conv1D(4, 3)] [Dense(2)] public partial class Net;");
        Assert.Equal("Conv1D(4, 3)", GeneratorHarness.TextAt(d));
        Assert.StartsWith("Layer 2 'conv1d' (Conv1D) expects a sequence (steps x channels), but 'flatten' produces 20, a vector", d.GetMessage());
    }

    [Theory]
    [InlineData("[Model(4, 4, 1, Loss = Loss.MeanSquaredError)] [Conv2D(2, 3, DilationRate = 2)]", "has a 5x5 dilated kernel, larger than its 4x4 input")]
    [InlineData("[Model(4, 4, 1, Loss = Loss.MeanSquaredError)] [DepthwiseConv2D(2, 3, DilationRate = 2)]", "has a 3x5 dilated kernel, larger than its 4x4 input")]
    [InlineData("[Model(4, 6, 1, Loss = Loss.MeanSquaredError)] [SeparableConv2D(3, 5, 2)]", "has a 5x2 kernel, larger than its 4x6 input")]
    [InlineData("[Model(6, 2, Loss = Loss.MeanSquaredError)] [Conv1D(3, 4, DilationRate = 2)]", "has a 7x1 dilated kernel, larger than its 6x1 input")]
    public void CNN0004_DilatedKernelLargerThanTheInput(string model, string message)
    {
        Diagnostic d = Single("CNN0004", $"{model} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Contains(message, d.GetMessage());
    }

    [Theory]
    [InlineData("[Model(8, 8, 2, Loss = Loss.MeanSquaredError)] [Conv2D(2, 3, DilationRate = int.MaxValue, Padding = Padding.Same)]")]
    [InlineData("[Model(8, 8, 2, Loss = Loss.MeanSquaredError)] [DepthwiseConv2D(3, DilationRate = 1 << 30, Padding = Padding.Same)]")]
    [InlineData("[Model(8, 8, 2, Loss = Loss.MeanSquaredError)] [SeparableConv2D(2, 2, DilationRate = int.MaxValue)]")]
    [InlineData("[Model(8, 2, Loss = Loss.MeanSquaredError)] [Conv1D(2, 5, DilationRate = int.MaxValue, Padding = Padding.Causal)]")]
    public void CNN0004_AbsurdDilation_IsReportedNotOverflowed(string model)
    {
        Diagnostic d = Single("CNN0004", $"{model} [Flatten] [Dense(2)] public partial class Net;");
        Assert.StartsWith("DilationRate = ", GeneratorHarness.TextAt(d));
        Assert.Contains("dilated kernel of", d.GetMessage());
    }

    [Fact]
    public void CausalAndDilatedConv1D_HasNoDiagnostics_AndKerasParameterCounts()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            [Model(49, 10, Loss = Loss.MeanSquaredError)]
            [Conv1D(8, 3, Padding = Padding.Causal, DilationRate = 4)]
            [ExpectShape(49, 8)]
            [Conv1D(6, 5, Stride = 2, Padding = Padding.Causal)]
            [ExpectShape(25, 6)]
            [Conv1D(4, 2, Stride = 3, Padding = Padding.Same, UseBias = false)]
            [ExpectShape(9, 4)]
            [Flatten]
            [Dense(2)]
            [ExpectParameters(3 * 10 * 8 + 8 + 5 * 8 * 6 + 6 + 2 * 6 * 4 + 36 * 2 + 2)]
            public partial class Net;
            """);
        Assert.Empty(result.GeneratorDiagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void DepthwiseAndSeparable_HaveKerasShapesAndParameterCounts()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            [Model(49, 10, 1, Loss = Loss.MeanSquaredError)]
            [Conv2D(16, 10, 4, Stride = 2, Padding = Padding.Same)]
            [ExpectShape(25, 5, 16)]
            [DepthwiseConv2D(3, Padding = Padding.Same, DepthMultiplier = 2)]
            [ExpectShape(25, 5, 32)]
            [SeparableConv2D(8, 3, 2, DilationRate = 2)]
            [ExpectShape(21, 3, 8)]
            [Flatten]
            [Dense(2)]
            [ExpectParameters(10 * 4 * 16 + 16 + 3 * 3 * 16 * 2 + 32 + 3 * 2 * 32 + 32 * 8 + 8 + 21 * 3 * 8 * 2 + 2)]
            public partial class Net;
            """);
        Assert.Empty(result.GeneratorDiagnostics.Select(d => d.ToString()));
    }
}
