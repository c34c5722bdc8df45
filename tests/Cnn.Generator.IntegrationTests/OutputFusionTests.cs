using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// Forward applies a BatchNormalization (and a ReLU after it), or a ReLU alone, in the convolution's kernel on the way out, and runs
/// activations in place; every other pass runs each layer by itself. Both must give the same bits, on every vector
/// width (CI runs these under CNN_VECTOR_WIDTH=512, 256 and 128): Forward against LayerOutput of the last layer, with
/// moving statistics, gammas and betas far from their initial values so that a skipped or doubled normalisation shows.
/// </summary>
public class OutputFusionTests
{
    public static TheoryData<string> Models => new() { nameof(FusedChains), nameof(FusedWideConvolution), nameof(FusedSequence), nameof(FusedReLUs) };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(FusedChains) => new FusedChains(),
        nameof(FusedWideConvolution) => new FusedWideConvolution(),
        nameof(FusedSequence) => new FusedSequence(),
        nameof(FusedReLUs) => new FusedReLUs(),
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
}
