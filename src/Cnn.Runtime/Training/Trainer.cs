using System.Diagnostics;
using System.Numerics.Tensors;

namespace Cnn;

/// <summary>Stops training when a monitored figure stops improving (Keras's <c>EarlyStopping</c>).</summary>
/// <param name="Monitor">"val_loss" (default), "loss", "val_accuracy" or "accuracy".</param>
/// <param name="Patience">Epochs without improvement before stopping.</param>
/// <param name="MinDelta">The smallest change that counts as an improvement.</param>
/// <param name="RestoreBestWeights">Whether the parameters of the best epoch are restored at the end.</param>
public sealed record EarlyStopping(string Monitor = "val_loss", int Patience = 3, double MinDelta = 0, bool RestoreBestWeights = true);

/// <summary>How <see cref="Trainer.Fit{TModel}"/> trains.</summary>
public sealed class TrainingOptions
{
    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Samples per gradient step (Keras default 32).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The optimizer; default RMSprop with Keras's defaults.</summary>
    public IOptimizer Optimizer { get; init; } = new RmsProp();

    /// <summary>Seeds the shuffling and the dropout masks.</summary>
    public int Seed { get; init; }

    /// <summary>Whether the samples are shuffled every epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Data evaluated after each epoch (val_loss, val_accuracy).</summary>
    public Dataset? ValidationData { get; init; }

    /// <summary>Optional early stopping.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Worker threads; 0 means one per core. The result does not depend on it.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// If set, the batch-mean gradient is scaled down to this global L2 norm (over all parameters) when it is
    /// larger, as Keras's <c>global_clipnorm</c>; it must be positive and finite.
    /// </summary>
    public float? ClipNorm { get; init; }

    /// <summary>Called after every epoch (the library itself prints nothing).</summary>
    public Action<EpochResult>? OnEpochEnd { get; init; }

    /// <summary>Called after every batch, for progress bars.</summary>
    public Action<BatchProgress>? OnBatchEnd { get; init; }
}

/// <summary>One epoch's figures, as Keras prints them.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean training loss over the epoch (with dropout active).</param>
/// <param name="Accuracy">Training accuracy of the predictions made during the epoch.</param>
/// <param name="ValidationLoss">Loss on the validation data, if any.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation data, if any.</param>
/// <param name="Duration">Wall time of the epoch.</param>
public sealed record EpochResult(int Epoch, double Loss, double Accuracy, double? ValidationLoss, double? ValidationAccuracy, TimeSpan Duration)
{
    /// <summary>"loss: 0.4321 - accuracy: 0.8765 - val_loss: ... - 3s", Keras's epoch line.</summary>
    public override string ToString() =>
        FormattableString.Invariant($"loss: {Loss:F4} - accuracy: {Accuracy:F4}")
        + (ValidationLoss is { } vl ? FormattableString.Invariant($" - val_loss: {vl:F4} - val_accuracy: {ValidationAccuracy:F4}") : "")
        + FormattableString.Invariant($" - {Duration.TotalSeconds:F1}s");
}

/// <summary>Progress within an epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Batch">1-based batch number.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean loss so far this epoch.</param>
/// <param name="Accuracy">Accuracy so far this epoch.</param>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double Loss, double Accuracy);

/// <summary>Loss and accuracy of a model on a dataset.</summary>
/// <param name="Loss">Mean loss.</param>
/// <param name="Accuracy">Fraction of samples predicted right.</param>
public readonly record struct Evaluation(double Loss, double Accuracy);

/// <summary>What <see cref="Trainer.Fit{TModel}"/> returns: one entry per epoch (Keras's <c>History</c>).</summary>
public sealed class History
{
    /// <summary>The epochs run.</summary>
    public List<EpochResult> Epochs { get; } = [];

    /// <summary>The 1-based epoch with the best monitored figure (early stopping), else the last.</summary>
    public int BestEpoch { get; internal set; }

    /// <summary>Whether early stopping ended training.</summary>
    public bool StoppedEarly { get; internal set; }
}

/// <summary>
/// Training stopped because a batch's loss or gradient became NaN or infinite, or because an optimizer step made
/// a parameter so. The parameters are those before that batch: the last good weights.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>The loss of batch <paramref name="batch"/> of epoch <paramref name="epoch"/> is not finite.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss)
        : this(epoch, batch, loss, FormattableString.Invariant($"the loss is {loss}"))
    {
    }

    /// <summary>Training diverged in <paramref name="epoch"/>, <paramref name="batch"/>, for <paramref name="reason"/>.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, string reason)
        : base($"Training diverged in epoch {epoch}, batch {batch}: {reason}. The parameters are those before that batch; lower the learning rate, set ClipNorm or check the data for NaN and infinite values.")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        Reason = reason;
    }

    /// <summary>1-based epoch.</summary>
    public int Epoch { get; }

    /// <summary>1-based batch within the epoch.</summary>
    public int Batch { get; }

    /// <summary>The batch's mean loss (NaN or infinite when the loss itself diverged).</summary>
    public double Loss { get; }

    /// <summary>What went wrong: the loss, the gradient, or the update.</summary>
    public string Reason { get; }
}

/// <summary>
/// Keras-style training: epochs of shuffled mini-batches, the batch-mean gradient, an optimizer step.
/// Each mini-batch goes through the model's batch step (<c>AccumulateBatchGradients</c>, SPEC §7: BatchNormalization
/// with the batch's statistics, dropout with a seed per sample and epoch). The batch step is data-parallel and
/// deterministic: it cuts the batch into a fixed number of slices (independent of the thread count), each slice
/// accumulates its samples in order into its own buffer, and the buffers are summed in slice order, so a seed gives
/// the same weights on 1 or 16 threads.
/// </summary>
/// <remarks>
/// A batch whose loss or mean gradient is NaN or infinite, or whose optimizer step makes a parameter so, stops
/// training with a <see cref="TrainingDivergedException"/> naming the epoch and batch; the model keeps the
/// parameters it had before that batch. (The optimizer's own state, such as Adam's moments, may include the
/// rejected step when it was the update that diverged: create a new optimizer to resume.)
/// </remarks>
public static class Trainer
{
    /// <summary>Slices per batch in the batch step (<see cref="BatchRunner.Slices"/>): enough for the cores of a desktop, fixed so results do not depend on them.</summary>
    public const int SlicesPerBatch = 8;

    /// <summary>
    /// One batch through the model's batch step: the samples <c>order[start..start + count)</c> gathered end to end, the
    /// gradient of the mean loss written into <paramref name="gradient"/> (cleared first), the outputs for the accuracy.
    /// </summary>
    private static float BatchStep<TModel>(TModel model, Dataset train, int[] order, int start, int count, float[] inputs, int[]? labels,
        float[]? targets, ulong[] seeds, ulong seed, int epoch, float[] gradient, int threads, float[] outputs) where TModel : ICnnModel
    {
        int inputSize = model.InputSize, outputSize = model.OutputSize;
        for (int k = 0; k < count; k++)
        {
            int i = order[start + k];
            // Sample i's dropout in this epoch: the same whatever batch or slice it falls in.
            seeds[k] = RandomSource.Mix(seed, (ulong)epoch, (ulong)i + 1);
            train.Input(i).CopyTo(inputs.AsSpan(k * inputSize, inputSize));
            if (labels is not null) labels[k] = train.Labels![i];
            else train.Target(i).CopyTo(targets.AsSpan(k * outputSize, outputSize));
        }
        Array.Clear(gradient);
        Span<float> batchOutputs = outputs.AsSpan(0, count * outputSize);
        return labels is not null
            ? model.AccumulateBatchGradients(inputs.AsSpan(0, count * inputSize), labels.AsSpan(0, count), gradient, true, threads, batchOutputs, seeds.AsSpan(0, count))
            : model.AccumulateBatchGradients(inputs.AsSpan(0, count * inputSize), targets.AsSpan(0, count * outputSize), gradient, true, threads, batchOutputs, seeds.AsSpan(0, count));
    }

    /// <summary>Trains <paramref name="model"/> on <paramref name="train"/>.</summary>
    public static History Fit<TModel>(TModel model, Dataset train, TrainingOptions options) where TModel : ICnnModel
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        Check(model, train, nameof(train));
        if (options.ValidationData is { } validationData) Check(model, validationData, nameof(options.ValidationData));
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), "BatchSize must be at least 1.");
        if (options.ClipNorm is float clipNorm && !(clipNorm > 0 && float.IsFinite(clipNorm)))
            throw new ArgumentOutOfRangeException(nameof(options), $"ClipNorm must be a positive finite number, not {clipNorm}.");
        ArgumentNullException.ThrowIfNull(options.Optimizer, nameof(options.Optimizer));

        int threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        int parameterCount = model.ParameterCount;
        var gradient = new float[parameterCount];
        var before = new float[parameterCount];
        float[]? best = null;
        int[] order = Enumerable.Range(0, train.Count).ToArray();
        var history = new History();
        double bestScore = double.NaN;
        int bestEpoch = 0, sinceBest = 0;
        var batchInputs = new float[(long)options.BatchSize * model.InputSize];
        var batchOutputs = new float[(long)options.BatchSize * model.OutputSize];
        int[]? batchLabels = train.Labels is not null ? new int[options.BatchSize] : null;
        float[]? batchTargets = train.Labels is null ? new float[(long)options.BatchSize * model.OutputSize] : null;
        var batchSeeds = new ulong[options.BatchSize];

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            if (options.Shuffle)
            {
                var random = new RandomSource(RandomSource.Mix((ulong)options.Seed, (ulong)epoch, 0x5EED));
                Dataset.Shuffle(order, ref random);
            }
            int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
            double epochLoss = 0;
            long epochCorrect = 0;
            int seen = 0;
            for (int batch = 0; batch < batches; batch++)
            {
                int start = batch * options.BatchSize, count = Math.Min(options.BatchSize, train.Count - start);
                // The whole batch in one step; the model spreads the per-sample work over the threads itself,
                // deterministically. The step also moves BatchNormalization's moving statistics, so the parameters are
                // kept first: a bad batch restores them.
                model.Parameters.CopyTo(before);
                double batchLoss = count * (double)BatchStep(model, train, order, start, count, batchInputs, batchLabels, batchTargets,
                    batchSeeds, (ulong)options.Seed, epoch, gradient, threads, batchOutputs);
                // The training pass's own outputs (dropout active) give the accuracy, as in Keras.
                for (int k = 0; k < count; k++)
                    if (Matches(model.Loss, batchOutputs.AsSpan(k * model.OutputSize, model.OutputSize), train, order[start + k])) epochCorrect++;
                if (!double.IsFinite(batchLoss) || !TensorPrimitives.IsFiniteAll(gradient)) before.CopyTo(model.Parameters);
                // The parameters are those from before this batch: a bad batch stops training with the last good weights.
                if (!double.IsFinite(batchLoss))
                    throw new TrainingDivergedException(epoch, batch + 1, batchLoss / count);
                if (!TensorPrimitives.IsFiniteAll(gradient))
                {
                    int at = Kernels.IndexOfNonFinite(gradient);
                    throw new TrainingDivergedException(epoch, batch + 1, batchLoss / count,
                        FormattableString.Invariant($"the loss is {batchLoss / count} but the gradient of {Describe(model, at)} is {gradient[at]}"));
                }
                if (options.ClipNorm is float clip)
                {
                    // In double: the float sum of squares overflows to infinity for a large but finite gradient,
                    // which would scale the gradient to zero instead of to the clip norm.
                    double norm = L2Norm(gradient);
                    if (norm > clip) TensorPrimitives.Multiply(gradient, (float)(clip / norm), gradient);
                }
                options.Optimizer.Step(model.Parameters, gradient, model.ParameterTensors);
                if (!TensorPrimitives.IsFiniteAll(model.Parameters))
                {
                    int at = Kernels.IndexOfNonFinite(model.Parameters);
                    float value = model.Parameters[at];
                    before.CopyTo(model.Parameters);
                    throw new TrainingDivergedException(epoch, batch + 1, batchLoss / count,
                        FormattableString.Invariant($"the optimizer step made {Describe(model, at)} {value}"));
                }
                epochLoss += batchLoss;
                seen += count;
                options.OnBatchEnd?.Invoke(new BatchProgress(epoch, batch + 1, batches, epochLoss / seen, (double)epochCorrect / seen));
            }

            Evaluation? validation = options.ValidationData is { } data ? Evaluate(model, data, threads) : null;
            var result = new EpochResult(epoch, epochLoss / seen, (double)epochCorrect / seen, validation?.Loss, validation?.Accuracy, clock.Elapsed);
            history.Epochs.Add(result);
            options.OnEpochEnd?.Invoke(result);

            if (options.EarlyStopping is { } stopping)
            {
                (double score, bool higherIsBetter) = Monitored(stopping.Monitor, result);
                bool improved = double.IsNaN(bestScore) || (higherIsBetter ? score > bestScore + stopping.MinDelta : score < bestScore - stopping.MinDelta);
                if (improved)
                {
                    bestScore = score;
                    bestEpoch = epoch;
                    sinceBest = 0;
                    if (stopping.RestoreBestWeights) model.Parameters.CopyTo(best ??= new float[parameterCount]);
                }
                else
                {
                    if (++sinceBest >= stopping.Patience)
                    {
                        history.StoppedEarly = true;
                        break;
                    }
                }
            }
        }
        history.BestEpoch = options.EarlyStopping is null ? history.Epochs.Count : bestEpoch;
        if (options.EarlyStopping is { RestoreBestWeights: true } && best is not null)
            best.CopyTo(model.Parameters);
        return history;
    }

    /// <summary>The L2 norm of <paramref name="values"/>, summed in double so that it cannot overflow for finite floats.</summary>
    public static double L2Norm(ReadOnlySpan<float> values)
    {
        double sum = 0;
        foreach (float v in values) sum += (double)v * v;
        return Math.Sqrt(sum);
    }

    /// <summary>"parameter 1234 (dense.kernel[56])".</summary>
    private static string Describe(ICnnModel model, int index)
    {
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
            if (index >= tensor.Offset && index < tensor.Offset + tensor.Length)
                return FormattableString.Invariant($"parameter {index} ({tensor.Name}[{index - tensor.Offset}])");
        return FormattableString.Invariant($"parameter {index}");
    }

    private static (double Score, bool HigherIsBetter) Monitored(string monitor, EpochResult result) => monitor switch
    {
        "loss" => (result.Loss, false),
        "accuracy" => (result.Accuracy, true),
        "val_loss" => (result.ValidationLoss ?? throw new InvalidOperationException("Early stopping on val_loss needs ValidationData."), false),
        "val_accuracy" => (result.ValidationAccuracy ?? throw new InvalidOperationException("Early stopping on val_accuracy needs ValidationData."), true),
        _ => throw new ArgumentException($"Unknown monitor '{monitor}': use loss, accuracy, val_loss or val_accuracy."),
    };

    /// <summary>Mean loss and accuracy of <paramref name="model"/> on <paramref name="data"/> (dropout off).</summary>
    public static Evaluation Evaluate<TModel>(TModel model, Dataset data, int threads = 0) where TModel : ICnnModel
    {
        Check(model, data, nameof(data));
        int workers = Math.Min(threads > 0 ? threads : Environment.ProcessorCount, Math.Max(1, data.Count));
        var losses = new double[workers];
        var correct = new int[workers];
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, w =>
        {
            var output = new float[model.OutputSize];
            for (int i = w * data.Count / workers; i < (w + 1) * data.Count / workers; i++)
            {
                model.Forward(data.Input(i), output);
                losses[w] += Losses.Compute(model.Loss, output, data.Labels is null ? 0 : data.Labels[i], data.Labels is null ? data.Target(i) : OneHot(data.Labels[i], model.OutputSize));
                if (Matches(model.Loss, output, data, i)) correct[w]++;
            }
        });
        return new Evaluation(losses.Sum() / data.Count, (double)correct.Sum() / data.Count);
    }

    /// <summary>The predicted class of every sample.</summary>
    public static int[] Predict<TModel>(TModel model, Dataset data) where TModel : ICnnModel
    {
        var predictions = new int[data.Count];
        Parallel.For(0, data.Count, i => predictions[i] = model.Predict(data.Input(i)));
        return predictions;
    }

    private static float[] OneHot(int label, int size)
    {
        var v = new float[size];
        v[label] = 1f;
        return v;
    }

    /// <summary>Whether the output counts as right: argmax against the label or the target's argmax; per-output 0.5 thresholds for BCE.</summary>
    private static bool Matches(Loss loss, ReadOnlySpan<float> output, Dataset data, int i)
    {
        if (data.Labels is not null) return Kernels.ArgMax(output) == data.Labels[i];
        ReadOnlySpan<float> target = data.Target(i);
        if (loss == Loss.BinaryCrossEntropy)
        {
            for (int k = 0; k < output.Length; k++)
                if ((output[k] >= 0.5f) != (target[k] >= 0.5f)) return false;
            return true;
        }
        return Kernels.ArgMax(output) == Kernels.ArgMax(target);
    }

    private static void Check(ICnnModel model, Dataset data, string name)
    {
        if (data.SampleSize != model.InputSize)
            throw new ArgumentException($"The samples have {data.SampleSize} values ([{string.Join(", ", data.SampleShape)}]) but the model takes {model.InputSize}.", name);
        if (data.OutputSize != model.OutputSize)
            throw new ArgumentException($"The data has {data.OutputSize} classes or targets but the model has {model.OutputSize} outputs.", name);
    }
}
