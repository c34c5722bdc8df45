using Cnn;
using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests
{
    using Cnn.Generator.IntegrationTests.FaultModels;

    /// <summary>
    /// Issue #7.4, training faults: a NaN or infinite loss or gradient stops training with an error naming the epoch
    /// and batch, and the model keeps the weights it had after the last good batch; gradient clipping really clips.
    /// </summary>
    public class TrainingFaultTests
    {
        private static readonly Lazy<Dataset> s_digits = new(() =>
            Datasets.Digits(Path.Combine(TestPaths.RepositoryRoot, "data", "digits.csv.gz")).Take(256));

        private static Dataset Copy(Dataset data) => data.Subset(Enumerable.Range(0, data.Count).ToArray());

        /// <summary>Fits and returns the exception, with the parameters seen after every completed batch.</summary>
        private static (TrainingDivergedException Error, List<float[]> AfterBatches) FitUntilDivergence<TModel>(TModel model, Dataset train, TrainingOptions options)
            where TModel : ICnnModel
        {
            var afterBatches = new List<float[]> { model.Parameters.ToArray() };
            Action<BatchProgress>? inner = options.OnBatchEnd;
            var withSnapshots = new TrainingOptions
            {
                Epochs = options.Epochs, BatchSize = options.BatchSize, Optimizer = options.Optimizer, Seed = options.Seed, Shuffle = options.Shuffle,
                ClipNorm = options.ClipNorm, Threads = options.Threads, OnEpochEnd = options.OnEpochEnd,
                OnBatchEnd = p =>
                {
                    afterBatches.Add(model.Parameters.ToArray());
                    inner?.Invoke(p);
                },
            };
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, train, withSnapshots));
            return (e, afterBatches);
        }

        private static void AssertBitIdentical(float[] expected, ReadOnlySpan<float> actual)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
                if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                    Assert.Fail($"parameter {i} is {actual[i]}, not the last good {expected[i]}");
        }

        [Fact]
        public void ANaNSampleInTheSecondEpoch_StopsAtItsBatch_WithTheLastGoodWeights()
        {
            var model = new DigitsNet();
            model.InitializeParameters(4);
            Dataset train = Copy(s_digits.Value);
            // Sample 100 is in batch 4 of 32 (not shuffled); it turns NaN after the first epoch.
            var (e, afterBatches) = FitUntilDivergence(model, train, new TrainingOptions
            {
                Epochs = 3, BatchSize = 32, Optimizer = new Adam(0.001f), Shuffle = false,
                OnEpochEnd = r => train.Inputs[100 * 64 + 17] = float.NaN,
            });
            Assert.Equal(2, e.Epoch);
            Assert.Equal(4, e.Batch);
            Assert.True(double.IsNaN(e.Loss));
            Assert.Contains("epoch 2, batch 4", e.Message);
            Assert.Contains("NaN", e.Message);
            Assert.Equal(8 + 3 + 1, afterBatches.Count); // the start, 8 batches of epoch 1, 3 of epoch 2
            AssertBitIdentical(afterBatches[^1], model.Parameters);
        }

        [Fact]
        public void AnInfiniteLoss_StopsAndNamesIt()
        {
            var model = new LinearRegression();
            model.InitializeParameters(1);
            // Targets of 1e30 square to infinity in float.
            var train = new Dataset(Enumerable.Range(0, 40).Select(i => (float)(i % 3)).ToArray(), [4], Enumerable.Repeat(1e30f, 20).ToArray(), 2);
            var (e, afterBatches) = FitUntilDivergence(model, train, new TrainingOptions { Epochs = 1, BatchSize = 4, Optimizer = new Sgd(0.01f), Shuffle = false });
            Assert.Equal((1, 1), (e.Epoch, e.Batch));
            Assert.True(double.IsPositiveInfinity(e.Loss));
            Assert.Contains("epoch 1, batch 1: the loss is Infinity", e.Message);
            AssertBitIdentical(afterBatches[0], model.Parameters);
        }

        [Fact]
        public void AHugeLearningRate_StopsWithFiniteLastGoodWeights()
        {
            var model = new DigitsNet();
            model.InitializeParameters(2);
            var (e, afterBatches) = FitUntilDivergence(model, Copy(s_digits.Value), new TrainingOptions
            {
                Epochs = 5, BatchSize = 16, Optimizer = new Sgd(1e25f), Seed = 3,
            });
            Assert.Contains($"epoch {e.Epoch}, batch {e.Batch}", e.Message);
            Assert.Equal((e.Epoch - 1) * 16 + e.Batch, afterBatches.Count);
            AssertBitIdentical(afterBatches[^1], model.Parameters);
            Assert.All(afterBatches[^1], v => Assert.True(float.IsFinite(v)));
        }

        [Fact]
        public void AnUpdateThatOverflows_IsUndone()
        {
            var model = new LinearRegression();
            model.InitializeParameters(1);
            var train = new Dataset([1, 1, 1, 1], [4], [1e3f, 1e3f], 2);
            // A finite loss and gradient, but lr × gradient overflows float.
            var (e, afterBatches) = FitUntilDivergence(model, train, new TrainingOptions { Epochs = 1, Optimizer = new Sgd(3e38f), Shuffle = false });
            Assert.Equal((1, 1), (e.Epoch, e.Batch));
            Assert.True(double.IsFinite(e.Loss));
            Assert.Contains("the optimizer step made parameter", e.Reason);
            Assert.Contains("dense.", e.Reason);
            AssertBitIdentical(afterBatches[0], model.Parameters);
        }

        [Fact]
        public void AnInfiniteGradientWithAFiniteLoss_StopsBeforeTheStep()
        {
            var model = new LinearRegression();
            model.Parameters.Clear();
            model.Parameters[0] = 1e-20f; // y = 1e-20·x: a finite loss, but d loss / d w = 2·y·x overflows
            var train = new Dataset([1e36f, 0, 0, 0], [4], [0f, 0f], 2);
            float[] before = model.Parameters.ToArray();
            var e = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(model, train, new TrainingOptions { Optimizer = new Sgd(0.1f) }));
            Assert.True(double.IsFinite(e.Loss));
            Assert.Contains("the gradient of parameter 0 (dense.kernel[0]) is", e.Message);
            AssertBitIdentical(before, model.Parameters);
        }

        /// <summary>Plain SGD that records every gradient it is given.</summary>
        private sealed class RecordingSgd(float learningRate) : IOptimizer
        {
            public List<float[]> Gradients { get; } = [];

            public float LearningRate { get; set; } = learningRate;

            public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
            {
                Gradients.Add(gradients.ToArray());
                for (int i = 0; i < parameters.Length; i++) parameters[i] -= LearningRate * gradients[i];
            }

            public void Reset() => Gradients.Clear();
        }

        private static float[] MeanGradient<TModel>(TModel model, Dataset data) where TModel : ICnnModel
        {
            var gradient = new float[model.ParameterCount];
            for (int i = 0; i < data.Count; i++) model.AccumulateGradients(data.Input(i), data.Labels![i], gradient);
            return gradient.Select(g => g / data.Count).ToArray();
        }

        [Theory]
        [InlineData(0.02f)]
        [InlineData(0.2f)]
        [InlineData(1000f)]
        public void ClipNorm_ScalesTheGradientDownToTheNorm_KeepingItsDirection(float clip)
        {
            var model = new TinyConv();
            model.InitializeParameters(5);
            Dataset batch = Copy(s_digits.Value).Take(32);
            float[] unclipped = MeanGradient(model, batch);
            double norm = Trainer.L2Norm(unclipped);
            Assert.InRange(norm, 0.25, 1000); // so that 0.02 and 0.2 clip and 1000 does not

            float[] before = model.Parameters.ToArray();
            var optimizer = new RecordingSgd(0.1f);
            Trainer.Fit(model, batch, new TrainingOptions { Epochs = 1, BatchSize = 32, Optimizer = optimizer, Shuffle = false, ClipNorm = clip });

            float[] used = Assert.Single(optimizer.Gradients);
            double expectedNorm = Math.Min(norm, clip);
            Assert.Equal(expectedNorm, Trainer.L2Norm(used), expectedNorm * 1e-5);
            for (int i = 0; i < used.Length; i++)
                Assert.Equal(unclipped[i] * expectedNorm / norm, used[i], 1e-5 * Math.Max(1, Math.Abs(unclipped[i])));
            // And that is what moved the parameters.
            float[] after = model.Parameters.ToArray();
            double moved = Math.Sqrt(before.Select((b, i) => Math.Pow(after[i] - b, 2)).Sum());
            Assert.Equal(0.1 * expectedNorm, moved, 0.1 * expectedNorm * 1e-3);
        }

        [Fact]
        public void ClipNorm_OfALargeFiniteGradient_IsNotZero()
        {
            // A gradient of about 1e30 per value: its sum of squares overflows float, which used to give a norm of
            // infinity and scale the gradient to nothing.
            var model = new LinearRegression();
            model.Parameters.Clear();
            model.Parameters.Slice(0, 8).Fill(1e-5f);
            var train = new Dataset([1e17f, 1e17f, 1e17f, 1e17f], [4], [0f, 0f], 2);
            var optimizer = new RecordingSgd(0.1f);
            Trainer.Fit(model, train, new TrainingOptions { Optimizer = optimizer, ClipNorm = 2f });
            float[] used = Assert.Single(optimizer.Gradients);
            Assert.Equal(2.0, Trainer.L2Norm(used), 1e-4);
        }

        [Theory]
        [InlineData(0f)]
        [InlineData(-1f)]
        [InlineData(float.NaN)]
        [InlineData(float.PositiveInfinity)]
        public void ClipNorm_MustBePositiveAndFinite(float clip)
        {
            var model = new TinyConv();
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, s_digits.Value.Take(4), new TrainingOptions { ClipNorm = clip }));
            Assert.Contains("ClipNorm", e.Message);
        }
    }
}

namespace Cnn.Generator.IntegrationTests.FaultModels
{
    /// <summary>Linear regression: the simplest model whose loss and gradients can be driven to overflow on purpose.</summary>
    [Model(4, Loss = Loss.MeanSquaredError)]
    [Dense(2)]
    public partial class LinearRegression;
}
