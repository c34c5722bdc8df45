using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// Forward applies a BatchNormalization, the Add of a residual block and a ReLU, as far as they follow, in the convolution's
/// kernel on the way out, reads a ZeroPadding2D's input in place in the depthwise or max-pool kernel after it
/// (<see cref="PaddedDepthwise"/>, <see cref="PaddedMaxPool"/>), and runs activations in place; every other pass runs each layer by itself. Both must
/// give the same bits, on every vector width (CI runs these under CNN_VECTOR_WIDTH=512, 256 and 128): Forward against
/// LayerOutput of the last layer, with moving statistics, gammas and betas far from their initial values so that a
/// skipped or doubled normalisation shows.
/// </summary>
public class OutputFusionTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(FusedChains), nameof(FusedWideConvolution), nameof(FusedMidConvolution), nameof(FusedSequence), nameof(FusedReLUs), nameof(ChunkedConvolution),
        nameof(PaddedDepthwise), nameof(PaddedMaxPool), nameof(FusedResidualBlocks), nameof(ChunkedResidual), nameof(FusedSequenceResidual),
        nameof(FusedWinograd),
    };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(FusedChains) => new FusedChains(),
        nameof(FusedWideConvolution) => new FusedWideConvolution(),
        nameof(FusedMidConvolution) => new FusedMidConvolution(),
        nameof(FusedSequence) => new FusedSequence(),
        nameof(FusedReLUs) => new FusedReLUs(),
        nameof(ChunkedConvolution) => new ChunkedConvolution(),
        nameof(PaddedDepthwise) => new PaddedDepthwise(),
        nameof(PaddedMaxPool) => new PaddedMaxPool(),
        nameof(FusedResidualBlocks) => new FusedResidualBlocks(),
        nameof(ChunkedResidual) => new ChunkedResidual(),
        nameof(FusedSequenceResidual) => new FusedSequenceResidual(),
        nameof(FusedWinograd) => new FusedWinograd(),
        _ => throw new ArgumentException(name),
    };

    /// <summary>Glorot kernels; biases, gammas and betas of ±0.5 around their initial values; means of ±1; variances in [0.2, 2.2].</summary>
    private static void Randomise(ICnnModel model, int seed)
    {
        model.InitializeParameters(seed);
        var random = new RandomSource((ulong)seed + 1);
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            Span<float> values = model.Parameters.Slice(tensor.Offset, tensor.Length);
            string kind = tensor.Name[(tensor.Name.LastIndexOf('.') + 1)..];
            for (int i = 0; i < values.Length; i++)
            {
                float u = random.NextSingle();
                values[i] = kind switch
                {
                    "moving_mean" => 2f * u - 1f,
                    "moving_variance" => 0.2f + 2f * u,
                    "gamma" => 0.5f + u,
                    "beta" or "bias" => u - 0.5f,
                    _ => values[i],
                };
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_GivesTheBitsOfTheLayerByLayerPasses(string name)
    {
        ICnnModel model = Create(name);
        Randomise(model, 11);
        var random = new RandomSource(12);
        for (int sample = 0; sample < 3; sample++)
        {
            var input = new float[model.InputSize];
            for (int i = 0; i < input.Length; i++) input[i] = 4f * random.NextSingle() - 2f;
            var forward = new float[model.OutputSize];
            var layerByLayer = new float[model.OutputSize];
            model.Forward(input, forward);
            model.LayerOutput(input, model.Layers.Count - 1, layerByLayer);
            Assert.Equal(layerByLayer, forward);
            // Not a trivial output: the ReLUs and caps leave a spread of values.
            Assert.True(forward.Distinct().Count() > forward.Length / 4, $"{name}: only {forward.Distinct().Count()} distinct outputs of {forward.Length}");
        }
    }

    [Fact]
    public void Forward_ReadsTheMovingStatisticsAtEveryCall()
    {
        // The scale and shift are worked out from Parameters at each call: a change shows in the next Forward.
        ICnnModel model = new FusedWideConvolution();
        Randomise(model, 21);
        var input = new float[model.InputSize];
        var random = new RandomSource(22);
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle();
        var before = new float[model.OutputSize];
        model.Forward(input, before);
        ParameterTensorInfo mean = model.ParameterTensors.Single(t => t.Name == "bn.moving_mean");
        model.Parameters.Slice(mean.Offset, mean.Length).Fill(-100f);
        var after = new float[model.OutputSize];
        model.Forward(input, after);
        var expected = new float[model.OutputSize];
        model.LayerOutput(input, model.Layers.Count - 1, expected);
        Assert.Equal(expected, after);
        Assert.NotEqual(before, after);
    }

    /// <summary>
    /// The convolutions whose weights outgrow L1 (blocks of half the filters, twice the pixels; above 1 MiB read in chunks
    /// of taps, each over every filter block and pixel) against the formula in double: valid convolution, bias, the
    /// normalisation with the moving statistics, ReLU, as far as the model has them. The fused models are read through
    /// Forward; <see cref="ChunkedConvolution"/>, whose convolution is followed by a Dense layer, through LayerOutput.
    /// </summary>
    [Theory]
    [InlineData(nameof(FusedWideConvolution))]
    [InlineData(nameof(FusedMidConvolution))]
    [InlineData(nameof(ChunkedConvolution))]
    public void Forward_OfConvolutionsWithLargeWeights_IsTheFormula(string name)
    {
        ICnnModel model = Create(name);
        Randomise(model, 31);
        LayerInfo conv = model.Layers[0];
        int w = model.InputShape[1], c = model.InputShape[2];
        int oh = conv.OutputShape[0], ow = conv.OutputShape[1], f = conv.OutputShape[2];
        var input = new float[model.InputSize];
        var random = new RandomSource(32);
        for (int i = 0; i < input.Length; i++) input[i] = 2f * random.NextSingle() - 1f;
        bool fused = model.Layers.Any(layer => layer.Name == "bn");
        var output = new float[fused ? model.OutputSize : oh * ow * f];
        if (fused) model.Forward(input, output);
        else model.LayerOutput(input, 0, output);

        float[] parameters = model.Parameters.ToArray();
        float[] Tensor(string tensor)
        {
            ParameterTensorInfo info = model.ParameterTensors.Single(t => t.Name == tensor);
            return parameters.AsSpan(info.Offset, info.Length).ToArray();
        }
        float[] kernel = Tensor("wide.kernel");
        float[] bias = model.ParameterTensors.Any(t => t.Name == "wide.bias") ? Tensor("wide.bias") : new float[f];
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int k = 0; k < f; k++)
                {
                    double sum = bias[k];
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++)
                            for (int ci = 0; ci < c; ci++)
                                sum += (double)input[((oy + ky) * w + ox + kx) * c + ci] * kernel[((ky * 3 + kx) * c + ci) * f + k];
                    double expected = sum;
                    if (fused)
                    {
                        float gamma = Tensor("bn.gamma")[k], beta = Tensor("bn.beta")[k], mean = Tensor("bn.moving_mean")[k], variance = Tensor("bn.moving_variance")[k];
                        expected = Math.Max(0, gamma * (sum - mean) / Math.Sqrt(variance + 0.001) + beta);
                    }
                    float actual = output[(oy * ow + ox) * f + k];
                    Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"{name} y[{oy}, {ox}, {k}] = {actual}, expected {expected}");
                }
    }

    /// <summary>
    /// The input gradient of <see cref="ChunkedConvolution"/>: its backward pass is a convolution of the zero-framed
    /// output gradient with as many weights, read in chunks of taps, kernel rows that meet only the frame skipped.
    /// </summary>
    [Fact]
    public void InputGradient_OfAConvolutionReadInChunks_MatchesFiniteDifferences()
    {
        ICnnModel model = new ChunkedConvolution();
        model.InitializeParameters(41);
        var random = new RandomSource(42);
        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = 2f * random.NextSingle() - 1f;
        GradientCheckTests.AssertInputGradientsMatchFiniteDifferences(model, input, nameof(ChunkedConvolution));
    }
}
