using System.Runtime.ExceptionServices;

namespace Cnn;

/// <summary>
/// Inference over many samples at once: <see cref="ICnnModel.Forward"/> or <see cref="ICnnModel.Predict"/>
/// for every sample of a flat batch, the samples shared out over several threads.
/// </summary>
/// <remarks>
/// <para>
/// The inputs are <c>count · InputSize</c> values, sample after sample (each in the layout of
/// <see cref="ICnnModel.InputShape"/>); the outputs are <c>count · OutputSize</c> values in the same order.
/// Every sample's result is exactly what <see cref="ICnnModel.Forward"/> gives for it alone, whatever the
/// thread count: the samples are independent and each is computed by one thread.
/// </para>
/// <para>
/// The calling thread takes part in the work, the others come from the thread pool. The threads take
/// small blocks of consecutive samples from a shared counter until none are left, so a slow or busy core
/// does not hold the others up. Nothing is allocated per sample; a thread's first parallel call allocates
/// a small reusable work description, later calls reuse it and allocate nothing.
/// </para>
/// </remarks>
public static class Inference
{
    /// <summary>
    /// Runs <see cref="ICnnModel.Forward"/> on every sample of <paramref name="inputs"/> into <paramref name="outputs"/>.
    /// </summary>
    /// <param name="model">The model; it is only read, so it may serve other threads at the same time.</param>
    /// <param name="inputs">The samples one after another: a multiple of <see cref="ICnnModel.InputSize"/> values.</param>
    /// <param name="outputs">Receives the results one after another: <c>samples · OutputSize</c> values.</param>
    /// <param name="threads">How many threads to use: 0 (the default) for <see cref="Environment.ProcessorCount"/>, 1 for the calling thread only.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is negative.</exception>
    /// <exception cref="ArgumentException">
    /// The input length is not a multiple of <c>InputSize</c>, the output length is not <c>samples · OutputSize</c>,
    /// or the two buffers overlap.
    /// </exception>
    public static void ForwardBatch<TModel>(TModel model, ReadOnlyMemory<float> inputs, Memory<float> outputs, int threads = 0)
        where TModel : ICnnModel
    {
        int count = CheckArguments(model, inputs, threads);
        int outputSize = model.OutputSize;
        if (outputs.Length != (long)count * outputSize)
            throw new ArgumentException(
                $"The outputs must hold {count} samples × {outputSize} values = {(long)count * outputSize} values, not {outputs.Length}.", nameof(outputs));
        if (inputs.Span.Overlaps(outputs.Span))
            throw new ArgumentException("The inputs and the outputs must not overlap.", nameof(outputs));
        Run(model, inputs, outputs, Memory<int>.Empty, count, threads);
    }

    /// <summary>
    /// Single-threaded <see cref="ForwardBatch{TModel}(TModel, ReadOnlyMemory{float}, Memory{float}, int)"/> over spans
    /// (for stack or native memory): runs on the calling thread only.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException">The lengths do not match, or the two buffers overlap.</exception>
    public static void ForwardBatch<TModel>(TModel model, ReadOnlySpan<float> inputs, Span<float> outputs)
        where TModel : ICnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        int inputSize = model.InputSize, outputSize = model.OutputSize;
        int count = SampleCount(inputs.Length, inputSize);
        if (outputs.Length != (long)count * outputSize)
            throw new ArgumentException(
                $"The outputs must hold {count} samples × {outputSize} values = {(long)count * outputSize} values, not {outputs.Length}.", nameof(outputs));
        if (inputs.Overlaps(outputs))
            throw new ArgumentException("The inputs and the outputs must not overlap.", nameof(outputs));
        for (int i = 0; i < count; i++)
            model.Forward(inputs.Slice(i * inputSize, inputSize), outputs.Slice(i * outputSize, outputSize));
    }

    /// <summary>
    /// Runs <see cref="ICnnModel.Predict"/> (the index of the largest output) on every sample of <paramref name="inputs"/>.
    /// </summary>
    /// <param name="model">The model; it is only read.</param>
    /// <param name="inputs">The samples one after another: a multiple of <see cref="ICnnModel.InputSize"/> values.</param>
    /// <param name="predictions">Receives one class index per sample.</param>
    /// <param name="threads">How many threads to use: 0 (the default) for <see cref="Environment.ProcessorCount"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is negative.</exception>
    /// <exception cref="ArgumentException">The input length is not a multiple of <c>InputSize</c>, or <paramref name="predictions"/> does not hold one value per sample.</exception>
    public static void PredictBatch<TModel>(TModel model, ReadOnlyMemory<float> inputs, Memory<int> predictions, int threads = 0)
        where TModel : ICnnModel
    {
        int count = CheckArguments(model, inputs, threads);
        if (predictions.Length != count)
            throw new ArgumentException($"The predictions must hold one value per sample: {count}, not {predictions.Length}.", nameof(predictions));
        Run(model, inputs, Memory<float>.Empty, predictions, count, threads);
    }

    /// <summary>As <see cref="PredictBatch{TModel}(TModel, ReadOnlyMemory{float}, Memory{int}, int)"/>, returning a new array.</summary>
    public static int[] PredictBatch<TModel>(TModel model, ReadOnlyMemory<float> inputs, int threads = 0)
        where TModel : ICnnModel
    {
        int count = CheckArguments(model, inputs, threads);
        var predictions = new int[count];
        Run(model, inputs, Memory<float>.Empty, predictions, count, threads);
        return predictions;
    }

    private static int CheckArguments<TModel>(TModel model, ReadOnlyMemory<float> inputs, int threads) where TModel : ICnnModel
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return SampleCount(inputs.Length, model.InputSize);
    }

    private static int SampleCount(int inputLength, int inputSize)
    {
        if (inputSize < 1)
            throw new ArgumentException($"The model's InputSize is {inputSize}: it must be at least 1.", "model");
        if (inputLength % inputSize != 0)
            throw new ArgumentException(
                $"The inputs hold {inputLength} values, which is not a whole number of samples of InputSize {inputSize} " +
                $"({inputLength / inputSize} samples and {inputLength % inputSize} values left over).", "inputs");
        return inputLength / inputSize;
    }

    private static void Run<TModel>(TModel model, ReadOnlyMemory<float> inputs, Memory<float> outputs, Memory<int> predictions, int count, int threads)
        where TModel : ICnnModel
    {
        if (count == 0) return;
        // No more threads than samples (this also keeps workers * 8 below overflowing for huge requests).
        int workers = Math.Min(threads > 0 ? threads : Environment.ProcessorCount, count);
        // Blocks of a few samples: small enough to balance two busy cores, large enough that the shared
        // counter is touched rarely (a sample of a real network costs tens of microseconds).
        int block = Math.Clamp(count / (workers * 8), 1, 64);
        workers = Math.Min(workers, (count + block - 1) / block);
        if (workers <= 1)
        {
            Compute(model, inputs.Span, outputs.Span, predictions.Span, 0, count);
            return;
        }
        Job<TModel> job = Job<TModel>.Rent();
        ExceptionDispatchInfo? error = job.Execute(model, inputs, outputs, predictions, count, block, workers);
        // Only a job whose helpers have all finished goes back to the cache: if Execute itself failed, it is dropped.
        Job<TModel>.Return(job);
        error?.Throw();
    }

    private static void Compute<TModel>(TModel model, ReadOnlySpan<float> inputs, Span<float> outputs, Span<int> predictions, int from, int to)
        where TModel : ICnnModel
    {
        int inputSize = model.InputSize;
        if (predictions.IsEmpty)
        {
            int outputSize = model.OutputSize;
            for (int i = from; i < to; i++)
                model.Forward(inputs.Slice(i * inputSize, inputSize), outputs.Slice(i * outputSize, outputSize));
        }
        else
        {
            for (int i = from; i < to; i++)
                predictions[i] = model.Predict(inputs.Slice(i * inputSize, inputSize));
        }
    }

    /// <summary>
    /// One parallel batch: the shared sample counter, the helpers still running, the first error. Reused by the
    /// thread that rented it (a caller waits until every helper has finished before the job can be reused).
    /// </summary>
    private sealed class Job<TModel> : IThreadPoolWorkItem where TModel : ICnnModel
    {
        [ThreadStatic] private static Job<TModel>? t_cached;

        private readonly ManualResetEventSlim _done = new(false);
        private TModel _model = default!;
        private ReadOnlyMemory<float> _inputs;
        private Memory<float> _outputs;
        private Memory<int> _predictions;
        private int _count, _block, _next, _helpersRunning;
        private ExceptionDispatchInfo? _error;

        public static Job<TModel> Rent()
        {
            Job<TModel>? job = t_cached;
            t_cached = null;
            return job ?? new Job<TModel>();
        }

        public static void Return(Job<TModel> job)
        {
            job._model = default!;
            job._inputs = default;
            job._outputs = default;
            job._predictions = default;
            job._error = null;
            t_cached = job;
        }

        /// <summary>Computes the batch with <paramref name="workers"/> threads; returns the first error a sample raised.</summary>
        public ExceptionDispatchInfo? Execute(TModel model, ReadOnlyMemory<float> inputs, Memory<float> outputs, Memory<int> predictions, int count, int block, int workers)
        {
            _model = model;
            _inputs = inputs;
            _outputs = outputs;
            _predictions = predictions;
            _count = count;
            _block = block;
            _next = 0;
            _error = null;
            _done.Reset();
            int helpers = workers - 1;
            Volatile.Write(ref _helpersRunning, helpers);
            for (int h = 0; h < helpers; h++)
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            Work();
            // Helpers that start after the work is gone find nothing to do and leave at once; the job may be
            // reused only when all have left.
            _done.Wait();
            return _error;
        }

        void IThreadPoolWorkItem.Execute()
        {
            Work();
            if (Interlocked.Decrement(ref _helpersRunning) == 0) _done.Set();
        }

        private void Work()
        {
            try
            {
                ReadOnlySpan<float> inputs = _inputs.Span;
                Span<float> outputs = _outputs.Span;
                Span<int> predictions = _predictions.Span;
                while (true)
                {
                    int end = Interlocked.Add(ref _next, _block);
                    int start = end - _block;
                    if (start >= _count) return;
                    Compute(_model, inputs, outputs, predictions, start, Math.Min(end, _count));
                }
            }
            catch (Exception e)
            {
                // The first error wins; the others stop taking work.
                Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                Volatile.Write(ref _next, int.MaxValue / 2);
            }
        }
    }
}
