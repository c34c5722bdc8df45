using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>A model over its stack budget runs on threads whose stacks could not hold its buffers.</summary>
public class StackSafetyTests
{
    private static Dataset RandomImages(int count, int seed)
    {
        var random = new RandomSource((ulong)seed);
        var inputs = new float[count * TinyVgg.InputSize];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            // Each class is a brightness level plus noise: learnable in a few steps.
            for (int j = 0; j < TinyVgg.InputSize; j++)
                inputs[i * TinyVgg.InputSize + j] = 0.3f * labels[i] + 0.2f * random.NextSingle();
        }
        return new Dataset(inputs, [64, 64, 3], labels, 3);
    }

    [Fact]
    public async Task TinyVgg_TrainsOnThreadPoolThreads()
    {
        var model = new TinyVgg();
        model.InitializeParameters(1);
        Dataset data = RandomImages(48, 2);
        double before = Trainer.Evaluate(model, data).Loss;
        // Trainer threads, and thread-pool threads for evaluation: several at once.
        History history = await Task.Run(() => Trainer.Fit(model, data, new TrainingOptions { Epochs = 3, BatchSize = 8, Threads = 2, Optimizer = new Adam(0.003f) }));
        double after = (await Task.Run(() => Trainer.Evaluate(model, data))).Loss;
        Assert.Equal(3, history.Epochs.Count);
        Assert.True(after < before, $"loss {before} -> {after}");
    }

    [Fact]
    public void TinyVgg_RunsOnAThreadWithA256KiBStack()
    {
        // One sample's activations and gradients take about 1 MB: on the stack they would overflow this
        // thread and kill the test process. The generated code must take them from per-thread arrays.
        var model = new TinyVgg();
        model.InitializeParameters(3);
        Dataset data = RandomImages(2, 4);
        var output = new float[TinyVgg.OutputSize];
        var gradients = new float[TinyVgg.ParameterCount];
        float loss = float.NaN;
        var thread = new Thread(() =>
        {
            model.Forward(data.Input(0), output);
            loss = model.AccumulateGradients(data.Input(1), 1, gradients);
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        Assert.True(float.IsFinite(loss) && loss > 0f);
        Assert.Contains(gradients, g => g != 0f);
        // Same answers as on this thread.
        var expected = new float[TinyVgg.OutputSize];
        model.Forward(data.Input(0), expected);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void TinyVgg_LayerOutputAndChannelGradient_RunOnAThreadWithA256KiBStack()
    {
        // The explain pass keeps every activation (about 0.6 MB for Tiny VGG) and two gradient buffers: they must come
        // from the same per-thread arrays as the training pass, or this thread's stack overflows and kills the process.
        var model = new TinyVgg();
        model.InitializeParameters(5);
        Dataset data = RandomImages(1, 6);
        int layer = 1; // the second convolution: its output is 62x62x10
        int size = 1;
        foreach (int d in TinyVgg.Layers[layer].OutputShape) size *= d;
        var activation = new float[size];
        var gradient = new float[TinyVgg.InputSize];
        var thread = new Thread(() =>
        {
            model.LayerOutput(data.Input(0), layer, activation);
            model.ChannelGradient(data.Input(0), layer, 3, gradient);
        }, maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();
        // Same answers as on this thread, and not trivially zero.
        var expectedActivation = new float[size];
        var expectedGradient = new float[TinyVgg.InputSize];
        model.LayerOutput(data.Input(0), layer, expectedActivation);
        model.ChannelGradient(data.Input(0), layer, 3, expectedGradient);
        Assert.Equal(expectedActivation, activation);
        Assert.Equal(expectedGradient, gradient);
        Assert.Contains(gradient, g => g != 0f);
    }
}
