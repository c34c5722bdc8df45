namespace Cnn;

/// <summary>
/// Runs the per-sample phases of a generated batch training step: a fixed number of slices of the batch, in order on
/// one thread or spread over several. Each slice's work does not depend on the others, and what the slices add up is
/// summed in slice order afterwards, so the result is the same on any number of threads.
/// </summary>
public static class BatchRunner
{
    /// <summary>The number of slices a batch of <paramref name="count"/> samples is cut into (independent of the thread count).</summary>
    public static int Slices(int count) => Math.Clamp(count, 1, Trainer.SlicesPerBatch);

    /// <summary>Floats per chunk of <see cref="SumSlices"/> (64 KiB).</summary>
    private const int SumChunk = 16 * 1024;

    /// <summary>
    /// <paramref name="sum"/> = Σ of the first <paramref name="slices"/> buffers of <paramref name="sliceGradients"/> (each
    /// <c>sum.Length</c> floats, laid end to end), element by element in slice order, and those buffers cleared for the
    /// next step: chunk by chunk on up to <paramref name="threads"/> threads, each chunk read once while it is in cache.
    /// The same bits on any number of threads.
    /// </summary>
    /// <exception cref="ArgumentException">The slices' buffers hold fewer than <paramref name="slices"/>·<c>sum.Length</c> floats.</exception>
    public static void SumSlices(float[] sliceGradients, int slices, float[] sum, int threads)
    {
        ArgumentNullException.ThrowIfNull(sliceGradients);
        ArgumentNullException.ThrowIfNull(sum);
        ArgumentOutOfRangeException.ThrowIfNegative(slices);
        if ((long)slices * sum.Length > sliceGradients.Length)
            throw new ArgumentException($"{slices} slices of {sum.Length} gradients need {(long)slices * sum.Length} floats, but the buffer holds {sliceGradients.Length}.", nameof(sliceGradients));
        int chunks = (sum.Length + SumChunk - 1) / SumChunk;
        Run(chunks, threads, chunk => SumChunkOf(sliceGradients, slices, sum, chunk));
    }

    private static void SumChunkOf(float[] sliceGradients, int slices, float[] sum, int chunk)
    {
        int size = sum.Length, from = chunk * SumChunk, length = Math.Min(SumChunk, size - from);
        Span<float> total = sum.AsSpan(from, length);
        total.Clear();
        for (int s = 0; s < slices; s++)
        {
            Span<float> slice = sliceGradients.AsSpan(s * size + from, length);
            System.Numerics.Tensors.TensorPrimitives.Add(total, slice, total);
            slice.Clear();
        }
    }

    /// <summary>Runs <paramref name="body"/> for slices 0 to <paramref name="slices"/> − 1 on up to <paramref name="threads"/> threads.</summary>
    public static void Run(int slices, int threads, Action<int> body)
    {
        if (threads <= 1 || slices <= 1)
        {
            for (int s = 0; s < slices; s++) body(s);
            return;
        }
        Parallel.For(0, slices, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}

/// <summary>Argument checks and the final scaling shared by the batch training steps.</summary>
public static class BatchDefaults
{
    /// <summary>
    /// Checks the spans of a batch step and returns the number of samples n: <paramref name="inputs"/> is n·InputSize,
    /// <paramref name="targets"/> n·<paramref name="targetsPerSample"/>, <paramref name="gradients"/> ParameterCount,
    /// <paramref name="outputs"/> empty or n·OutputSize values, <paramref name="dropoutSeeds"/> empty or n seeds.
    /// </summary>
    public static int Check(ICnnModel model, int inputs, int targets, int gradients, int outputs, int targetsPerSample, int dropoutSeeds = 0)
    {
        if (inputs == 0 || inputs % model.InputSize != 0)
            throw new ArgumentException($"The inputs hold {inputs} values: a batch of one or more samples of {model.InputSize} values each is expected.", nameof(inputs));
        int count = inputs / model.InputSize;
        Kernels.CheckLength(targets, count * targetsPerSample, nameof(targets));
        Kernels.CheckLength(gradients, model.ParameterCount, nameof(gradients));
        if (outputs != 0) Kernels.CheckLength(outputs, count * model.OutputSize, nameof(outputs));
        if (dropoutSeeds != 0) Kernels.CheckLength(dropoutSeeds, count, nameof(dropoutSeeds));
        return count;
    }

    /// <summary>Adds <paramref name="sum"/>/<paramref name="count"/> into <paramref name="gradients"/> and returns the mean loss.</summary>
    public static float Finish(ReadOnlySpan<float> sum, Span<float> gradients, double loss, int count)
    {
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(sum, 1f / count, gradients, gradients);
        return (float)(loss / count);
    }
}
