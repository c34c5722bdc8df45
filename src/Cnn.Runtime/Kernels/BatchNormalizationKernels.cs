using System.Buffers;
using System.Numerics.Tensors;

namespace Cnn;

/// <summary>
/// The arithmetic of <c>[BatchNormalization]</c> over the last axis (Ioffe and Szegedy, 2015), for the generated code.
/// A tensor is <c>[positions, channels]</c> row-major (an image's or a sequence's cells, or one row for a vector).
/// An empty <c>gamma</c> stands for ones (<c>Scale = false</c>), an empty <c>beta</c> for zeros (<c>Center = false</c>).
/// Batch statistics are summed in double, sample by sample in order, so they do not depend on threads.
/// </summary>
public static class BatchNormalizationKernels
{
    private const int StackChannels = 512;

    /// <summary>y = gamma·(x − mean)/sqrt(variance + epsilon) + beta per channel, as y = x·scale + shift.</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        int channels = mean.Length;
        float[]? rented = channels > StackChannels ? ArrayPool<float>.Shared.Rent(2 * channels) : null;
        Span<float> both = rented is null ? stackalloc float[2 * channels] : rented.AsSpan(0, 2 * channels);
        Span<float> scale = both.Slice(0, channels), shift = both.Slice(channels, channels);
        for (int c = 0; c < channels; c++)
        {
            float inverse = 1f / MathF.Sqrt(variance[c] + epsilon);
            scale[c] = (gamma.IsEmpty ? 1f : gamma[c]) * inverse;
            shift[c] = (beta.IsEmpty ? 0f : beta[c]) - mean[c] * scale[c];
        }
        for (int at = 0; at < x.Length; at += channels)
            TensorPrimitives.MultiplyAdd(x.Slice(at, channels), scale, shift, y.Slice(at, channels));
        if (rented is not null) ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>
    /// The backward pass with fixed statistics (the moving ones): dBeta += Σ dy, dGamma += Σ dy·x̂ (each unless empty),
    /// then dy becomes dx = dy·gamma/sqrt(variance + epsilon), in place.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, Span<float> dy, Span<float> gradGamma, Span<float> gradBeta,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        int channels = mean.Length;
        for (int c = 0; c < channels; c++)
        {
            float inverse = 1f / MathF.Sqrt(variance[c] + epsilon);
            float sumDy = 0f, sumDyXhat = 0f;
            for (int at = c; at < x.Length; at += channels)
            {
                sumDy += dy[at];
                sumDyXhat += dy[at] * (x[at] - mean[c]) * inverse;
            }
            if (!gradBeta.IsEmpty) gradBeta[c] += sumDy;
            if (!gradGamma.IsEmpty) gradGamma[c] += sumDyXhat;
            float scale = (gamma.IsEmpty ? 1f : gamma[c]) * inverse;
            for (int at = c; at < x.Length; at += channels) dy[at] *= scale;
        }
    }

    /// <summary>
    /// The batch's mean and biased variance per channel over every sample and position: sample i's <paramref name="size"/>
    /// values start at <c>xs[offset + i·stride]</c>. Two passes in double (the mean, then the squared deviations).
    /// </summary>
    public static void BatchStatistics(float[] xs, int offset, int stride, int count, int size, Span<float> mean, Span<float> variance)
    {
        int channels = mean.Length;
        double[] sums = ArrayPool<double>.Shared.Rent(channels);
        long n = (long)count * (size / channels);
        Array.Clear(sums, 0, channels);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = xs.AsSpan(offset + i * stride, size);
            for (int at = 0; at < size; at += channels)
                for (int c = 0; c < channels; c++) sums[c] += x[at + c];
        }
        for (int c = 0; c < channels; c++) mean[c] = (float)(sums[c] / n);
        Array.Clear(sums, 0, channels);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = xs.AsSpan(offset + i * stride, size);
            for (int at = 0; at < size; at += channels)
                for (int c = 0; c < channels; c++)
                {
                    double d = x[at + c] - (double)mean[c];
                    sums[c] += d * d;
                }
        }
        for (int c = 0; c < channels; c++) variance[c] = (float)(sums[c] / n);
        ArrayPool<double>.Shared.Return(sums);
    }

    /// <summary><see cref="Forward"/> of every sample of a batch with the batch's statistics.</summary>
    public static void BatchForward(float[] xs, int xOffset, int xStride, float[] ys, int yOffset, int yStride, int count, int size,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        for (int i = 0; i < count; i++)
            Forward(xs.AsSpan(xOffset + i * xStride, size), ys.AsSpan(yOffset + i * yStride, size), gamma, beta, mean, variance, epsilon);
    }

    /// <summary>
    /// The backward pass through the batch statistics, over N = count·positions values per channel:
    /// dBeta += Σ dy, dGamma += Σ dy·x̂ (each unless empty), and dy becomes
    /// dx = gamma/sqrt(variance + ε)·(dy − Σ dy/N − x̂·Σ dy·x̂/N), in place.
    /// </summary>
    public static void BatchBackward(float[] xs, int xOffset, int xStride, float[] dys, int dyOffset, int dyStride, int count, int size,
        Span<float> gradGamma, Span<float> gradBeta, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon)
    {
        int channels = mean.Length;
        double[] sums = ArrayPool<double>.Shared.Rent(2 * channels);
        float[] inverse = ArrayPool<float>.Shared.Rent(channels);
        Array.Clear(sums, 0, 2 * channels);
        for (int c = 0; c < channels; c++) inverse[c] = 1f / MathF.Sqrt(variance[c] + epsilon);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = xs.AsSpan(xOffset + i * xStride, size), dy = dys.AsSpan(dyOffset + i * dyStride, size);
            for (int at = 0; at < size; at += channels)
                for (int c = 0; c < channels; c++)
                {
                    sums[c] += dy[at + c];
                    sums[channels + c] += (double)dy[at + c] * ((x[at + c] - mean[c]) * inverse[c]);
                }
        }
        long n = (long)count * (size / channels);
        float[] means = ArrayPool<float>.Shared.Rent(2 * channels); // Σ dy / N, then Σ dy·x̂ / N
        for (int c = 0; c < channels; c++)
        {
            if (!gradBeta.IsEmpty) gradBeta[c] += (float)sums[c];
            if (!gradGamma.IsEmpty) gradGamma[c] += (float)sums[channels + c];
            means[c] = (float)(sums[c] / n);
            means[channels + c] = (float)(sums[channels + c] / n);
        }
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> x = xs.AsSpan(xOffset + i * xStride, size);
            Span<float> dy = dys.AsSpan(dyOffset + i * dyStride, size);
            for (int at = 0; at < size; at += channels)
                for (int c = 0; c < channels; c++)
                {
                    float xhat = (x[at + c] - mean[c]) * inverse[c];
                    dy[at + c] = (gamma.IsEmpty ? 1f : gamma[c]) * inverse[c] * (dy[at + c] - means[c] - xhat * means[channels + c]);
                }
        }
        ArrayPool<double>.Shared.Return(sums);
        ArrayPool<float>.Shared.Return(inverse);
        ArrayPool<float>.Shared.Return(means);
    }

    /// <summary>moving = momentum·moving + (1 − momentum)·batch, entry by entry.</summary>
    public static void UpdateMoving(Span<float> moving, ReadOnlySpan<float> batch, float momentum)
    {
        for (int c = 0; c < moving.Length; c++) moving[c] = momentum * moving[c] + (1f - momentum) * batch[c];
    }
}
