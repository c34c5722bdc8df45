using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// The generated backward passes against central finite differences of the generated forward pass, on
/// small random models that together cover every layer kind, stride, padding, bias on and off, and loss.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(CheckConvStrided), nameof(CheckConvSame), nameof(CheckStandaloneActivations),
        nameof(CheckPoolingDropout), nameof(CheckNonSquarePool), nameof(TinyConv), nameof(StridedSame), nameof(IrisMlp), nameof(CheckWide), nameof(CheckWideInput),
        nameof(CheckManyFilters), nameof(CheckBigWindow), nameof(CheckGraph),
        nameof(CheckDilatedConv), nameof(CheckDilatedConvWide), nameof(CheckDepthwise), nameof(CheckDepthwiseWide),
        nameof(CheckSeparable), nameof(CheckSeparableWide), nameof(CheckUnusedEdges), nameof(CheckStridePhases), nameof(CheckStrideByPixel), nameof(CheckConv1D), nameof(CheckConv1DWide),
        nameof(CheckReLUVariants), nameof(CheckGlobalMax), nameof(CheckSequencePooling), nameof(CheckSequenceMaxPooling), nameof(CheckWinograd),
    };

    internal static ICnnModel Create(string name) => name switch
    {
        nameof(CheckConvStrided) => new CheckConvStrided(),
        nameof(CheckUnusedEdges) => new CheckUnusedEdges(),
        nameof(CheckStridePhases) => new CheckStridePhases(),
        nameof(CheckStrideByPixel) => new CheckStrideByPixel(),
        nameof(CheckConvSame) => new CheckConvSame(),
        nameof(CheckStandaloneActivations) => new CheckStandaloneActivations(),
        nameof(CheckPoolingDropout) => new CheckPoolingDropout(),
        nameof(CheckNonSquarePool) => new CheckNonSquarePool(),
        nameof(TinyConv) => new TinyConv(),
        nameof(StridedSame) => new StridedSame(),
        nameof(IrisMlp) => new IrisMlp(),
        nameof(CheckWide) => new CheckWide(),
        nameof(CheckWideInput) => new CheckWideInput(),
        nameof(CheckManyFilters) => new CheckManyFilters(),
        nameof(CheckBigWindow) => new CheckBigWindow(),
        nameof(CheckGraph) => new CheckGraph(),
        nameof(CheckDilatedConv) => new CheckDilatedConv(),
        nameof(CheckDilatedConvWide) => new CheckDilatedConvWide(),
        nameof(CheckDepthwise) => new CheckDepthwise(),
        nameof(CheckDepthwiseWide) => new CheckDepthwiseWide(),
        nameof(CheckSeparable) => new CheckSeparable(),
        nameof(CheckSeparableWide) => new CheckSeparableWide(),
        nameof(CheckConv1D) => new CheckConv1D(),
        nameof(CheckConv1DWide) => new CheckConv1DWide(),
        nameof(CheckReLUVariants) => new CheckReLUVariants(),
        nameof(CheckGlobalMax) => new CheckGlobalMax(),
        nameof(CheckSequencePooling) => new CheckSequencePooling(),
        nameof(CheckSequenceMaxPooling) => new CheckSequenceMaxPooling(),
        nameof(CheckWinograd) => new CheckWinograd(),
        _ => throw new ArgumentException(name),
    };

    private static float[] RandomValues(int count, int seed, float scale = 1f)
    {
        var random = new RandomSource((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }

    /// <summary>Targets that fit the model's loss: probabilities summing to 1 for cross-entropy, values in (0, 1) otherwise.</summary>
    private static float[] Targets(ICnnModel model, int seed)
    {
        var random = new RandomSource((ulong)seed);
        var targets = new float[model.OutputSize];
        float sum = 0f;
        for (int i = 0; i < targets.Length; i++) sum += targets[i] = 0.05f + random.NextSingle();
        if (model.Loss == Loss.CategoricalCrossEntropy || model.Loss == Loss.SparseCategoricalCrossEntropy)
            for (int i = 0; i < targets.Length; i++) targets[i] /= sum;
        else
            for (int i = 0; i < targets.Length; i++) targets[i] = Math.Min(targets[i], 0.95f);
        return targets;
    }

    private static float LossOf(ICnnModel model, float[] input, float[] targets) =>
        model.AccumulateGradients(input, targets, new float[model.ParameterCount]);

    /// <summary>
    /// Compares one tensor's gradient with its finite differences, entry by entry: within 2% of the entry, plus a floor
    /// scaled to the tensor, 1% of its largest entry, plus the noise of central differences of a float32 function
    /// with h = 1e-3 (a few of its ulps over 2h: 2e-4 for a value of order 1). A fixed floor would be larger than
    /// most entries of a tensor whose gradients are all small, and would pass an error confined to them.
    /// </summary>
    /// <param name="magnitude">The size of the differentiated value (the loss, or the output), for the noise.</param>
    internal static void AssertClose(ReadOnlySpan<float> analytic, ReadOnlySpan<double> numeric, double magnitude, string what)
    {
        double largest = 0;
        foreach (double n in numeric) largest = Math.Max(largest, Math.Abs(n));
        double floor = 1e-2 * largest + 2e-4 * Math.Max(1, Math.Abs(magnitude));
        for (int i = 0; i < numeric.Length; i++)
        {
            double tolerance = floor + 2e-2 * Math.Max(Math.Abs(analytic[i]), Math.Abs(numeric[i]));
            Assert.True(Math.Abs(analytic[i] - numeric[i]) <= tolerance,
                $"{what}[{i}]: backward gives {analytic[i]:G6}, finite differences {numeric[i]:G6} (tolerance {tolerance:G3}; the tensor's largest entry is {largest:G3})");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ParameterGradients_MatchFiniteDifferences(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(7);
        // Non-zero biases, so that bias-dependent paths are exercised too.
        float[] noise = RandomValues(model.ParameterCount, 11, 0.1f);
        for (int i = 0; i < noise.Length; i++) model.Parameters[i] += noise[i];
        float[] input = RandomValues(model.InputSize, 3);
        float[] targets = Targets(model, 5);

        var gradients = new float[model.ParameterCount];
        float loss = model.AccumulateGradients(input, targets, gradients);

        const float h = 1e-3f;
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            var numeric = new double[tensor.Length];
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                float saved = model.Parameters[i];
                model.Parameters[i] = saved + h;
                double plus = LossOf(model, input, targets);
                model.Parameters[i] = saved - h;
                double minus = LossOf(model, input, targets);
                model.Parameters[i] = saved;
                numeric[i - tensor.Offset] = (plus - minus) / (2 * h);
            }
            AssertClose(gradients.AsSpan(tensor.Offset, tensor.Length), numeric, loss, $"{name} {tensor.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void InputGradient_MatchesFiniteDifferencesOfEachOutput(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(13);
        AssertInputGradientsMatchFiniteDifferences(model, RandomValues(model.InputSize, 17), name);
    }

    /// <summary>The input gradient of each output of <paramref name="model"/> at <paramref name="input"/> against central finite differences of <c>Forward</c>.</summary>
    internal static void AssertInputGradientsMatchFiniteDifferences(ICnnModel model, float[] input, string name)
    {
        var output = new float[model.OutputSize];
        var gradient = new float[model.InputSize];
        const float h = 1e-3f;
        var numeric = new double[model.InputSize];
        for (int k = 0; k < model.OutputSize; k++)
        {
            model.InputGradient(input, k, gradient);
            for (int i = 0; i < input.Length; i++)
            {
                float saved = input[i];
                input[i] = saved + h;
                model.Forward(input, output);
                double plus = output[k];
                input[i] = saved - h;
                model.Forward(input, output);
                double minus = output[k];
                input[i] = saved;
                numeric[i] = (plus - minus) / (2 * h);
            }
            model.Forward(input, output);
            AssertClose(gradient, numeric, output[k], $"{name} d output[{k}] / d input");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AccumulateGradients_AddsIntoTheBuffer(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(1);
        float[] input = RandomValues(model.InputSize, 2);
        float[] targets = Targets(model, 3);
        var once = new float[model.ParameterCount];
        model.AccumulateGradients(input, targets, once);
        var twice = new float[model.ParameterCount];
        model.AccumulateGradients(input, targets, twice);
        model.AccumulateGradients(input, targets, twice);
        for (int i = 0; i < once.Length; i++)
            Assert.Equal(2 * once[i], twice[i], 1e-5f * Math.Max(1f, Math.Abs(2 * once[i])));
        Assert.Contains(once, g => g != 0f);
    }

    [Fact]
    public void Dropout_IsTheIdentityWithoutSeed_AndAMaskWithIt()
    {
        var model = new CheckPoolingDropout();
        model.InitializeParameters(4);
        float[] input = RandomValues(CheckPoolingDropout.InputSize, 8);
        float[] targets = [0.2f, 0.9f];
        float plain = model.AccumulateGradients(input, targets, new float[CheckPoolingDropout.ParameterCount]);
        float plainAgain = model.AccumulateGradients(input, targets, new float[CheckPoolingDropout.ParameterCount]);
        Assert.Equal(plain, plainAgain);

        var a = new float[CheckPoolingDropout.ParameterCount];
        var b = new float[CheckPoolingDropout.ParameterCount];
        float lossA = model.AccumulateGradients(input, targets, a, dropoutSeed: 42);
        float lossB = model.AccumulateGradients(input, targets, b, dropoutSeed: 42);
        Assert.Equal(lossA, lossB);
        Assert.Equal(a, b);

        // Some seed must drop something and change the loss (rate 0.25 over 18 values).
        bool changed = false;
        for (ulong seed = 1; seed < 20 && !changed; seed++)
            changed = model.AccumulateGradients(input, targets, new float[CheckPoolingDropout.ParameterCount], seed) != plain;
        Assert.True(changed);
    }

    [Fact]
    public void DropoutGradients_MatchFiniteDifferencesUnderTheSameMask()
    {
        var model = new CheckPoolingDropout();
        model.InitializeParameters(21);
        float[] input = RandomValues(CheckPoolingDropout.InputSize, 22);
        float[] targets = [0.3f, 0.7f];
        const ulong seed = 5;
        var gradients = new float[CheckPoolingDropout.ParameterCount];
        float loss = model.AccumulateGradients(input, targets, gradients, seed);
        const float h = 1e-3f;
        foreach (ParameterTensorInfo tensor in CheckPoolingDropout.ParameterTensors)
        {
            var numeric = new double[tensor.Length];
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                float saved = model.Parameters[i];
                model.Parameters[i] = saved + h;
                double plus = model.AccumulateGradients(input, targets, new float[CheckPoolingDropout.ParameterCount], seed);
                model.Parameters[i] = saved - h;
                double minus = model.AccumulateGradients(input, targets, new float[CheckPoolingDropout.ParameterCount], seed);
                model.Parameters[i] = saved;
                numeric[i - tensor.Offset] = (plus - minus) / (2 * h);
            }
            AssertClose(gradients.AsSpan(tensor.Offset, tensor.Length), numeric, loss, $"dropout {tensor.Name}");
        }
    }
}

/// <summary>Max pooling's gradient goes to the first maximum of each window (row-major), on every SIMD lane group.</summary>
public class MaxPoolGradientTests
{
    /// <summary>Small windows are unrolled (2x2 on 20 channels); windows over 16 cells are loops (5x6 on 23 channels).</summary>
    public static TheoryData<string> Models => new() { nameof(WideMaxPool), nameof(BigWindowMaxPool) };

    [Theory]
    [MemberData(nameof(Models))]
    public void InputGradient_GoesToTheFirstMaximum_WithTies(string name)
    {
        ICnnModel model = name == nameof(WideMaxPool) ? new WideMaxPool() : new BigWindowMaxPool();
        int[] input3 = model.InputShape.ToArray(), pool = model.Layers[0].OutputShape;
        int h = input3[0], w = input3[1], c = input3[2];
        int ph = h / pool[0], pw = w / pool[1];
        var random = new RandomSource(5);
        var input = new float[model.InputSize];
        // Few distinct values, so that many windows hold the maximum twice or more.
        for (int i = 0; i < input.Length; i++) input[i] = (int)(random.NextSingle() * 3f);
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        var gradient = new float[model.InputSize];
        for (int oy = 0; oy < pool[0]; oy++)
        for (int ox = 0; ox < pool[1]; ox++)
        for (int ch = 0; ch < c; ch++)
        {
            int k = (oy * pool[1] + ox) * c + ch;
            // The reference: the first cell in row-major order holding the window's maximum.
            int best = -1;
            for (int py = 0; py < ph; py++)
            for (int px = 0; px < pw; px++)
            {
                int i = ((oy * ph + py) * w + ox * pw + px) * c + ch;
                if (best < 0 || input[i] > input[best]) best = i;
            }
            Assert.Equal(input[best], output[k]);
            model.InputGradient(input, k, gradient);
            for (int i = 0; i < gradient.Length; i++)
                Assert.True(gradient[i] == (i == best ? 1f : 0f), $"{name} output {k}: input {i} gets {gradient[i]}, the first maximum is input {best}");
        }
    }
}

/// <summary>The training step that also returns its forward pass's output (the trainer's accuracy comes from it).</summary>
public class TrainingOutputTests
{
    [Theory]
    [MemberData(nameof(GradientCheckTests.Models), MemberType = typeof(GradientCheckTests))]
    public void TrainingStepWithOutput_GivesTheSameStepAndTheForwardOutput(string name)
    {
        ICnnModel model = GradientCheckTests.Create(name);
        model.InitializeParameters(5);
        var random = new RandomSource(9);
        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle() * 2f - 1f;
        var targets = new float[model.OutputSize];
        targets[0] = 1f;
        var plain = new float[model.ParameterCount];
        var withOutput = new float[model.ParameterCount];
        float loss = model.AccumulateGradients(input, targets, plain, 3UL);
        var output = new float[model.OutputSize];
        float loss2 = model.AccumulateGradients(input, targets, withOutput, 3UL, output);
        Assert.Equal(loss, loss2);
        Assert.Equal(plain, withOutput);
        if (model.Layers.All(l => l.Type != "Dropout"))
        {
            var expected = new float[model.OutputSize];
            model.Forward(input, expected);
            Assert.Equal(expected, output);
        }
        Assert.Throws<ArgumentException>(() => model.AccumulateGradients(input, 0, withOutput, 3UL, new float[model.OutputSize + 1]));
    }
}

/// <summary>Global max pooling and 1D max pooling send each gradient to the first maximum (row-major), as MaxPool2D does, on every lane group.</summary>
public class GlobalAndSequenceMaxPoolGradientTests
{
    [Theory]
    [InlineData(nameof(WideGlobalMaxPool))]
    [InlineData(nameof(WideMaxPool1D))]
    public void InputGradient_GoesToTheFirstMaximum_WithTies(string name)
    {
        ICnnModel model = name == nameof(WideGlobalMaxPool) ? new WideGlobalMaxPool() : new WideMaxPool1D();
        int channels = model.InputShape[^1];
        // The cells (rows of channels) each output reads: all of them for global pooling, windows of 2 steps for MaxPool1D.
        int cells = model.InputSize / channels, window = name == nameof(WideGlobalMaxPool) ? cells : 2;
        var random = new RandomSource(11);
        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = (int)(random.NextSingle() * 3f);
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        var gradient = new float[model.InputSize];
        for (int k = 0; k < model.OutputSize; k++)
        {
            int o = k / channels, ch = k % channels, best = -1;
            for (int cell = o * window; cell < (o + 1) * window; cell++)
                if (best < 0 || input[cell * channels + ch] > input[best]) best = cell * channels + ch;
            Assert.Equal(input[best], output[k]);
            model.InputGradient(input, k, gradient);
            for (int i = 0; i < gradient.Length; i++)
                Assert.True(gradient[i] == (i == best ? 1f : 0f), $"{name} output {k}: input {i} gets {gradient[i]}, the first maximum is input {best}");
        }
    }
}
