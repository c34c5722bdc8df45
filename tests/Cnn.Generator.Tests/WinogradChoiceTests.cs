using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>
/// Which convolutions Forward computes by Winograd's F(2x2, 3x3) (the runtime's <c>Winograd.Convolve3x3</c>) instead of
/// the generated kernels: 3x3, stride 1, no dilation, 64 to 256 channels and filters in multiples of 16, at least 12x12
/// output pixels. The numbers are checked by the integration tests (ConvolutionForwardTests against PyTorch,
/// OutputFusionTests, GradientCheckTests) and the runtime's WinogradTests; these check the choice.
/// </summary>
public class WinogradChoiceTests
{
    [Theory]
    [InlineData(16, 64, 64, 3, 1, 1, true)]
    [InlineData(16, 128, 128, 3, 1, 1, true)]
    [InlineData(13, 64, 80, 3, 1, 1, true)] // odd sizes: tiles that reach past the output
    [InlineData(12, 64, 64, 3, 1, 1, true)]
    [InlineData(11, 64, 64, 3, 1, 1, false)] // fewer than 12x12 output pixels: the kernel transform is not paid back
    [InlineData(16, 32, 64, 3, 1, 1, false)] // too few channels: the generated kernels are faster
    [InlineData(16, 64, 72, 3, 1, 1, false)] // filters not a multiple of 16
    [InlineData(12, 256, 256, 3, 1, 1, true)]
    [InlineData(12, 256, 512, 3, 1, 1, false)] // a transformed kernel of more than 4 MiB
    [InlineData(16, 64, 64, 3, 2, 1, false)] // strided
    [InlineData(16, 64, 64, 3, 1, 2, false)] // dilated
    [InlineData(16, 64, 64, 5, 1, 1, false)] // not 3x3
    public void TheChoice(int size, int channels, int filters, int kernel, int stride, int dilation, bool winograd)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run($$"""
            using Cnn;
            namespace Samples;
                        [Model({{size}}, {{size}}, {{channels}}, Loss = Loss.MeanSquaredError)]
            [Conv2D({{filters}}, {{kernel}}, Stride = {{stride}}, DilationRate = {{dilation}}, Padding = Padding.Same, Name = "c")]
            public partial class Choice;
            """);
        Assert.Empty(result.GeneratorDiagnostics.Where(d => d.Id != "CNN0007")); // large models are over the stack budget
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string source = Assert.Single(result.Sources);
        Assert.Equal(winograd, source.Contains($"global::Cnn.Winograd.Convolve3x3(x, height: {size}, width: {size}, channels: {channels}, ", StringComparison.Ordinal));
        // Without Winograd, Forward_c calls the generated kernel; with it, there is none.
        bool kernelCalled = source.Contains("Convolve_c_512(", StringComparison.Ordinal);
        Assert.Equal(!winograd, kernelCalled);
        Assert.Equal(!winograd, result.Run.Results.Single().GeneratedSources.Any(s => s.SourceText.ToString().Contains("void Convolve_c_512(", StringComparison.Ordinal)));
    }

    [Fact]
    public void AFusedChain_IsTheKernelsOutput()
    {
        // BatchNormalization, the Add of the input and a capped ReLU: the scale and shift, the residual and the cap go to the runtime kernel.
        string forward = GeneratorHarness.Run("""
            using Cnn;
            namespace Samples;
                        [Model(12, 12, 64, Loss = Loss.MeanSquaredError)]
            [Conv2D(64, 3, Padding = Padding.Same, Name = "c")]
            [BatchNormalization(Name = "bn")]
            [Add("bn", "input", Name = "add")]
            [ReLU(MaxValue = 6, Name = "relu")]
            public partial class Fused;
            """).Sources.Single();
        Assert.Contains("global::Cnn.ConvolutionOutput output = fused", forward);
        Assert.Contains("? new() { Bias = p.Slice(Offset_c__bias, 64), Scale = scale, Shift = shift, Residual = residual, Activation = global::Cnn.OutputActivation.SlopeAndCap, Slope = 0.0f, Cap = 6.0f }", forward);
        Assert.Contains(": new() { Bias = p.Slice(Offset_c__bias, 64) };", forward);
        Assert.Contains("winogradKernel, winogradTiles, output, global::Cnn.Kernels.VectorWidth);", forward);
    }
}
