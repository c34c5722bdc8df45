using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// <c>LayerOutput</c> and <c>ChannelGradient</c>: the activations of any layer, and the input gradient of one
/// channel's summed activation, against Forward, against models cut in two, and against finite differences.
/// </summary>
public class ExplainTests
{
    public static TheoryData<string> SmoothModels => new() { nameof(CheckConvSame), nameof(ExplainSmooth), nameof(CheckWide) };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(CheckConvSame) => new CheckConvSame(),
        nameof(ExplainSmooth) => new ExplainSmooth(),
        nameof(CheckWide) => new CheckWide(),
        _ => GradientCheckTests.Create(name),
    };

    private static float[] RandomValues(int count, int seed, float scale = 1f)
    {
        var random = new RandomSource((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }

    private static int SizeOf(LayerInfo layer) => layer.OutputShape.Aggregate(1, (a, b) => a * b);

    private static float[] LayerOutput(ICnnModel model, float[] input, int layer)
    {
        var output = new float[SizeOf(model.Layers[layer])];
        model.LayerOutput(input, layer, output);
        return output;
    }

    /// <summary>Σ over the cells of one channel of a layer's output, in double.</summary>
    private static double ChannelSum(ICnnModel model, float[] input, int layer, int channel)
    {
        float[] output = LayerOutput(model, input, layer);
        int channels = model.Layers[layer].OutputShape[^1];
        double sum = 0;
        for (int j = channel; j < output.Length; j += channels) sum += output[j];
        return sum;
    }

    [Theory]
    [MemberData(nameof(SmoothModels))]
    [InlineData(nameof(CheckPoolingDropout))]
    [InlineData(nameof(CheckStandaloneActivations))]
    public void LayerOutput_OfTheLastLayer_IsForward(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(3);
        float[] input = RandomValues(model.InputSize, 4);
        var forward = new float[model.OutputSize];
        model.Forward(input, forward);
        Assert.Equal(forward, LayerOutput(model, input, model.Layers.Count - 1));
    }

    [Fact]
    public void LayerOutput_OfTheFirstLayer_IsThatLayerAlone()
    {
        ICnnModel whole = new CheckConvSame();
        whole.InitializeParameters(5);
        var alone = new ExplainConvOnly();
        whole.Parameters[..ExplainConvOnly.ParameterCount].CopyTo(alone.Parameters);
        float[] input = RandomValues(whole.InputSize, 6);
        var expected = new float[ExplainConvOnly.OutputSize];
        alone.Forward(input, expected);
        Assert.Equal(expected, LayerOutput(whole, input, 0));
    }

    [Fact]
    public void LayerOutput_FedThroughTheRestOfTheModel_GivesForward()
    {
        ICnnModel whole = new CheckConvSame();
        whole.InitializeParameters(8);
        for (int i = 0; i < whole.Parameters.Length; i++) whole.Parameters[i] += 0.05f * (i % 7 - 3);
        ICnnModel tail = new ExplainTail();
        // The head (conv2d, average_pooling2d) has ParameterCount - ExplainTail.ParameterCount parameters.
        whole.Parameters[(CheckConvSame.ParameterCount - ExplainTail.ParameterCount)..].CopyTo(tail.Parameters);
        float[] input = RandomValues(whole.InputSize, 9);

        float[] pooled = LayerOutput(whole, input, 1);
        Assert.Equal(ExplainTail.InputSize, pooled.Length);
        var expected = new float[CheckConvSame.OutputSize];
        whole.Forward(input, expected);
        var viaTail = new float[ExplainTail.OutputSize];
        tail.Forward(pooled, viaTail);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], viaTail[i], 1e-6f);

        // Layer by layer, the tail's own LayerOutput agrees with the whole model's from layer 2 on.
        for (int k = 0; k < tail.Layers.Count; k++)
        {
            float[] a = LayerOutput(whole, input, k + 2), b = LayerOutput(tail, pooled, k);
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-6f);
        }
    }

    [Fact]
    public void LayerOutput_TreatsDropoutAsIdentityAndFlattenAsItsInput()
    {
        ICnnModel model = new ExplainSmooth();
        model.InitializeParameters(2);
        float[] input = RandomValues(model.InputSize, 3);
        Assert.Equal(LayerOutput(model, input, 0), LayerOutput(model, input, 1)); // dropout
        Assert.Equal(LayerOutput(model, input, 4), LayerOutput(model, input, 5)); // flatten
        Assert.NotEqual(LayerOutput(model, input, 3), LayerOutput(model, input, 4)); // Tanh changes it
    }

    [Theory]
    [MemberData(nameof(SmoothModels))]
    public void ChannelGradient_MatchesFiniteDifferencesOfTheChannelSum(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(13);
        float[] noise = RandomValues(model.ParameterCount, 14, 0.1f);
        for (int i = 0; i < noise.Length; i++) model.Parameters[i] += noise[i];
        float[] input = RandomValues(model.InputSize, 17);
        var gradient = new float[model.InputSize];
        const float h = 1e-3f;
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            int channels = model.Layers[layer].OutputShape[^1];
            // Every channel of narrow layers; the first, a middle and the last of wide ones.
            int[] chosen = channels <= 4 ? Enumerable.Range(0, channels).ToArray() : new[] { 0, channels / 2, channels - 1 };
            foreach (int channel in chosen)
            {
                model.ChannelGradient(input, layer, channel, gradient);
                Assert.Contains(gradient, g => g != 0f);
                // Wide inputs: every third component keeps the test quick and still crosses every channel.
                int step = input.Length > 100 ? 3 : 1;
                var analytic = new List<float>();
                var numeric = new List<double>();
                for (int i = 0; i < input.Length; i += step)
                {
                    float saved = input[i];
                    input[i] = saved + h;
                    double plus = ChannelSum(model, input, layer, channel);
                    input[i] = saved - h;
                    double minus = ChannelSum(model, input, layer, channel);
                    input[i] = saved;
                    analytic.Add(gradient[i]);
                    numeric.Add((plus - minus) / (2 * h));
                }
                GradientCheckTests.AssertClose(analytic.ToArray(), numeric.ToArray(), ChannelSum(model, input, layer, channel),
                    $"{name} layer {layer} '{model.Layers[layer].Name}' channel {channel}, input (every {step})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(SmoothModels))]
    public void ChannelGradient_OfTheLastLayer_IsInputGradient(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(21);
        float[] input = RandomValues(model.InputSize, 22);
        var expected = new float[model.InputSize];
        var actual = new float[model.InputSize];
        for (int k = 0; k < model.OutputSize; k++)
        {
            model.InputGradient(input, k, expected);
            model.ChannelGradient(input, model.Layers.Count - 1, k, actual);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-6f);
        }
    }

    [Fact]
    public void BadArguments_ThrowAndWriteNothing()
    {
        ICnnModel model = new ExplainSmooth();
        model.InitializeParameters(1);
        float[] input = RandomValues(model.InputSize, 1);
        int layers = model.Layers.Count;
        var sentinel = new float[model.InputSize];
        Array.Fill(sentinel, 42f);

        var output = (float[])sentinel.Clone();
        Assert.Throws<ArgumentOutOfRangeException>(() => model.LayerOutput(input, -1, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.LayerOutput(input, layers, output));
        var ex = Assert.Throws<ArgumentException>(() => model.LayerOutput(input, 0, new float[SizeOf(model.Layers[0]) + 1]));
        Assert.Equal("output", ex.ParamName);
        Assert.Throws<ArgumentException>(() => model.LayerOutput(new float[model.InputSize - 1], 0, new float[SizeOf(model.Layers[0])]));
        // The output length of one layer is not accepted for another.
        Assert.Throws<ArgumentException>(() => model.LayerOutput(input, 2, new float[SizeOf(model.Layers[0])]));

        Assert.Throws<ArgumentOutOfRangeException>(() => model.ChannelGradient(input, layers, 0, output));
        var channel = Assert.Throws<ArgumentOutOfRangeException>(() => model.ChannelGradient(input, 0, model.Layers[0].OutputShape[^1], output));
        Assert.Equal("channel", channel.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ChannelGradient(input, 0, -1, output));
        Assert.Throws<ArgumentException>(() => model.ChannelGradient(input, 0, 0, new float[model.InputSize + 1]));
        Assert.Throws<ArgumentException>(() => model.ChannelGradient(new float[1], 0, 0, output));
        Assert.Equal(sentinel, output);
    }
}
