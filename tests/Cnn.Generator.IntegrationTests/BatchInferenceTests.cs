using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary><see cref="Inference"/>: batched Forward/Predict equals per-sample Forward, on any thread count.</summary>
public class BatchInferenceTests
{
    private static readonly Lazy<KerasMnist> s_mnist = new(() =>
    {
        var model = new KerasMnist();
        WeightFile.Load(model, SafeTensorsFile.Open(TestPaths.Golden("keras_mnist.safetensors")), ignoreOtherTensors: true);
        return model;
    });

    private static float[] RandomInputs(int samples, int inputSize, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[samples * inputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = random.NextSingle();
        return inputs;
    }

    private static float[] OneByOne(ICnnModel model, float[] inputs)
    {
        int samples = inputs.Length / model.InputSize;
        var outputs = new float[samples * model.OutputSize];
        for (int i = 0; i < samples; i++)
            model.Forward(inputs.AsSpan(i * model.InputSize, model.InputSize), outputs.AsSpan(i * model.OutputSize, model.OutputSize));
        return outputs;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(7, 2)]
    [InlineData(37, 3)]
    [InlineData(256, 2)]
    [InlineData(300, 0)]
    [InlineData(5, 16)]
    [InlineData(3, int.MaxValue)]
    [InlineData(600, 1 << 29)]
    public void ForwardBatch_IsBitIdenticalToPerSampleForward(int samples, int threads)
    {
        KerasMnist model = s_mnist.Value;
        float[] inputs = RandomInputs(samples, KerasMnist.InputSize, seed: samples * 31 + threads);
        float[] expected = OneByOne(model, inputs);
        var outputs = new float[samples * KerasMnist.OutputSize];
        outputs.AsSpan().Fill(float.NaN);

        Inference.ForwardBatch(model, inputs, outputs, threads);

        Assert.Equal(expected, outputs);
        // The softmax rows are real results, not zeros: each sums to one.
        for (int i = 0; i < samples; i++)
            Assert.Equal(1.0, outputs.AsSpan(i * 10, 10).ToArray().Sum(), 4);
    }

    [Fact]
    public void ForwardBatch_Spans_IsBitIdenticalToPerSampleForward()
    {
        KerasMnist model = s_mnist.Value;
        float[] inputs = RandomInputs(9, KerasMnist.InputSize, seed: 4);
        var outputs = new float[9 * KerasMnist.OutputSize];
        Inference.ForwardBatch(model, inputs.AsSpan(), outputs.AsSpan());
        Assert.Equal(OneByOne(model, inputs), outputs);
    }

    [Fact]
    public void ForwardBatch_OnTheGoldenInput_MatchesTheGoldenOutput()
    {
        SafeTensorsFile file = SafeTensorsFile.Open(TestPaths.Golden("keras_mnist.safetensors"));
        float[] input = file.ReadSingles("input");
        float[] expected = file.ReadSingles("output");
        // The golden input three times over, in a batch split over two threads.
        float[] inputs = [.. input, .. input, .. input];
        Assert.Equal(0, input.Length % KerasMnist.InputSize);
        var outputs = new float[inputs.Length / KerasMnist.InputSize * KerasMnist.OutputSize];
        Inference.ForwardBatch(s_mnist.Value, inputs, outputs, threads: 2);
        Assert.Equal(3 * expected.Length, outputs.Length);
        for (int i = 0; i < outputs.Length; i++)
            Assert.True(Math.Abs(outputs[i] - expected[i % expected.Length]) <= 1e-5, $"output {i}: {outputs[i]} vs {expected[i % expected.Length]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(0)]
    public void PredictBatch_IsPerSamplePredict(int threads)
    {
        KerasMnist model = s_mnist.Value;
        float[] inputs = RandomInputs(50, KerasMnist.InputSize, seed: 9);
        int[] expected = Enumerable.Range(0, 50).Select(i => model.Predict(inputs.AsSpan(i * 784, 784))).ToArray();
        Assert.Equal(expected, Inference.PredictBatch(model, inputs, threads));
        var into = new int[50];
        into.AsSpan().Fill(-1);
        Inference.PredictBatch(model, inputs, into, threads);
        Assert.Equal(expected, into);
        Assert.All(into, p => Assert.InRange(p, 0, 9));
    }

    [Fact]
    public void EmptyBatch_DoesNothing()
    {
        Inference.ForwardBatch(s_mnist.Value, ReadOnlyMemory<float>.Empty, Memory<float>.Empty, threads: 2);
        Assert.Empty(Inference.PredictBatch(s_mnist.Value, ReadOnlyMemory<float>.Empty));
    }

    [Fact]
    public void EverySampleIsComputedExactlyOnce()
    {
        var counting = new CountingModel(s_mnist.Value);
        float[] inputs = RandomInputs(1000, 784, seed: 2);
        var outputs = new float[1000 * 10];
        Inference.ForwardBatch(counting, inputs, outputs, threads: 4);
        Assert.Equal(1000, counting.Calls);
        // A reused work description (the second call on this thread) works the same.
        Inference.ForwardBatch(counting, inputs, outputs, threads: 4);
        Assert.Equal(2000, counting.Calls);
    }

    [Fact]
    public void BadArguments_AreArgumentExceptions()
    {
        KerasMnist model = s_mnist.Value;
        var inputs = new float[2 * 784];
        var outputs = new float[2 * 10];

        var notWhole = Assert.Throws<ArgumentException>(() => Inference.ForwardBatch(model, new float[784 + 5], new float[10]));
        Assert.Equal("inputs", notWhole.ParamName);
        Assert.Contains("InputSize 784", notWhole.Message);

        var wrongOutputs = Assert.Throws<ArgumentException>(() => Inference.ForwardBatch(model, inputs, new float[19]));
        Assert.Equal("outputs", wrongOutputs.ParamName);
        Assert.Contains("20", wrongOutputs.Message);
        Assert.Throws<ArgumentException>(() => Inference.ForwardBatch(model, inputs, new float[21], threads: 2));
        Assert.Throws<ArgumentException>(() => Inference.ForwardBatch(model, inputs.AsSpan(), new float[21].AsSpan()));
        Assert.Throws<ArgumentException>(() => Inference.ForwardBatch(model, inputs.AsSpan(0, 100), outputs.AsSpan()));

        Assert.Throws<ArgumentOutOfRangeException>(() => Inference.ForwardBatch(model, inputs, outputs, threads: -1));
        Assert.Throws<ArgumentNullException>(() => Inference.ForwardBatch<KerasMnist>(null!, inputs, outputs));
        Assert.Throws<ArgumentException>(() => Inference.PredictBatch(model, inputs, new int[3]));
        Assert.Throws<ArgumentException>(() => Inference.PredictBatch(model, new float[783]));

        // Outputs written over the inputs would corrupt later samples.
        var shared = new float[30 * 784];
        var overlap = Assert.Throws<ArgumentException>(() =>
            Inference.ForwardBatch(model, shared.AsMemory(0, 10 * 784), shared.AsMemory(10 * 784 - 5, 100)));
        Assert.Contains("overlap", overlap.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AnExceptionInForward_ReachesTheCaller(int threads)
    {
        var failing = new CountingModel(s_mnist.Value) { FailAt = 150 };
        float[] inputs = RandomInputs(200, 784, seed: 3);
        var error = Assert.Throws<InvalidOperationException>(() => Inference.ForwardBatch(failing, inputs, new float[200 * 10], threads));
        Assert.Equal("sample 150", error.Message);
        // The thread's cached work description is still usable afterwards.
        var ok = new CountingModel(s_mnist.Value);
        var outputs = new float[200 * 10];
        Inference.ForwardBatch(ok, inputs, outputs, threads);
        Assert.Equal(OneByOne(s_mnist.Value, inputs), outputs);
    }

    /// <summary>Forwards to a generated model, counting calls and failing on request (recognised by the call number).</summary>
    private sealed class CountingModel(ICnnModel inner) : ICnnModel
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int FailAt { get; init; } = -1;

        public int InputSize => inner.InputSize;
        public int OutputSize => inner.OutputSize;
        public int ParameterCount => inner.ParameterCount;
        public ReadOnlySpan<int> InputShape => inner.InputShape;
        public ReadOnlySpan<int> OutputShape => inner.OutputShape;
        public Loss Loss => inner.Loss;
        public string Summary => inner.Summary;
        public IReadOnlyList<LayerInfo> Layers => inner.Layers;
        public IReadOnlyList<ParameterTensorInfo> ParameterTensors => inner.ParameterTensors;
        public Span<float> Parameters => inner.Parameters;
        public void InitializeParameters(int seed) => inner.InitializeParameters(seed);

        public void Forward(ReadOnlySpan<float> input, Span<float> output)
        {
            int call = Interlocked.Increment(ref _calls) - 1;
            if (call == FailAt) throw new InvalidOperationException($"sample {call}");
            inner.Forward(input, output);
        }

        public int Predict(ReadOnlySpan<float> input)
        {
            Interlocked.Increment(ref _calls);
            return inner.Predict(input);
        }

        public float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients) => inner.AccumulateGradients(input, target, gradients);
        public float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients) => inner.AccumulateGradients(input, targets, gradients);
        public float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients, ulong dropoutSeed) => inner.AccumulateGradients(input, target, gradients, dropoutSeed);
        public float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients, ulong dropoutSeed) => inner.AccumulateGradients(input, targets, gradients, dropoutSeed);
        public void InputGradient(ReadOnlySpan<float> input, int outputIndex, Span<float> inputGradient) => inner.InputGradient(input, outputIndex, inputGradient);
        public void LayerOutput(ReadOnlySpan<float> input, int layerIndex, Span<float> output) => inner.LayerOutput(input, layerIndex, output);
        public void ChannelGradient(ReadOnlySpan<float> input, int layerIndex, int channel, Span<float> inputGradient) => inner.ChannelGradient(input, layerIndex, channel, inputGradient);
        public void AccumulateOutputGradients(ReadOnlySpan<float> input, int outputIndex, Span<float> gradients) => inner.AccumulateOutputGradients(input, outputIndex, gradients);
    }
}
