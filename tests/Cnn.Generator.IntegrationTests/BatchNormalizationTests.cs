using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// BatchNormalization (SPEC §7) and the batch training step: the inference formula with the moving statistics, the
/// batch statistics and their moving update, finite differences of the per-sample loss (moving statistics fixed) and
/// of a whole batch's mean loss (gradients through the batch statistics), the batch step of models without batch
/// statistics against the per-sample steps, determinism across thread counts, and the trainer's batch path.
/// </summary>
public class BatchNormalizationTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(CheckBatchNormImage), nameof(CheckBatchNormVector), nameof(CheckBatchNormSequence), nameof(BatchNormOnly),
        nameof(CheckBatchNormGraph), nameof(CheckBatchNormConcatenate),
    };

    internal static ICnnModel Create(string name) => name switch
    {
        nameof(CheckBatchNormImage) => new CheckBatchNormImage(),
        nameof(CheckBatchNormVector) => new CheckBatchNormVector(),
        nameof(CheckBatchNormSequence) => new CheckBatchNormSequence(),
        nameof(BatchNormOnly) => new BatchNormOnly(),
        nameof(CheckBatchNormGraph) => new CheckBatchNormGraph(),
        nameof(CheckBatchNormConcatenate) => new CheckBatchNormConcatenate(),
        _ => throw new ArgumentException(name),
    };

    private static float[] RandomValues(int count, int seed, float scale = 1f, float offset = 0f)
    {
        var random = new RandomSource((ulong)seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = offset + (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }

    /// <summary>Glorot kernels, then noise on every trainable value, moving means in ±0.5 and moving variances in [0.5, 1.5].</summary>
    private static void Randomise(ICnnModel model, int seed)
    {
        model.InitializeParameters(seed);
        float[] noise = RandomValues(model.ParameterCount, seed + 1, 0.3f);
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            Span<float> values = model.Parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
                values[i] = tensor.Name.EndsWith(".moving_mean") ? noise[tensor.Offset + i] * 1.6f
                    : tensor.Name.EndsWith(".moving_variance") ? 1f + noise[tensor.Offset + i] * 1.6f
                    : values[i] + noise[tensor.Offset + i];
        }
    }

    /// <summary>n targets that fit the loss: probabilities for cross-entropy, values in (0, 1) otherwise.</summary>
    private static float[] Targets(ICnnModel model, int count, int seed)
    {
        float[] targets = RandomValues(count * model.OutputSize, seed, 0.45f, 0.5f);
        if (model.Loss is Loss.CategoricalCrossEntropy or Loss.SparseCategoricalCrossEntropy)
            for (int n = 0; n < count; n++)
            {
                Span<float> t = targets.AsSpan(n * model.OutputSize, model.OutputSize);
                float sum = 0f;
                foreach (float v in t) sum += v;
                for (int k = 0; k < t.Length; k++) t[k] /= sum;
            }
        return targets;
    }

    private static void AssertClose(double analytic, double numeric, string what)
    {
        double tolerance = 2e-3 + 2e-2 * Math.Max(Math.Abs(analytic), Math.Abs(numeric));
        Assert.True(Math.Abs(analytic - numeric) <= tolerance, $"{what}: backward gives {analytic:G6}, finite differences {numeric:G6}");
    }

    [Fact]
    public void Forward_IsTheFormulaWithTheMovingStatistics()
    {
        ICnnModel model = new BatchNormOnly();
        Randomise(model, 3);
        float[] input = RandomValues(BatchNormOnly.InputSize, 4, 2f);
        var output = new float[BatchNormOnly.OutputSize];
        model.Forward(input, output);
        Span<float> p = model.Parameters;
        for (int i = 0; i < input.Length; i++)
        {
            int c = i % 4;
            double expected = p[c] * (input[i] - p[8 + c]) / Math.Sqrt(p[12 + c] + 0.01) + p[4 + c];
            Assert.True(Math.Abs(output[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"output[{i}] = {output[i]}, expected {expected}");
        }
        // The per-sample training step, LayerOutput and ChannelGradient use the moving statistics too.
        var layer = new float[BatchNormOnly.OutputSize];
        model.LayerOutput(input, 0, layer);
        Assert.Equal(output, layer);
    }

    [Fact]
    public void BatchStep_NormalisesWithTheBatchStatistics_AndMovesTheMovingOnes()
    {
        ICnnModel model = new BatchNormOnly();
        Randomise(model, 5);
        const int n = 7, channels = 4, size = BatchNormOnly.InputSize;
        float[] inputs = RandomValues(n * size, 6, 3f, 1f);
        float[] parameters = model.Parameters.ToArray();
        var outputs = new float[n * size];
        model.AccumulateBatchGradients(inputs, Targets(model, n, 7), new float[model.ParameterCount], true, 1, outputs);

        for (int c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            int values = 0;
            for (int i = c; i < inputs.Length; i += channels) { sum += inputs[i]; values++; }
            double mean = sum / values;
            for (int i = c; i < inputs.Length; i += channels) squares += (inputs[i] - mean) * (inputs[i] - mean);
            double variance = squares / values; // biased, as Keras
            for (int i = c; i < inputs.Length; i += channels)
            {
                double expected = parameters[c] * (inputs[i] - mean) / Math.Sqrt(variance + 0.01) + parameters[4 + c];
                Assert.True(Math.Abs(outputs[i] - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"output {i}: {outputs[i]} against {expected}");
            }
            Assert.Equal(0.99 * parameters[8 + c] + 0.01 * mean, model.Parameters[8 + c], 1e-6);
            Assert.Equal(0.99 * parameters[12 + c] + 0.01 * variance, model.Parameters[12 + c], 1e-6);
            // The trainable entries are not touched by the step itself.
            Assert.Equal(parameters[c], model.Parameters[c]);
            Assert.Equal(parameters[4 + c], model.Parameters[4 + c]);
        }

        // Without the update nothing changes.
        float[] after = model.Parameters.ToArray();
        model.AccumulateBatchGradients(inputs, Targets(model, n, 7), new float[model.ParameterCount], updateMovingStatistics: false);
        Assert.Equal(after, model.Parameters.ToArray());
    }

    [Fact]
    public void BatchStep_OnTheInputSequence_UsesItsMomentum()
    {
        ICnnModel model = new CheckBatchNormSequence();
        Randomise(model, 8);
        const int n = 4;
        float[] inputs = RandomValues(n * CheckBatchNormSequence.InputSize, 9, 2f, -0.5f);
        ParameterTensorInfo mean = model.ParameterTensors.Single(t => t.Name == "batch_normalization.moving_mean");
        ParameterTensorInfo variance = model.ParameterTensors.Single(t => t.Name == "batch_normalization.moving_variance");
        float[] before = model.Parameters.ToArray();
        model.AccumulateBatchGradients(inputs, Targets(model, n, 10), new float[model.ParameterCount]);
        for (int c = 0; c < 3; c++)
        {
            var values = Enumerable.Range(0, inputs.Length).Where(i => i % 3 == c).Select(i => (double)inputs[i]).ToArray();
            double m = values.Average(), v = values.Select(x => (x - m) * (x - m)).Average();
            Assert.Equal(0.5 * before[mean.Offset + c] + 0.5 * m, model.Parameters[mean.Offset + c], 1e-5);
            Assert.Equal(0.5 * before[variance.Offset + c] + 0.5 * v, model.Parameters[variance.Offset + c], 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PerSampleGradients_MatchFiniteDifferences_WithTheMovingStatisticsFixed(string name)
    {
        ICnnModel model = Create(name);
        Randomise(model, 11);
        float[] input = RandomValues(model.InputSize, 12);
        float[] targets = Targets(model, 1, 13);
        var gradients = new float[model.ParameterCount];
        model.AccumulateGradients(input, targets, gradients);
        float Loss() => model.AccumulateGradients(input, targets, new float[model.ParameterCount]);
        CheckParameters(model, gradients, Loss, name);

        // And the input gradient of each output.
        var output = new float[model.OutputSize];
        var inputGradient = new float[model.InputSize];
        const float h = 1e-3f;
        for (int k = 0; k < model.OutputSize; k++)
        {
            model.InputGradient(input, k, inputGradient);
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
                AssertClose(inputGradient[i], (plus - minus) / (2 * h), $"{name} d output[{k}] / d input[{i}]");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void BatchGradients_MatchFiniteDifferencesOfTheBatchMeanLoss(string name)
    {
        ICnnModel model = Create(name);
        Randomise(model, 21);
        const int n = 5;
        float[] inputs = RandomValues(n * model.InputSize, 22, 1.5f, 0.2f);
        float[] targets = Targets(model, n, 23);
        float[] parameters = model.Parameters.ToArray();
        var gradients = new float[model.ParameterCount];
        float loss = model.AccumulateBatchGradients(inputs, targets, gradients, updateMovingStatistics: false);
        Assert.True(float.IsFinite(loss) && loss > 0f);
        Assert.Equal(parameters, model.Parameters.ToArray());
        float Loss() => model.AccumulateBatchGradients(inputs, targets, new float[model.ParameterCount], updateMovingStatistics: false);
        CheckParameters(model, gradients, Loss, name + " (batch)");

        // The batch statistics make the batch step differ from the mean of the per-sample steps.
        var perSample = new float[model.ParameterCount];
        double perSampleLoss = 0;
        for (int i = 0; i < n; i++)
            perSampleLoss += model.AccumulateGradients(inputs.AsSpan(i * model.InputSize, model.InputSize), targets.AsSpan(i * model.OutputSize, model.OutputSize), perSample);
        Assert.NotEqual(perSampleLoss / n, loss, 3);
    }

    /// <summary>Central differences of <paramref name="loss"/> for every trainable entry; the gradient of every other entry is exactly zero.</summary>
    private static void CheckParameters(ICnnModel model, float[] gradients, Func<float> loss, string name)
    {
        const float h = 1e-3f;
        int checkedEntries = 0;
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            for (int i = tensor.Offset; i < tensor.Offset + tensor.Length; i++)
            {
                if (!tensor.Trainable)
                {
                    Assert.True(gradients[i] == 0f, $"{name} {tensor.Name}[{i - tensor.Offset}] is not trainable but has gradient {gradients[i]}");
                    continue;
                }
                float saved = model.Parameters[i];
                model.Parameters[i] = saved + h;
                double plus = loss();
                model.Parameters[i] = saved - h;
                double minus = loss();
                model.Parameters[i] = saved;
                AssertClose(gradients[i], (plus - minus) / (2 * h), $"{name} {tensor.Name}[{i - tensor.Offset}]");
                checkedEntries++;
            }
        }
        Assert.Equal(model.TrainableParameterCount, checkedEntries);
        Assert.Contains(gradients, g => g != 0f);
    }

    [Theory]
    [MemberData(nameof(GradientCheckTests.Models), MemberType = typeof(GradientCheckTests))]
    public void BatchStep_WithoutBatchNormalization_IsTheMeanOfThePerSampleSteps(string name)
    {
        ICnnModel model = GradientCheckTests.Create(name);
        Assert.False(model.UsesBatchStatistics);
        Assert.Equal(model.ParameterCount, model.TrainableParameterCount);
        model.InitializeParameters(31);
        const int n = 6;
        float[] inputs = RandomValues(n * model.InputSize, 32);
        float[] targets = Targets(model, n, 33);
        var expected = new float[model.ParameterCount];
        double expectedLoss = 0;
        for (int i = 0; i < n; i++)
            expectedLoss += model.AccumulateGradients(inputs.AsSpan(i * model.InputSize, model.InputSize), targets.AsSpan(i * model.OutputSize, model.OutputSize), expected);
        var gradients = new float[model.ParameterCount];
        float loss = model.AccumulateBatchGradients(inputs, targets, gradients);
        Assert.Equal(expectedLoss / n, loss, 1e-5 * Math.Max(1, Math.Abs(loss)));
        for (int i = 0; i < gradients.Length; i++)
            Assert.True(Math.Abs(gradients[i] - expected[i] / n) <= 1e-6 + 1e-5 * Math.Abs(expected[i] / n), $"{name} gradient {i}: {gradients[i]} against {expected[i] / n}");

        // Class indices give the same as their one-hot targets.
        var labels = new int[n];
        var oneHot = new float[n * model.OutputSize];
        for (int i = 0; i < n; i++) oneHot[i * model.OutputSize + (labels[i] = i % model.OutputSize)] = 1f;
        var fromLabels = new float[model.ParameterCount];
        var fromOneHot = new float[model.ParameterCount];
        Assert.Equal(model.AccumulateBatchGradients(inputs, oneHot, fromOneHot), model.AccumulateBatchGradients(inputs, labels, fromLabels));
        Assert.Equal(fromOneHot, fromLabels);
    }

    [Theory]
    [MemberData(nameof(GradientCheckTests.Models), MemberType = typeof(GradientCheckTests))]
    public void BatchStep_WithDropoutSeeds_IsTheMeanOfThePerSampleStepsWithThoseSeeds(string name)
    {
        ICnnModel model = GradientCheckTests.Create(name);
        model.InitializeParameters(35);
        // More samples than slices: a slice's samples reuse its activation block one after another.
        const int n = 19;
        float[] inputs = RandomValues(n * model.InputSize, 36);
        float[] targets = Targets(model, n, 37);
        ulong[] seeds = Enumerable.Range(0, n).Select(i => RandomSource.Mix(99, (ulong)i)).ToArray();
        var expected = new float[model.ParameterCount];
        var expectedOutputs = new float[n * model.OutputSize];
        double expectedLoss = 0;
        for (int i = 0; i < n; i++)
            expectedLoss += model.AccumulateGradients(inputs.AsSpan(i * model.InputSize, model.InputSize), targets.AsSpan(i * model.OutputSize, model.OutputSize),
                expected, seeds[i], expectedOutputs.AsSpan(i * model.OutputSize, model.OutputSize));
        var gradients = new float[model.ParameterCount];
        var outputs = new float[n * model.OutputSize];
        float loss = model.AccumulateBatchGradients(inputs, targets, gradients, true, 2, outputs, seeds);
        Assert.Equal(expectedLoss / n, loss, 1e-5 * Math.Max(1, Math.Abs(loss)));
        for (int i = 0; i < gradients.Length; i++)
            Assert.True(Math.Abs(gradients[i] - expected[i] / n) <= 1e-6 + 1e-5 * Math.Abs(expected[i] / n), $"{name} gradient {i}: {gradients[i]} against {expected[i] / n}");
        for (int i = 0; i < outputs.Length; i++)
            Assert.True(Math.Abs(outputs[i] - expectedOutputs[i]) <= 1e-6 + 1e-5 * Math.Abs(expectedOutputs[i]), $"{name} output {i}: {outputs[i]} against {expectedOutputs[i]}");
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(inputs, targets, gradients, true, 1, default, seeds.AsSpan(1).ToArray()));
    }

    [Theory]
    [InlineData(nameof(CheckBatchNormImage))]
    [InlineData(nameof(CheckBatchNormGraph))]
    public void BatchStep_IsTheSameOnAnyNumberOfThreads_AndAddsIntoTheGradients(string name)
    {
        const int n = 13;
        float[]? firstParameters = null, firstGradients = null, firstOutputs = null;
        float firstLoss = 0;
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            ICnnModel model = Create(name);
            Randomise(model, 41);
            float[] inputs = RandomValues(n * model.InputSize, 42);
            int[] labels = Enumerable.Range(0, n).Select(i => i % 3).ToArray();
            var gradients = new float[model.ParameterCount];
            var outputs = new float[n * model.OutputSize];
            float loss = model.AccumulateBatchGradients(inputs, labels, gradients, true, threads, outputs);
            if (firstParameters is null)
            {
                (firstParameters, firstGradients, firstOutputs, firstLoss) = (model.Parameters.ToArray(), gradients.ToArray(), outputs, loss);
                // The same step again adds the same gradient once more.
                Randomise(model, 41);
                model.AccumulateBatchGradients(inputs, labels, gradients, false, 1, default);
                for (int i = 0; i < gradients.Length; i++) Assert.Equal(2 * firstGradients[i], gradients[i], 1e-6f * Math.Max(1f, Math.Abs(gradients[i])));
                continue;
            }
            Assert.Equal(firstLoss, loss);
            Assert.Equal(firstGradients, gradients);
            Assert.Equal(firstOutputs, outputs);
            Assert.Equal(firstParameters, model.Parameters.ToArray());
        }
    }

    [Fact]
    public void BatchStep_RejectsWrongSpans_BeforeChangingAnything()
    {
        ICnnModel model = new CheckBatchNormImage();
        Randomise(model, 51);
        float[] before = model.Parameters.ToArray();
        var gradients = new float[model.ParameterCount];
        int size = CheckBatchNormImage.InputSize;
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(new float[2 * size + 1], new[] { 0, 1 }, gradients));
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(ReadOnlySpan<float>.Empty, ReadOnlySpan<int>.Empty, gradients));
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(new float[2 * size], new[] { 0 }, gradients));
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(new float[2 * size], new float[5], gradients));
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(new float[2 * size], new[] { 0, 1 }, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.AccumulateBatchGradients(new float[2 * size], new[] { 0, 3 }, gradients));
        Assert.Throws<ArgumentException>(() => model.AccumulateBatchGradients(new float[2 * size], new[] { 0, 1 }, gradients, true, 1, new float[5]));
        Assert.Equal(before, model.Parameters.ToArray());
        Assert.All(gradients, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Summary_AndCounts_TellTrainableFromNonTrainable()
    {
        // conv2d 27, batch_normalization 4·3 (6 trainable), dense 36·3 + 3.
        Assert.Equal(27 + 12 + 111, CheckBatchNormImage.ParameterCount);
        Assert.Equal(27 + 6 + 111, CheckBatchNormImage.TrainableParameterCount);
        ICnnModel model = new CheckBatchNormImage();
        Assert.Equal(144, model.TrainableParameterCount);
        Assert.True(model.UsesBatchStatistics);
        Assert.Contains(" batch_normalization (BatchNormalization)    (None, 4, 3, 3)           12\n", CheckBatchNormImage.Summary);
        Assert.Contains("Total params: 150\nTrainable params: 144\nNon-trainable params: 6\n", CheckBatchNormImage.Summary);
        Assert.Equal(
            new[] { "conv2d.kernel", "conv2d.bias", "batch_normalization.gamma", "batch_normalization.beta", "batch_normalization.moving_mean", "batch_normalization.moving_variance", "dense.kernel", "dense.bias" },
            model.ParameterTensors.Select(t => t.Name));
        Assert.Equal(new[] { true, true, true, true, false, false, true, true }, model.ParameterTensors.Select(t => t.Trainable));
        // Center = false and Scale = false leave their tensors out.
        Assert.Equal(new[] { "dense.kernel", "dense.bias", "batch_normalization.gamma", "batch_normalization.moving_mean", "batch_normalization.moving_variance",
            "dense_1.kernel", "dense_1.bias", "batch_normalization_1.beta", "batch_normalization_1.moving_mean", "batch_normalization_1.moving_variance" },
            CheckBatchNormVector.ParameterTensors.Select(t => t.Name));
        Assert.Contains("Non-trainable params: 16\n", CheckBatchNormVector.Summary);

        // Initialised as Keras: gamma 1, beta 0, moving mean 0, moving variance 1.
        model.InitializeParameters(1);
        Assert.Equal(new[] { 1f, 1f, 1f, 0f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 1f }, model.Parameters.Slice(27, 12).ToArray());
    }
}

/// <summary>The trainer's path for models with batch statistics: the batch step, on all threads, deterministic.</summary>
public class BatchNormalizationTrainingTests
{
    private static readonly Lazy<(Dataset Train, Dataset Test)> s_digits = new(() =>
        Datasets.Digits(Path.Combine(TestPaths.RepositoryRoot, "data", "digits.csv.gz")).Split(0.2, seed: 1));

    private static TrainingOptions Options(int threads) => new()
    {
        Epochs = 3,
        BatchSize = 32,
        Seed = 4,
        Threads = threads,
        Optimizer = new Adam(0.01f),
    };

    [Fact]
    public void Fit_TrainsWithTheBatchStep_TheSameOnOneOrTwoThreads()
    {
        var one = new DigitsBatchNorm();
        var two = new DigitsBatchNorm();
        one.InitializeParameters(3);
        two.InitializeParameters(3);
        History history = Trainer.Fit(one, s_digits.Value.Train, Options(threads: 1));
        Trainer.Fit(two, s_digits.Value.Train, Options(threads: 2));
        Assert.Equal(one.Parameters.ToArray(), two.Parameters.ToArray());

        // The moving statistics moved (only the batch step moves them), and the model learned.
        ParameterTensorInfo mean = ((ICnnModel)one).ParameterTensors.Single(t => t.Name == "batch_normalization.moving_mean");
        Assert.Contains(one.Parameters.Slice(mean.Offset, mean.Length).ToArray(), v => v != 0f);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss);
        Assert.True(Trainer.Evaluate(one, s_digits.Value.Test).Accuracy > 0.85, $"test accuracy {Trainer.Evaluate(one, s_digits.Value.Test).Accuracy}");
    }
}
