using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>Generated models trained with the runtime's trainer on real data.</summary>
public class TrainingTests
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_digits = new(() =>
        Datasets.Digits(Path.Combine(TestPaths.RepositoryRoot, "data", "digits.csv.gz")).Split(0.2, seed: 1));

    private static TrainingOptions Options(int threads, int epochs = 2, int seed = 1) => new()
    {
        Epochs = epochs, BatchSize = 32, Optimizer = new Adam(0.003f), Seed = seed, Threads = threads,
    };

    [Fact]
    public void Digits_ReachesNinetyFivePercent()
    {
        var model = new DigitsNet();
        model.InitializeParameters(42);
        var epochs = new List<EpochResult>();
        History history = Trainer.Fit(model, s_digits.Value.Train, new TrainingOptions
        {
            Epochs = 15, BatchSize = 32, Optimizer = new Adam(0.003f), Seed = 1, ValidationData = s_digits.Value.Test,
            OnEpochEnd = epochs.Add,
        });
        Assert.Equal(15, history.Epochs.Count);
        Assert.Equal(history.Epochs, epochs);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss);
        Evaluation evaluation = Trainer.Evaluate(model, s_digits.Value.Test);
        Assert.True(evaluation.Accuracy >= 0.95, $"test accuracy {evaluation.Accuracy:P2}");
        Assert.Equal(evaluation.Accuracy, history.Epochs[^1].ValidationAccuracy!.Value, 6);
    }

    [Fact]
    public void SameSeed_GivesBitIdenticalWeightsOnOneAndTwoThreads()
    {
        var one = new DigitsNet();
        var two = new DigitsNet();
        one.InitializeParameters(5);
        two.InitializeParameters(5);
        Trainer.Fit(one, s_digits.Value.Train, Options(threads: 1));
        Trainer.Fit(two, s_digits.Value.Train, Options(threads: 2));
        Assert.True(one.Parameters.SequenceEqual(two.Parameters));

        var other = new DigitsNet();
        other.InitializeParameters(5);
        Trainer.Fit(other, s_digits.Value.Train, Options(threads: 2, seed: 2));
        Assert.False(one.Parameters.SequenceEqual(other.Parameters));
    }

    [Fact]
    public void InitializeParameters_IsSeededGlorotUniformWithZeroBias()
    {
        var a = new DigitsNet();
        var b = new DigitsNet();
        a.InitializeParameters(3);
        b.InitializeParameters(3);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        b.InitializeParameters(4);
        Assert.False(a.Parameters.SequenceEqual(b.Parameters));
        ParameterTensorInfo kernel = DigitsNet.ParameterTensors[0], bias = DigitsNet.ParameterTensors[1];
        float limit = MathF.Sqrt(6f / (9 + 9 * 16));
        ReadOnlySpan<float> k = a.Parameters.Slice(kernel.Offset, kernel.Length);
        foreach (float v in k) Assert.InRange(v, -limit, limit);
        Assert.True(k.ToArray().Max() > 0.8f * limit && k.ToArray().Min() < -0.8f * limit);
        Assert.All(a.Parameters.Slice(bias.Offset, bias.Length).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void EarlyStopping_StopsAndRestoresTheBestEpoch()
    {
        var model = new DigitsNet();
        model.InitializeParameters(1);
        float[]? bestWeights = null;
        double best = double.MaxValue;
        History history = Trainer.Fit(model, s_digits.Value.Train.Take(200), new TrainingOptions
        {
            Epochs = 60, BatchSize = 16, Optimizer = new Adam(0.05f), Seed = 3, ValidationData = s_digits.Value.Test,
            EarlyStopping = new EarlyStopping("val_loss", Patience: 2),
            OnEpochEnd = e =>
            {
                if (e.ValidationLoss < best)
                {
                    best = e.ValidationLoss.Value;
                    bestWeights = model.Parameters.ToArray();
                }
            },
        });
        Assert.True(history.StoppedEarly, "a large learning rate on 200 samples must overfit within 60 epochs");
        Assert.True(history.Epochs.Count < 60);
        Assert.Equal(best, history.Epochs[history.BestEpoch - 1].ValidationLoss);
        Assert.Equal(bestWeights, model.Parameters.ToArray());
    }

    [Fact]
    public void Divergence_StopsWithTheEpochAndBatch_AndKeepsTheLastGoodWeights()
    {
        var model = new DigitsNet();
        model.InitializeParameters(1);
        Dataset train = s_digits.Value.Train.Take(64);
        train.Inputs[40 * 64 + 5] = float.NaN; // sample 40 is in the second batch of 32 when not shuffled
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, train, new TrainingOptions
        {
            Epochs = 1, BatchSize = 32, Optimizer = new Sgd(0.01f), Shuffle = false,
        }));
        Assert.Equal(1, e.Epoch);
        Assert.Equal(2, e.Batch);
        Assert.Contains("epoch 1, batch 2", e.Message);
        Assert.False(model.Parameters.SequenceEqual(before)); // the first batch was applied
        Assert.True(TensorPrimitivesIsFinite(model.Parameters));
    }

    private static bool TensorPrimitivesIsFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }

    [Fact]
    public void WeightFile_RoundTrips_AndABadFileLeavesTheModelUnchanged()
    {
        var model = new DigitsNet();
        model.InitializeParameters(9);
        string dir = Directory.CreateTempSubdirectory("cnn-weights").FullName;
        string path = Path.Combine(dir, "digits.safetensors");
        WeightFile.Save(model, path);

        var loaded = new DigitsNet();
        WeightFile.Load(loaded, path);
        Assert.True(model.Parameters.SequenceEqual(loaded.Parameters));
        SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(["conv2d.kernel", "conv2d.bias", "conv2d_1.kernel", "conv2d_1.bias", "dense.kernel", "dense.bias"], file.Tensors.Select(t => t.Name));
        Assert.Equal([3, 3, 1, 16], file.Info("conv2d.kernel").Shape);

        // Another model's weights: wrong shapes. The model must keep its parameters.
        string other = Path.Combine(dir, "tiny.safetensors");
        WeightFile.Save(new TinyConv(), other);
        float[] before = loaded.Parameters.ToArray();
        var e = Assert.Throws<CnnDataException>(() => WeightFile.Load(loaded, other));
        Assert.Contains("tiny.safetensors", e.Message);
        Assert.Contains("conv2d.kernel", e.Message);
        Assert.Equal(before, loaded.Parameters.ToArray());

        // Truncated.
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);
        Assert.Throws<CnnDataException>(() => WeightFile.Load(loaded, path));
        Assert.Equal(before, loaded.Parameters.ToArray());
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void WrongSpanLengths_AreArgumentExceptions_BeforeAnythingIsWritten()
    {
        var model = new DigitsNet();
        var output = new float[10];
        output.AsSpan().Fill(7f);
        Assert.Throws<ArgumentException>(() => model.Forward(new float[63], output));
        Assert.All(output, v => Assert.Equal(7f, v));
        Assert.Throws<ArgumentException>(() => model.Forward(new float[64], new float[9]));
        Assert.Throws<ArgumentException>(() => model.AccumulateGradients(new float[64], 1, new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateGradients(new float[64], 10, new float[DigitsNet.ParameterCount]));
        Assert.Throws<ArgumentException>(() => model.InputGradient(new float[64], 0, new float[3]));
    }

    [Fact]
    public void NaNInput_GivesNaNOutput_NotACrash()
    {
        var model = new DigitsNet();
        model.InitializeParameters(2);
        var input = new float[64];
        input.AsSpan().Fill(float.NaN);
        var output = new float[10];
        model.Forward(input, output);
        Assert.Contains(output, float.IsNaN);
    }

    [Fact]
    public void ConcurrentForward_GivesTheSameResultsAsOneThread()
    {
        var model = new DigitsNet();
        model.InitializeParameters(6);
        Dataset test = s_digits.Value.Test;
        var expected = new float[test.Count * 10];
        for (int i = 0; i < test.Count; i++) model.Forward(test.Input(i), expected.AsSpan(i * 10, 10));
        var actual = new float[test.Count * 10];
        Parallel.For(0, test.Count * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            int i = k % test.Count;
            Span<float> output = stackalloc float[10];
            model.Forward(test.Input(i), output);
            output.CopyTo(actual.AsSpan(i * 10, 10));
        });
        Assert.Equal(expected, actual);
    }
}
