using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// The convolutions of SPEC §7 (dilation, depthwise with a depth multiplier, separable, 1-D with causal padding, and the
/// 3x3 convolutions that Forward computes by Winograd's algorithm) against
/// PyTorch's outputs for the same parameters and input (Fixtures/Convolutions, made by its make_fixtures.py).
/// Loading the parameters through <see cref="WeightFile"/> also checks their names and Keras shapes.
/// </summary>
public class ConvolutionForwardTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(ForwardDilatedConv), nameof(ForwardDilatedConvWide), nameof(ForwardDepthwise), nameof(ForwardDepthwiseWide),
        nameof(ForwardSeparable), nameof(ForwardConv1D), nameof(ForwardConv1DWide), nameof(ForwardWinograd),
    };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(ForwardDilatedConv) => new ForwardDilatedConv(),
        nameof(ForwardDilatedConvWide) => new ForwardDilatedConvWide(),
        nameof(ForwardDepthwise) => new ForwardDepthwise(),
        nameof(ForwardDepthwiseWide) => new ForwardDepthwiseWide(),
        nameof(ForwardSeparable) => new ForwardSeparable(),
        nameof(ForwardConv1D) => new ForwardConv1D(),
        nameof(ForwardConv1DWide) => new ForwardConv1DWide(),
        nameof(ForwardWinograd) => new ForwardWinograd(),
        _ => throw new ArgumentException(name),
    };

    private static string Fixture(string name) =>
        Path.Combine(TestPaths.RepositoryRoot, "tests", "Cnn.Generator.IntegrationTests", "Fixtures", "Convolutions", name + ".safetensors");

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_MatchesPyTorch(string name)
    {
        ICnnModel model = Create(name);
        SafeTensorsFile file = SafeTensorsFile.Open(Fixture(name));
        WeightFile.Load(model, file, ignoreOtherTensors: true);
        float[] input = file.ReadSingles("input"), expected = file.ReadSingles("output");
        Assert.Equal(model.InputSize, input.Length);
        Assert.Equal(model.OutputSize, expected.Length);
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 0.1, $"{name}: the reference output is all but zero");
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = 1e-4 * Math.Max(Math.Abs(expected[i]), 1e-2 * scale) + 1e-6;
            Assert.True(Math.Abs(output[i] - expected[i]) <= tolerance, $"{name} output[{i}]: PyTorch {expected[i]:G9}, generated {output[i]:G9}");
        }
    }

    /// <summary>
    /// The models meant to test Winograd's path take it: their convolutions have a Forward_ method and no generated kernel
    /// (Forward calls Cnn.Winograd); a convolution on the direct path has its kernels.
    /// </summary>
    [Theory]
    [InlineData(typeof(ForwardWinograd), true, "conv2d", "conv2d_1", "conv2d_2")]
    [InlineData(typeof(FusedWinograd), true, "c1", "c2", "c3", "c4")]
    [InlineData(typeof(CheckWinograd), true, "conv2d")]
    [InlineData(typeof(ForwardDilatedConvWide), false, "conv2d")]
    public void WinogradModels_TakeWinogradsPath(Type model, bool winograd, params string[] layers)
    {
        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
        foreach (string layer in layers)
        {
            Assert.NotNull(model.GetMethod("Forward_" + layer, Private));
            Assert.Equal(!winograd, model.GetMethod($"Convolve_{layer}_512", Private) is not null);
        }
    }
}
