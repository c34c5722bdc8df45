using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// Issue #7.5, inference faults, on generated models of every layer kind: wrong span lengths throw
/// <see cref="ArgumentException"/> before anything is written; NaN inputs give NaN outputs, never a crash; one
/// instance used by eight threads at once gives bit for bit the results of one thread.
/// </summary>
public class InferenceFaultTests
{
    private static readonly Dictionary<string, Func<ICnnModel>> s_models = new()
    {
        ["DigitsNet"] = () => new DigitsNet(),
        ["KerasMnist"] = () => new KerasMnist(),
        ["TinyConv"] = () => new TinyConv(),
        ["StridedSame"] = () => new StridedSame(),
        ["IrisMlp"] = () => new IrisMlp(),
        ["CheckConvStrided"] = () => new CheckConvStrided(),
        ["CheckConvSame"] = () => new CheckConvSame(),
        ["CheckStandaloneActivations"] = () => new CheckStandaloneActivations(),
        ["CheckPoolingDropout"] = () => new CheckPoolingDropout(),
        ["CheckNonSquarePool"] = () => new CheckNonSquarePool(),
        ["HungYiLeeStride1"] = () => new HungYiLeeStride1(),
    };

    public static TheoryData<string> Models => [.. s_models.Keys];

    /// <summary>The model with seeded random parameters, biases included (initialisation leaves them zero).</summary>
    private static ICnnModel Create(string name, int seed = 1)
    {
        ICnnModel model = s_models[name]();
        var random = new Random(seed);
        Span<float> parameters = model.Parameters;
        for (int i = 0; i < parameters.Length; i++) parameters[i] = (float)(random.NextDouble() - 0.5);
        return model;
    }

    private static float[] RandomInput(ICnnModel model, Random random) =>
        Enumerable.Range(0, model.InputSize).Select(_ => (float)random.NextDouble()).ToArray();

    private const float Sentinel = -12345.5f;

    private static float[] Filled(int length)
    {
        var values = new float[length];
        values.AsSpan().Fill(Sentinel);
        return values;
    }

    private static void AssertUntouched(float[] values) =>
        Assert.True(values.All(v => v == Sentinel), "a span was written before the length check threw");

    [Theory]
    [MemberData(nameof(Models))]
    public void WrongSpanLengths_ThrowArgumentException_BeforeAnythingIsWritten(string name)
    {
        ICnnModel model = Create(name);
        int inputSize = model.InputSize, outputSize = model.OutputSize, parameterCount = model.ParameterCount;
        float[] input = RandomInput(model, new Random(2));
        float[] parameters = model.Parameters.ToArray();

        foreach (int length in new[] { 0, inputSize - 1, inputSize + 1 })
        {
            float[] output = Filled(outputSize);
            var e = Assert.Throws<ArgumentException>(() => model.Forward(new float[length], output));
            Assert.Equal("input", e.ParamName);
            AssertUntouched(output);
            Assert.Throws<ArgumentException>(() => model.Predict(new float[length]));

            float[] gradients = Filled(parameterCount);
            Assert.Throws<ArgumentException>(() => model.AccumulateGradients(new float[length], 0, gradients));
            Assert.Throws<ArgumentException>(() => model.AccumulateGradients(new float[length], new float[outputSize], gradients));
            AssertUntouched(gradients);
            float[] inputGradient = Filled(inputSize);
            Assert.Throws<ArgumentException>(() => model.InputGradient(new float[length], 0, inputGradient));
            AssertUntouched(inputGradient);
        }
        foreach (int length in new[] { 0, outputSize - 1, outputSize + 1 })
        {
            float[] output = Filled(length);
            var e = Assert.Throws<ArgumentException>(() => model.Forward(input, output));
            Assert.Equal("output", e.ParamName);
            AssertUntouched(output);

            float[] gradients = Filled(parameterCount);
            Assert.Throws<ArgumentException>(() => model.AccumulateGradients(input, new float[length], gradients));
            AssertUntouched(gradients);
        }
        foreach (int length in new[] { 0, parameterCount - 1, parameterCount + 1 })
        {
            float[] gradients = Filled(length);
            Assert.Throws<ArgumentException>(() => model.AccumulateGradients(input, 0, gradients));
            Assert.Throws<ArgumentException>(() => model.AccumulateGradients(input, new float[outputSize], gradients, 7UL));
            AssertUntouched(gradients);
        }
        foreach (int length in new[] { 0, inputSize - 1, inputSize + 1 })
        {
            float[] inputGradient = Filled(length);
            Assert.Throws<ArgumentException>(() => model.InputGradient(input, 0, inputGradient));
            AssertUntouched(inputGradient);
        }
        foreach (int index in new[] { -1, outputSize })
        {
            float[] gradients = Filled(parameterCount);
            Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(input, index, gradients));
            AssertUntouched(gradients);
            float[] inputGradient = Filled(inputSize);
            Assert.Throws<ArgumentOutOfRangeException>(() => model.InputGradient(input, index, inputGradient));
            AssertUntouched(inputGradient);
        }
        Assert.Equal(parameters, model.Parameters.ToArray());
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void NaNInput_GivesNaNOutputs_AndPredictStillAnswers(string name)
    {
        ICnnModel model = Create(name);
        float[] input = Enumerable.Repeat(float.NaN, model.InputSize).ToArray();
        float[] output = Filled(model.OutputSize);
        model.Forward(input, output);
        Assert.All(output, v => Assert.True(float.IsNaN(v), $"an all-NaN input gave the output {v}"));
        Assert.InRange(model.Predict(input), 0, model.OutputSize - 1);

        // The backward passes do not crash on NaN either, and report it rather than hide it.
        var gradients = new float[model.ParameterCount];
        float loss = model.AccumulateGradients(input, 0, gradients);
        Assert.True(float.IsNaN(loss), $"the loss of a NaN input is {loss}");
        var inputGradient = new float[model.InputSize];
        model.InputGradient(input, 0, inputGradient);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void OneNaNOrInfiniteValue_NeverCrashes(string name)
    {
        ICnnModel model = Create(name);
        var random = new Random(3);
        var output = new float[model.OutputSize];
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, -float.MaxValue })
        {
            for (int trial = 0; trial < 5; trial++)
            {
                float[] input = RandomInput(model, random);
                input[random.Next(input.Length)] = bad;
                model.Forward(input, output);
                Assert.InRange(model.Predict(input), 0, model.OutputSize - 1);
            }
        }
        // A NaN where every output depends on it (the first value feeds every unit of a first Dense layer and,
        // through the window at the top-left corner, the convolutions) shows in the outputs.
        float[] first = RandomInput(model, random);
        first[0] = float.NaN;
        model.Forward(first, output);
        if (name is "IrisMlp" or "CheckStandaloneActivations")
            Assert.All(output, v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData("KerasMnist")]
    [InlineData("DigitsNet")]
    [InlineData("StridedSame")]
    [InlineData("CheckPoolingDropout")]
    [InlineData("IrisMlp")]
    public void EightThreadsOnOneInstance_GiveTheResultsOfOneThread(string name)
    {
        ICnnModel model = Create(name, seed: 9);
        var random = new Random(4);
        int samples = name switch { "KerasMnist" => 8, "DigitsNet" => 24, _ => 48 };
        float[][] inputs = Enumerable.Range(0, samples).Select(_ => RandomInput(model, random)).ToArray();
        int outputSize = model.OutputSize, inputSize = model.InputSize, parameterCount = model.ParameterCount;

        // One thread: outputs, predictions, input gradients and the loss gradients.
        float[][] outputs = inputs.Select(x => { var y = new float[outputSize]; model.Forward(x, y); return y; }).ToArray();
        int[] predictions = inputs.Select(x => model.Predict(x)).ToArray();
        float[][] saliency = inputs.Select((x, i) => { var g = new float[inputSize]; model.InputGradient(x, i % outputSize, g); return g; }).ToArray();
        float[][] gradients = inputs.Select((x, i) => { var g = new float[parameterCount]; model.AccumulateGradients(x, i % outputSize, g); return g; }).ToArray();

        const int threads = 8;
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var output = new float[outputSize];
            var inputGradient = new float[inputSize];
            var gradient = new float[parameterCount];
            start.SignalAndWait();
            for (int round = 0; round < 2; round++)
            {
                for (int k = 0; k < samples; k++)
                {
                    int i = (k * (2 * t + 1) + round) % samples; // every thread in its own order
                    model.Forward(inputs[i], output);
                    if (!BitEqual(output, outputs[i])) failures.Enqueue($"thread {t}: Forward of sample {i}");
                    if (model.Predict(inputs[i]) != predictions[i]) failures.Enqueue($"thread {t}: Predict of sample {i}");
                    if (t % 2 == 0)
                    {
                        model.InputGradient(inputs[i], i % outputSize, inputGradient);
                        if (!BitEqual(inputGradient, saliency[i])) failures.Enqueue($"thread {t}: InputGradient of sample {i}");
                    }
                    else if (round == 0)
                    {
                        Array.Clear(gradient);
                        model.AccumulateGradients(inputs[i], i % outputSize, gradient);
                        if (!BitEqual(gradient, gradients[i])) failures.Enqueue($"thread {t}: AccumulateGradients of sample {i}");
                    }
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Empty(failures);
    }

    private static bool BitEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}
