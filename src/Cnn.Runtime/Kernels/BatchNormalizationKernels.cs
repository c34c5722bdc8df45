using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        ScaleAndShift(gamma, beta, mean, variance, epsilon, scale, shift);
        ScaleShiftRows(x, y, scale, shift);
        if (rented is not null) ArrayPool<float>.Shared.Return(rented);
    }

    /// <summary>
    /// The normalisation as y = x·scale + shift per channel: scale = gamma/sqrt(variance + epsilon), shift = beta − mean·scale
    /// (gamma or beta empty: 1 or 0). <see cref="Forward"/> uses it, and so do the convolutions whose kernels apply a
    /// BatchNormalization on their way out in a generated <c>Forward</c>, so both give the same bits.
    /// </summary>
    public static void ScaleAndShift(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        float epsilon, Span<float> scale, Span<float> shift)
    {
        int channels = mean.Length;
        if (variance.Length != channels || scale.Length < channels || shift.Length < channels
            || !(gamma.IsEmpty || gamma.Length == channels) || !(beta.IsEmpty || beta.Length == channels))
            throw new ArgumentException($"Every statistic needs {channels} channels (the mean's): variance {variance.Length}, gamma {gamma.Length} (or none), beta {beta.Length} (or none), scale {scale.Length} and shift {shift.Length} (at least).");
        int c = 0;
        // Vectors of 8 where they are fast (a model's Forward works this out for every BatchNormalization at every call):
        // the same correctly rounded operations in the same order as the scalar loop, so the same bits.
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> one = Vector256.Create(1f), eps = Vector256.Create(epsilon);
            for (; c <= channels - 8; c += 8)
            {
                Vector256<float> inverse = one / Vector256.Sqrt(Vector256.Create(variance.Slice(c, 8)) + eps);
                Vector256<float> s = (gamma.IsEmpty ? one : Vector256.Create(gamma.Slice(c, 8))) * inverse;
                s.CopyTo(scale.Slice(c, 8));
                ((beta.IsEmpty ? Vector256<float>.Zero : Vector256.Create(beta.Slice(c, 8))) - Vector256.Create(mean.Slice(c, 8)) * s).CopyTo(shift.Slice(c, 8));
            }
        }
        for (; c < channels; c++)
        {
            float inverse = 1f / MathF.Sqrt(variance[c] + epsilon);
            scale[c] = (gamma.IsEmpty ? 1f : gamma[c]) * inverse;
            shift[c] = (beta.IsEmpty ? 0f : beta[c]) - mean[c] * scale[c];
        }
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
    /// values start at <c>xs[offset + i·stride]</c>. Two passes in double (the mean, then the squared deviations), each
    /// summing every sample on its own (spread over up to <paramref name="threads"/> threads) and then the samples' sums
    /// in sample order, so the result does not depend on the thread count.
    /// </summary>
    public static void BatchStatistics(float[] xs, int offset, int stride, int count, int size, Span<float> mean, Span<float> variance, int threads = 1)
    {
        int channels = mean.Length;
        long n = (long)count * (size / channels);
        double[] partial = ArrayPool<double>.Shared.Rent(count * channels);
        float[] center = ArrayPool<float>.Shared.Rent(channels);
        try
        {
            // Σ x per sample, then over the samples in order.
            BatchRunner.Run(count, threads, i => SumRows(xs.AsSpan(offset + i * stride, size), partial.AsSpan(i * channels, channels), channels));
            SumInOrder(partial, count, channels, n, mean);
            // Σ (x − mean)² the same way.
            mean.CopyTo(center);
            BatchRunner.Run(count, threads, i => SumSquaredDeviations(xs.AsSpan(offset + i * stride, size), center.AsSpan(0, channels), partial.AsSpan(i * channels, channels)));
            SumInOrder(partial, count, channels, n, variance);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(partial);
            ArrayPool<float>.Shared.Return(center);
        }
    }

    /// <summary><see cref="Forward"/> of every sample of a batch with the batch's statistics, the samples spread over up to <paramref name="threads"/> threads.</summary>
    public static void BatchForward(float[] xs, int xOffset, int xStride, float[] ys, int yOffset, int yStride, int count, int size,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon, int threads = 1)
    {
        int channels = mean.Length;
        float[] coefficients = ArrayPool<float>.Shared.Rent(2 * channels); // scale, then shift
        try
        {
            ScaleAndShift(gamma, beta, mean, variance, epsilon, coefficients.AsSpan(0, channels), coefficients.AsSpan(channels, channels));
            BatchRunner.Run(count, threads, i => ScaleShiftRows(xs.AsSpan(xOffset + i * xStride, size), ys.AsSpan(yOffset + i * yStride, size),
                coefficients.AsSpan(0, channels), coefficients.AsSpan(channels, channels)));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(coefficients);
        }
    }

    /// <summary>
    /// The backward pass through the batch statistics, over N = count·positions values per channel:
    /// dBeta += Σ dy, dGamma += Σ dy·x̂ (each unless empty), and dy becomes
    /// dx = gamma/sqrt(variance + ε)·(dy − Σ dy/N − x̂·Σ dy·x̂/N), in place. The sums are taken per sample (spread over up
    /// to <paramref name="threads"/> threads) and then over the samples in order: the same on any number of threads.
    /// </summary>
    public static void BatchBackward(float[] xs, int xOffset, int xStride, float[] dys, int dyOffset, int dyStride, int count, int size,
        Span<float> gradGamma, Span<float> gradBeta, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance, float epsilon,
        int threads = 1)
    {
        int channels = mean.Length;
        long n = (long)count * (size / channels);
        double[] partial = ArrayPool<double>.Shared.Rent(2 * count * channels);
        // mean, 1/sqrt(variance + ε), Σ dy / N, Σ dy·x̂ / N, gamma/sqrt(variance + ε)
        float[] perChannel = ArrayPool<float>.Shared.Rent(5 * channels);
        try
        {
            for (int c = 0; c < channels; c++)
            {
                perChannel[c] = mean[c];
                perChannel[channels + c] = 1f / MathF.Sqrt(variance[c] + epsilon);
                perChannel[4 * channels + c] = (gamma.IsEmpty ? 1f : gamma[c]) * perChannel[channels + c];
            }
            // Σ dy and Σ dy·x̂ per sample (sample i's at partial[2i·channels ..]), then over the samples in order.
            BatchRunner.Run(count, threads, i => SumGradientRows(xs.AsSpan(xOffset + i * xStride, size), dys.AsSpan(dyOffset + i * dyStride, size),
                perChannel.AsSpan(0, channels), perChannel.AsSpan(channels, channels), partial.AsSpan(2 * i * channels, 2 * channels)));
            for (int c = 0; c < channels; c++)
            {
                double sumDy = 0, sumDyXhat = 0;
                for (int i = 0; i < count; i++)
                {
                    sumDy += partial[2 * i * channels + c];
                    sumDyXhat += partial[2 * i * channels + channels + c];
                }
                if (!gradBeta.IsEmpty) gradBeta[c] += (float)sumDy;
                if (!gradGamma.IsEmpty) gradGamma[c] += (float)sumDyXhat;
                perChannel[2 * channels + c] = (float)(sumDy / n);
                perChannel[3 * channels + c] = (float)(sumDyXhat / n);
            }
            BatchRunner.Run(count, threads, i => InputGradientRows(xs.AsSpan(xOffset + i * xStride, size), dys.AsSpan(dyOffset + i * dyStride, size),
                perChannel, channels));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(partial);
            ArrayPool<float>.Shared.Return(perChannel);
        }
    }

    /// <summary>result[c] = Σ_i partial[i·channels + c] / n, the samples in order.</summary>
    private static void SumInOrder(double[] partial, int count, int channels, long n, Span<float> result)
    {
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int i = 0; i < count; i++) sum += partial[i * channels + c];
            result[c] = (float)(sum / n);
        }
    }

    /// <summary>sums[c] = Σ over the rows of x of x[row, c], in double.</summary>
    private static void SumRows(ReadOnlySpan<float> x, Span<double> sums, int channels)
    {
        sums.Clear();
        ref double s = ref MemoryMarshal.GetReference(sums);
        ref float row = ref MemoryMarshal.GetReference(x);
        for (int at = 0; at < x.Length; at += channels)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; c <= channels - 8; c += 8)
                {
                    (Vector256<double> lower, Vector256<double> upper) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)(at + c)));
                    (Vector256.LoadUnsafe(ref s, (nuint)c) + lower).StoreUnsafe(ref s, (nuint)c);
                    (Vector256.LoadUnsafe(ref s, (nuint)(c + 4)) + upper).StoreUnsafe(ref s, (nuint)(c + 4));
                }
            }
            for (; c < channels; c++) Unsafe.Add(ref s, c) += Unsafe.Add(ref row, at + c);
        }
    }

    /// <summary>sums[c] = Σ over the rows of x of (x[row, c] − mean[c])², in double.</summary>
    private static void SumSquaredDeviations(ReadOnlySpan<float> x, ReadOnlySpan<float> mean, Span<double> sums)
    {
        int channels = mean.Length;
        sums.Clear();
        ref double s = ref MemoryMarshal.GetReference(sums);
        ref float row = ref MemoryMarshal.GetReference(x), m = ref MemoryMarshal.GetReference(mean);
        for (int at = 0; at < x.Length; at += channels)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // The same operations as the scalar loop below, four doubles at a time.
                for (; c <= channels - 8; c += 8)
                {
                    (Vector256<double> x0, Vector256<double> x1) = Vector256.Widen(Vector256.LoadUnsafe(ref row, (nuint)(at + c)));
                    (Vector256<double> m0, Vector256<double> m1) = Vector256.Widen(Vector256.LoadUnsafe(ref m, (nuint)c));
                    Vector256<double> d0 = x0 - m0, d1 = x1 - m1;
                    (Vector256.LoadUnsafe(ref s, (nuint)c) + d0 * d0).StoreUnsafe(ref s, (nuint)c);
                    (Vector256.LoadUnsafe(ref s, (nuint)(c + 4)) + d1 * d1).StoreUnsafe(ref s, (nuint)(c + 4));
                }
            }
            for (; c < channels; c++)
            {
                double d = Unsafe.Add(ref row, at + c) - (double)Unsafe.Add(ref m, c);
                Unsafe.Add(ref s, c) += d * d;
            }
        }
    }

    /// <summary>
    /// y[row, c] = x[row, c]·scale[c] + shift[c] for every row (a multiply, then an add: not fused), x and y the same
    /// length or longer, a whole number of rows; y may be x. A row is a few channels: one loop over them per row, vectors of the
    /// kernels' width, then narrower, then scalars (a library call per row cost more than the arithmetic).
    /// </summary>
    private static void ScaleShiftRows(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        int channels = scale.Length;
        if (y.Length < x.Length) throw new ArgumentException($"The output holds {y.Length} values, fewer than the input's {x.Length}.", nameof(y));
        if (channels == 0 || x.Length % channels != 0)
            throw new ArgumentException($"The input's {x.Length} values are not rows of {channels} channels.", nameof(x));
        ref float xr = ref MemoryMarshal.GetReference(x), yr = ref MemoryMarshal.GetReference(y);
        ref float sr = ref MemoryMarshal.GetReference(scale), tr = ref MemoryMarshal.GetReference(shift);
        for (int at = 0; at < x.Length; at += channels)
        {
            int c = 0;
            if (Kernels.VectorWidth >= 512)
            {
                for (; c <= channels - 16; c += 16)
                    (Vector512.LoadUnsafe(ref xr, (nuint)(at + c)) * Vector512.LoadUnsafe(ref sr, (nuint)c) + Vector512.LoadUnsafe(ref tr, (nuint)c))
                        .StoreUnsafe(ref yr, (nuint)(at + c));
            }
            if (Vector256.IsHardwareAccelerated)
            {
                for (; c <= channels - 8; c += 8)
                    (Vector256.LoadUnsafe(ref xr, (nuint)(at + c)) * Vector256.LoadUnsafe(ref sr, (nuint)c) + Vector256.LoadUnsafe(ref tr, (nuint)c))
                        .StoreUnsafe(ref yr, (nuint)(at + c));
            }
            if (Vector128.IsHardwareAccelerated)
            {
                for (; c <= channels - 4; c += 4)
                    (Vector128.LoadUnsafe(ref xr, (nuint)(at + c)) * Vector128.LoadUnsafe(ref sr, (nuint)c) + Vector128.LoadUnsafe(ref tr, (nuint)c))
                        .StoreUnsafe(ref yr, (nuint)(at + c));
            }
            for (; c < channels; c++)
                Unsafe.Add(ref yr, at + c) = Unsafe.Add(ref xr, at + c) * Unsafe.Add(ref sr, c) + Unsafe.Add(ref tr, c);
        }
    }

    /// <summary>sums[c] = Σ dy[row, c] and sums[channels + c] = Σ dy[row, c]·x̂[row, c] with x̂ = (x − mean[c])·inverse[c] (in float), in double.</summary>
    private static void SumGradientRows(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverse, Span<double> sums)
    {
        int channels = mean.Length;
        sums.Clear();
        ref double s = ref MemoryMarshal.GetReference(sums), sx = ref Unsafe.Add(ref s, channels);
        ref float xr = ref MemoryMarshal.GetReference(x), g = ref MemoryMarshal.GetReference(dy);
        ref float m = ref MemoryMarshal.GetReference(mean), inv = ref MemoryMarshal.GetReference(inverse);
        for (int at = 0; at < x.Length; at += channels)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; c <= channels - 8; c += 8)
                {
                    Vector256<float> xhat = (Vector256.LoadUnsafe(ref xr, (nuint)(at + c)) - Vector256.LoadUnsafe(ref m, (nuint)c)) * Vector256.LoadUnsafe(ref inv, (nuint)c);
                    (Vector256<double> g0, Vector256<double> g1) = Vector256.Widen(Vector256.LoadUnsafe(ref g, (nuint)(at + c)));
                    (Vector256<double> h0, Vector256<double> h1) = Vector256.Widen(xhat);
                    (Vector256.LoadUnsafe(ref s, (nuint)c) + g0).StoreUnsafe(ref s, (nuint)c);
                    (Vector256.LoadUnsafe(ref s, (nuint)(c + 4)) + g1).StoreUnsafe(ref s, (nuint)(c + 4));
                    (Vector256.LoadUnsafe(ref sx, (nuint)c) + g0 * h0).StoreUnsafe(ref sx, (nuint)c);
                    (Vector256.LoadUnsafe(ref sx, (nuint)(c + 4)) + g1 * h1).StoreUnsafe(ref sx, (nuint)(c + 4));
                }
            }
            for (; c < channels; c++)
            {
                float d = Unsafe.Add(ref g, at + c);
                Unsafe.Add(ref s, c) += d;
                Unsafe.Add(ref sx, c) += (double)d * ((Unsafe.Add(ref xr, at + c) - Unsafe.Add(ref m, c)) * Unsafe.Add(ref inv, c));
            }
        }
    }

    /// <summary>
    /// dy[row, c] = gammaInverse[c]·(dy − meanDy[c] − x̂·meanDyXhat[c]), x̂ = (x − mean[c])·inverse[c], in place; the five
    /// per-channel runs of <paramref name="channels"/> values each come in <paramref name="perChannel"/> in that order:
    /// mean, inverse, meanDy, meanDyXhat, gammaInverse.
    /// </summary>
    private static void InputGradientRows(ReadOnlySpan<float> x, Span<float> dy, float[] perChannel, int channels)
    {
        ref float xr = ref MemoryMarshal.GetReference(x), g = ref MemoryMarshal.GetReference(dy);
        ref float m = ref perChannel[0], inv = ref perChannel[channels], mdy = ref perChannel[2 * channels];
        ref float mdx = ref perChannel[3 * channels], gi = ref perChannel[4 * channels];
        for (int at = 0; at < x.Length; at += channels)
        {
            int c = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; c <= channels - 8; c += 8)
                {
                    Vector256<float> xhat = (Vector256.LoadUnsafe(ref xr, (nuint)(at + c)) - Vector256.LoadUnsafe(ref m, (nuint)c)) * Vector256.LoadUnsafe(ref inv, (nuint)c);
                    Vector256<float> d = Vector256.LoadUnsafe(ref g, (nuint)(at + c)) - Vector256.LoadUnsafe(ref mdy, (nuint)c) - xhat * Vector256.LoadUnsafe(ref mdx, (nuint)c);
                    (Vector256.LoadUnsafe(ref gi, (nuint)c) * d).StoreUnsafe(ref g, (nuint)(at + c));
                }
            }
            for (; c < channels; c++)
            {
                float xhat = (Unsafe.Add(ref xr, at + c) - Unsafe.Add(ref m, c)) * Unsafe.Add(ref inv, c);
                Unsafe.Add(ref g, at + c) = Unsafe.Add(ref gi, c) * (Unsafe.Add(ref g, at + c) - Unsafe.Add(ref mdy, c) - xhat * Unsafe.Add(ref mdx, c));
            }
        }
    }

    /// <summary>moving = momentum·moving + (1 − momentum)·batch, entry by entry.</summary>
    public static void UpdateMoving(Span<float> moving, ReadOnlySpan<float> batch, float momentum)
    {
        for (int c = 0; c < moving.Length; c++) moving[c] = momentum * moving[c] + (1f - momentum) * batch[c];
    }
}
