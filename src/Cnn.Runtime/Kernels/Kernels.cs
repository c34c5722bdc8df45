using System.ComponentModel;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ArmSimd = System.Runtime.Intrinsics.Arm.AdvSimd.Arm64;
using X86Avx = System.Runtime.Intrinsics.X86.Avx;

namespace Cnn;

/// <summary>
/// The small vector routines the generated code calls. Every shape is decided by the caller (the
/// generated code passes constant-length slices); these only do the arithmetic.
/// Layout conventions follow SPEC §2: a weight matrix <c>w</c> is <c>[rows = x.Length, columns = y.Length]</c>, row-major.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Kernels
{
    /// <summary>
    /// The vector width in bits, 512, 256 or 128, of the kernels the generated code takes: the widest of
    /// <see cref="Vector512"/>, <see cref="Vector256"/> and <see cref="Vector128"/> that the hardware accelerates
    /// (128 on ARM64 and in WebAssembly, 256 on x64 with AVX2, 512 with AVX-512). The environment variable
    /// <c>CNN_VECTOR_WIDTH</c> set to 512, 256 or 128 forces one path (tests run all three on any machine; off the
    /// hardware, vectors are emulated, slowly but exactly). It is read once: the JIT treats the field as a
    /// constant, so the other paths cost nothing. A build for one RuntimeIdentifier (ARM64, WebAssembly) has only
    /// the kernels its hardware can use; a wider setting then takes the widest there is.
    /// </summary>
    public static readonly int VectorWidth = ChooseVectorWidth(Environment.GetEnvironmentVariable("CNN_VECTOR_WIDTH"));

    /// <summary>The width for a <c>CNN_VECTOR_WIDTH</c> setting (null or empty: the hardware's).</summary>
    /// <exception cref="InvalidOperationException">The setting is not 512, 256 or 128.</exception>
    public static int ChooseVectorWidth(string? setting) => setting switch
    {
        null or "" => Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128,
        "512" => 512,
        "256" => 256,
        "128" => 128,
        _ => throw new InvalidOperationException($"The environment variable CNN_VECTOR_WIDTH is '{setting}': set it to 512, 256 or 128, or unset it to take the widest vectors the hardware accelerates."),
    };

    /// <summary>y[j] += Σ_i x[i]·w[i, j]: one tap row of a convolution, or a dense layer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAccumulate(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        int n = y.Length;
        for (int i = 0; i < x.Length; i++)
        {
            float xi = x[i];
            // A zero input (ReLU output, zero padding) contributes nothing: skipping it is exact.
            if (xi != 0f) TensorPrimitives.MultiplyAdd(w.Slice(i * n, n), xi, y, y);
        }
    }

    /// <summary>dw[i, j] += x[i]·g[j]: the weight gradient of <see cref="MultiplyAccumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AccumulateOuter(ReadOnlySpan<float> x, ReadOnlySpan<float> g, Span<float> dw)
    {
        int n = g.Length;
        for (int i = 0; i < x.Length; i++)
        {
            float xi = x[i];
            if (xi != 0f)
            {
                Span<float> row = dw.Slice(i * n, n);
                TensorPrimitives.MultiplyAdd(g, xi, row, row);
            }
        }
    }

    /// <summary>dx[i] += Σ_j w[i, j]·g[j]: the input gradient of <see cref="MultiplyAccumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyTransposedAccumulate(ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> dx)
    {
        int n = g.Length;
        for (int i = 0; i < dx.Length; i++)
            dx[i] += TensorPrimitives.Dot(w.Slice(i * n, n), g);
    }

    /// <summary>acc = max(acc, x), element by element (one max-pooling tap over all channels).</summary>
    public static void Max(Span<float> acc, ReadOnlySpan<float> x) => TensorPrimitives.Max(acc, x, acc);

    /// <summary>acc += x.</summary>
    public static void Add(Span<float> acc, ReadOnlySpan<float> x) => TensorPrimitives.Add(acc, x, acc);

    /// <summary>y = a + b, element by element (an <c>[Add]</c> of two inputs in one pass).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (b.Length != a.Length) ThrowLength(b.Length, a.Length, nameof(b));
        if (y.Length != a.Length) ThrowLength(y.Length, a.Length, nameof(y));
        TensorPrimitives.Add(a, b, y);
    }

    /// <summary>
    /// A layer's scratch buffer of <paramref name="length"/> floats in a per-thread array that every layer of a model
    /// over its stack budget shares (layer methods never run inside one another): allocated, or grown, on first need,
    /// then reused. It holds whatever the last layer left there, as a stack buffer would.
    /// </summary>
    public static Span<float> Scratch(ref float[]? array, int length)
    {
        float[]? buffer = array;
        if (buffer is null || buffer.Length < length) array = buffer = new float[length];
        return buffer.AsSpan(0, length);
    }

    /// <summary>
    /// Puts <paramref name="rows"/> rows of <paramref name="x"/> inside a frame of zeros: row r, <paramref name="rowLength"/>
    /// floats from <c>x[r·xRowStride]</c>, goes to <c>padded[offset + r·paddedRowStride]</c>, and every other float of
    /// <paramref name="padded"/> becomes 0. Only the frame is cleared, not the whole buffer (for the zero padding of a
    /// convolution's input).
    /// </summary>
    /// <exception cref="ArgumentException">The rows do not fit in <paramref name="x"/> or <paramref name="padded"/>, or they overlap there.</exception>
    public static void CopyIntoFrame(ReadOnlySpan<float> x, Span<float> padded, int rows, int rowLength, int xRowStride, int paddedRowStride, int offset)
    {
        if (rows < 0 || rowLength < 0 || offset < 0 || (rows > 1 && (rowLength > paddedRowStride || xRowStride < 0))
            || (rows > 0 && ((long)(rows - 1) * xRowStride + rowLength > x.Length || offset + (long)(rows - 1) * paddedRowStride + rowLength > padded.Length)))
            throw new ArgumentException($"{rows} rows of {rowLength} floats (strides {xRowStride} in x, {paddedRowStride} in the frame, from {offset}) do not fit in x of {x.Length} and a frame of {padded.Length} floats.");
        int at = 0;
        for (int r = 0; r < rows; r++)
        {
            int to = offset + r * paddedRowStride;
            padded.Slice(at, to - at).Clear();
            x.Slice(r * xRowStride, rowLength).CopyTo(padded.Slice(to, rowLength));
            at = to + rowLength;
        }
        padded.Slice(at).Clear();
    }

    /// <summary>
    /// Concatenation along channels: for each of <paramref name="pixels"/> pixels, x's <paramref name="channels"/> values go to
    /// y's channels [<paramref name="offset"/>, offset + channels) of <paramref name="stride"/>.
    /// </summary>
    public static void CopyChannels(ReadOnlySpan<float> x, Span<float> y, int pixels, int channels, int offset, int stride)
    {
        for (int p = 0; p < pixels; p++)
            x.Slice(p * channels, channels).CopyTo(y.Slice(p * stride + offset, channels));
    }

    /// <summary>The gradient of <see cref="CopyChannels"/>: dx += each pixel's channels [offset, offset + channels) of dy.</summary>
    public static void AddChannels(ReadOnlySpan<float> dy, Span<float> dx, int pixels, int channels, int offset, int stride)
    {
        for (int p = 0; p < pixels; p++)
            Add(dx.Slice(p * channels, channels), dy.Slice(p * stride + offset, channels));
    }

    /// <summary>acc += scale·x.</summary>
    public static void AddScaled(Span<float> acc, ReadOnlySpan<float> x, float scale) => TensorPrimitives.MultiplyAdd(x, scale, acc, acc);

    /// <summary>x *= scale.</summary>
    public static void Scale(Span<float> x, float scale) => TensorPrimitives.Multiply(x, scale, x);

    /// <summary>x = max(0, x), in place.</summary>
    public static void ReLU(Span<float> x) => TensorPrimitives.Max(x, 0f, x);

    /// <summary>x = 1 / (1 + e^-x), in place.</summary>
    public static void Sigmoid(Span<float> x) => TensorPrimitives.Sigmoid(x, x);

    /// <summary>x = tanh(x), in place.</summary>
    public static void Tanh(Span<float> x) => TensorPrimitives.Tanh(x, x);

    /// <summary>x = softmax(x), in place, shifted by the maximum for stability (NaN in, NaN out).</summary>
    /// <remarks>
    /// A plain loop, not <c>TensorPrimitives.SoftMax</c>: over a model's few outputs it is as fast, and the first call
    /// of the generic vector code cost a fresh process 20–40 ms of JIT compilation, more than a thousand calls of the
    /// seed model's <c>Forward</c> (issue #12). It also subtracts the maximum, which TensorPrimitives does not:
    /// a logit above 88 no longer overflows to infinity and a NaN output.
    /// </remarks>
    public static void Softmax(Span<float> x)
    {
        float max = float.NegativeInfinity;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, x[i]);
        float sum = 0f;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < x.Length; i++) x[i] /= sum;
    }

    /// <summary>dy *= (y &gt; 0): ReLU's derivative taken from its output (0 at 0, as PyTorch and TensorFlow).</summary>
    public static void ReLUBackward(ReadOnlySpan<float> y, Span<float> dy)
    {
        if (y.Length < dy.Length) ThrowLength(y.Length, dy.Length, nameof(y));
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float ry = ref MemoryMarshal.GetReference(y);
            ref float rd = ref MemoryMarshal.GetReference(dy);
            for (; i <= dy.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> positive = Vector256.GreaterThan(Vector256.LoadUnsafe(ref ry, (nuint)i), Vector256<float>.Zero);
                (Vector256.LoadUnsafe(ref rd, (nuint)i) & positive).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            ref float ry = ref MemoryMarshal.GetReference(y);
            ref float rd = ref MemoryMarshal.GetReference(dy);
            for (; i <= dy.Length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                Vector128<float> positive = Vector128.GreaterThan(Vector128.LoadUnsafe(ref ry, (nuint)i), Vector128<float>.Zero);
                (Vector128.LoadUnsafe(ref rd, (nuint)i) & positive).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < dy.Length; i++)
            if (!(y[i] > 0f)) dy[i] = 0f;
    }

    /// <summary>x = min(max(x, 0), 6), in place (ReLU6).</summary>
    public static void ReLU6(Span<float> x) => TensorPrimitives.Clamp(x, 0f, 6f, x);

    /// <summary>
    /// dy *= (0 &lt; y &lt; 6): ReLU6's derivative taken from its output. At both kinks it is 0 (x = 0 gives y = 0,
    /// x ≥ 6 gives y = 6), as PyTorch's <c>relu6</c> and TensorFlow's <c>Relu6Grad</c> have it.
    /// </summary>
    public static void ReLU6Backward(ReadOnlySpan<float> y, Span<float> dy)
    {
        if (y.Length < dy.Length) ThrowLength(y.Length, dy.Length, nameof(y));
        for (int i = 0; i < dy.Length; i++)
            if (!(y[i] > 0f && y[i] < 6f)) dy[i] = 0f;
    }

    /// <summary>
    /// y = x &lt; 0 ? negativeSlope·x : min(x, maxValue): Keras's <c>ReLU</c> layer with a slope below 0 and a cap
    /// (<see cref="float.PositiveInfinity"/> for none), and <c>LeakyReLU</c> (no cap). NaN stays NaN.
    /// </summary>
    public static void ReLU(ReadOnlySpan<float> x, Span<float> y, float negativeSlope, float maxValue)
    {
        if (y.Length != x.Length) ThrowLength(y.Length, x.Length, nameof(y));
        int i = 0;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        if (VectorWidth >= 512)
        {
            Vector512<float> slope = Vector512.Create(negativeSlope), cap = Vector512.Create(maxValue);
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                ReLU(Vector512.LoadUnsafe(ref rx, (nuint)i), slope, cap).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> slope = Vector256.Create(negativeSlope), cap = Vector256.Create(maxValue);
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                ReLU(Vector256.LoadUnsafe(ref rx, (nuint)i), slope, cap).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
            y[i] = ReLU(x[i], negativeSlope, maxValue);
    }

    /// <summary>
    /// x &lt; 0 ? negativeSlope·x : min(x, maxValue) for one value: what <see cref="ReLU(ReadOnlySpan{float}, Span{float}, float, float)"/>
    /// computes, for the kernels that apply a ReLU layer on their way out (the same bits either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLU(float x, float negativeSlope, float maxValue) => x < 0f ? negativeSlope * x : MathF.Min(x, maxValue);

    /// <summary>The ReLU of <see cref="ReLU(float, float, float)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLU(Vector128<float> x, Vector128<float> negativeSlope, Vector128<float> maxValue) =>
        Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<float>.Zero), x * negativeSlope, Vector128.Min(x, maxValue));

    /// <summary>The ReLU of <see cref="ReLU(float, float, float)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLU(Vector256<float> x, Vector256<float> negativeSlope, Vector256<float> maxValue) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), x * negativeSlope, Vector256.Min(x, maxValue));

    /// <summary>The ReLU of <see cref="ReLU(float, float, float)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> x, Vector512<float> negativeSlope, Vector512<float> maxValue) =>
        Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), x * negativeSlope, Vector512.Min(x, maxValue));

    /// <summary>
    /// dy *= x &gt; 0 ? (x &lt; maxValue ? 1 : 0) : negativeSlope: the derivative of
    /// <see cref="ReLU(ReadOnlySpan{float}, Span{float}, float, float)"/>, taken from its input. At the kinks: at 0 the
    /// slope below (0 for a plain ReLU, as PyTorch's <c>relu</c>; alpha for a leaky one, as PyTorch's <c>leaky_relu</c>),
    /// at the cap 0 (as PyTorch's <c>relu6</c>/<c>hardtanh</c>).
    /// </summary>
    public static void ReLUBackward(ReadOnlySpan<float> x, Span<float> dy, float negativeSlope, float maxValue)
    {
        if (x.Length < dy.Length) ThrowLength(x.Length, dy.Length, nameof(x));
        int i = 0;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rd = ref MemoryMarshal.GetReference(dy);
        if (VectorWidth >= 512)
        {
            Vector512<float> slope = Vector512.Create(negativeSlope), cap = Vector512.Create(maxValue);
            for (; i <= dy.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Vector512<float> v = Vector512.LoadUnsafe(ref rx, (nuint)i), d = Vector512.LoadUnsafe(ref rd, (nuint)i);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), d & Vector512.LessThan(v, cap), d * slope).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> slope = Vector256.Create(negativeSlope), cap = Vector256.Create(maxValue);
            for (; i <= dy.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Vector256<float> v = Vector256.LoadUnsafe(ref rx, (nuint)i), d = Vector256.LoadUnsafe(ref rd, (nuint)i);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), d & Vector256.LessThan(v, cap), d * slope).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < dy.Length; i++)
            dy[i] = x[i] > 0f ? (x[i] < maxValue ? dy[i] : 0f) : dy[i] * negativeSlope;
    }

    /// <summary>
    /// y[j] = max_r rows[r, j]: global max pooling, rows being the pixels (or steps) of y.Length channels. One vector
    /// of channels at a time, held in a register down all the rows.
    /// </summary>
    public static void MaxOfRows(ReadOnlySpan<float> rows, Span<float> y)
    {
        int n = y.Length;
        if (n == 0 || rows.Length % n != 0 || rows.Length == 0) ThrowLength(rows.Length, n, nameof(rows));
        int count = rows.Length / n, j = 0;
        ref float r0 = ref MemoryMarshal.GetReference(rows);
        ref float y0 = ref MemoryMarshal.GetReference(y);
        if (VectorWidth >= 512)
        {
            for (; j <= n - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                ref float column = ref Unsafe.Add(ref r0, j);
                Vector512<float> max = Vector512.LoadUnsafe(ref column);
                for (int r = 1; r < count; r++) max = Vector512.Max(max, Vector512.LoadUnsafe(ref column, (nuint)(r * n)));
                max.StoreUnsafe(ref y0, (nuint)j);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                ref float column = ref Unsafe.Add(ref r0, j);
                Vector256<float> max = Vector256.LoadUnsafe(ref column);
                for (int r = 1; r < count; r++) max = Vector256.Max(max, Vector256.LoadUnsafe(ref column, (nuint)(r * n)));
                max.StoreUnsafe(ref y0, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            float max = rows[j];
            for (int r = 1; r < count; r++) max = MathF.Max(max, rows[r * n + j]);
            y[j] = max;
        }
    }

    /// <summary>
    /// The gradient of <see cref="MaxOfRows"/>: dx is cleared, then each dy[j] goes to the first row (in order) that
    /// holds column j's maximum, as PyTorch and the max pooling layers do.
    /// </summary>
    public static void MaxOfRowsBackward(ReadOnlySpan<float> rows, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int n = dy.Length;
        if (n == 0 || rows.Length % n != 0 || rows.Length == 0) ThrowLength(rows.Length, n, nameof(rows));
        if (dx.Length != rows.Length) ThrowLength(dx.Length, rows.Length, nameof(dx));
        dx.Clear();
        int count = rows.Length / n, j = 0;
        ref float r0 = ref MemoryMarshal.GetReference(rows);
        ref float g0 = ref MemoryMarshal.GetReference(dy);
        ref float d0 = ref MemoryMarshal.GetReference(dx);
        if (VectorWidth >= 512)
        {
            for (; j <= n - Vector512<float>.Count; j += Vector512<float>.Count)
            {
                ref float column = ref Unsafe.Add(ref r0, j);
                ref float target = ref Unsafe.Add(ref d0, j);
                Vector512<float> max = Vector512.LoadUnsafe(ref column);
                for (int r = 1; r < count; r++) max = Vector512.Max(max, Vector512.LoadUnsafe(ref column, (nuint)(r * n)));
                // A second pass gives each lane's gradient to the first row that equals its maximum.
                Vector512<float> g = Vector512.LoadUnsafe(ref g0, (nuint)j), taken = Vector512<float>.Zero;
                for (int r = 0; r < count; r++)
                {
                    Vector512<float> first = Vector512.AndNot(Vector512.Equals(Vector512.LoadUnsafe(ref column, (nuint)(r * n)), max), taken);
                    (g & first).StoreUnsafe(ref target, (nuint)(r * n));
                    taken |= first;
                }
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                ref float column = ref Unsafe.Add(ref r0, j);
                ref float target = ref Unsafe.Add(ref d0, j);
                Vector256<float> max = Vector256.LoadUnsafe(ref column);
                for (int r = 1; r < count; r++) max = Vector256.Max(max, Vector256.LoadUnsafe(ref column, (nuint)(r * n)));
                Vector256<float> g = Vector256.LoadUnsafe(ref g0, (nuint)j), taken = Vector256<float>.Zero;
                for (int r = 0; r < count; r++)
                {
                    Vector256<float> first = Vector256.AndNot(Vector256.Equals(Vector256.LoadUnsafe(ref column, (nuint)(r * n)), max), taken);
                    (g & first).StoreUnsafe(ref target, (nuint)(r * n));
                    taken |= first;
                }
            }
        }
        for (; j < n; j++)
        {
            int best = j;
            for (int r = 1; r < count; r++)
                if (rows[r * n + j] > rows[best]) best = r * n + j;
            dx[best] = dy[j];
        }
    }

    /// <summary>dx[r, j] = scale·g[j] for every row r: the gradient of a global average (scale = 1 / rows).</summary>
    public static void BroadcastRows(ReadOnlySpan<float> g, float scale, Span<float> dx)
    {
        int n = g.Length;
        if (n == 0 || dx.Length % n != 0) ThrowLength(dx.Length, n, nameof(dx));
        for (int r = 0; r < dx.Length; r += n)
            TensorPrimitives.Multiply(g, scale, dx.Slice(r, n));
    }

    /// <summary>acc[j] += Σ_r rows[r, j]: the bias gradient of a convolution (rows are pixels of acc.Length channels).</summary>
    public static void AddRows(ReadOnlySpan<float> rows, Span<float> acc)
    {
        int n = acc.Length;
        if (n == 0 || rows.Length % n != 0) ThrowLength(rows.Length, n, nameof(rows));
        int count = rows.Length / n, j = 0;
        ref float r0 = ref MemoryMarshal.GetReference(rows);
        ref float a0 = ref MemoryMarshal.GetReference(acc);
        if (Vector256.IsHardwareAccelerated)
        {
            // One column block at a time, summed down all rows in a register.
            for (; j <= n - Vector256<float>.Count; j += Vector256<float>.Count)
            {
                Vector256<float> sum = Vector256.LoadUnsafe(ref a0, (nuint)j);
                ref float column = ref Unsafe.Add(ref r0, j);
                for (int r = 0; r < count; r++)
                    sum += Vector256.LoadUnsafe(ref column, (nuint)(r * n));
                sum.StoreUnsafe(ref a0, (nuint)j);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; j <= n - Vector128<float>.Count; j += Vector128<float>.Count)
            {
                Vector128<float> sum = Vector128.LoadUnsafe(ref a0, (nuint)j);
                ref float column = ref Unsafe.Add(ref r0, j);
                for (int r = 0; r < count; r++)
                    sum += Vector128.LoadUnsafe(ref column, (nuint)(r * n));
                sum.StoreUnsafe(ref a0, (nuint)j);
            }
        }
        for (; j < n; j++)
        {
            float sum = acc[j];
            for (int r = 0; r < count; r++) sum += rows[r * n + j];
            acc[j] = sum;
        }
    }

    /// <summary>
    /// flipped[ky, kx, f, c] = kernel[kh - 1 - ky, kw - 1 - kx, c, f]: the kernel that turns a convolution's output
    /// gradient back into its input gradient (a convolution of the zero-framed output gradient).
    /// </summary>
    public static void FlipAndTranspose(ReadOnlySpan<float> kernel, Span<float> flipped, int kernelHeight, int kernelWidth, int channels, int filters)
    {
        int size = kernelHeight * kernelWidth * channels * filters;
        if (kernel.Length != size) ThrowLength(kernel.Length, size, nameof(kernel));
        if (flipped.Length != size) ThrowLength(flipped.Length, size, nameof(flipped));
        int taps = kernelHeight * kernelWidth, block = channels * filters;
        // Flipping both axes reverses the order of the taps; each tap's [channels, filters] block is transposed.
        for (int tap = 0; tap < taps; tap++)
            TransposeBlock(kernel.Slice((taps - 1 - tap) * block, block), flipped.Slice(tap * block, block), channels, filters);
    }

    /// <summary>target[f, c] = source[c, f] for one tap's [channels, filters] block: 8x8 (AVX) or 4x4 (NEON) tiles, then the rest.</summary>
    private static void TransposeBlock(ReadOnlySpan<float> source, Span<float> target, int channels, int filters)
    {
        int c8 = 0, f8 = 0;
        if (X86Avx.IsSupported)
        {
            c8 = channels & ~7;
            f8 = filters & ~7;
            for (int c = 0; c < c8; c += 8)
                for (int f = 0; f < f8; f += 8)
                    Transpose8x8(ref Unsafe.AsRef(in source[c * filters + f]), filters, ref target[f * channels + c], channels);
        }
        else if (ArmSimd.IsSupported)
        {
            c8 = channels & ~3;
            f8 = filters & ~3;
            for (int c = 0; c < c8; c += 4)
                for (int f = 0; f < f8; f += 4)
                    Transpose4x4(ref Unsafe.AsRef(in source[c * filters + f]), filters, ref target[f * channels + c], channels);
        }
        // What the tiles left: the last channels % 8 (or 4) rows, and the last filters % 8 (or 4) columns of the others.
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> row = source.Slice(c * filters, filters);
            for (int f = c < c8 ? f8 : 0; f < filters; f++)
                target[f * channels + c] = row[f];
        }
    }

    /// <summary>The index of the first NaN or infinity in <paramref name="values"/>, or -1 (a vector check first, the index only on failure).</summary>
    internal static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        if (TensorPrimitives.IsFiniteAll(values)) return -1;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>
    /// The taps of one phase of a strided convolution's input gradient, flipped and transposed. With strides sh, sw the
    /// input rows iy ≡ <paramref name="phaseRow"/> (mod sh) and columns ix ≡ <paramref name="phaseColumn"/> (mod sw)
    /// of the (padded) input only meet the kernel taps ky = phaseRow + sh·j, kx = phaseColumn + sw·i; there are
    /// nh = ⌈(kh − phaseRow) / sh⌉ by nw = ⌈(kw − phaseColumn) / sw⌉ of them, and
    /// phase[j', i', f, c] = kernel[phaseRow + sh·(nh − 1 − j'), phaseColumn + sw·(nw − 1 − i'), c, f]: the kernel of a
    /// stride-1 convolution of the framed output gradient that gives that phase's input gradient.
    /// </summary>
    /// <exception cref="ArgumentException">A span's length is not the kernel's, or the phase's taps.</exception>
    public static void FlipAndTransposePhase(ReadOnlySpan<float> kernel, Span<float> phase, int kernelHeight, int kernelWidth, int channels, int filters,
        int strideHeight, int strideWidth, int phaseRow, int phaseColumn)
    {
        int size = kernelHeight * kernelWidth * channels * filters;
        if (kernel.Length != size) ThrowLength(kernel.Length, size, nameof(kernel));
        int rows = PhaseTaps(kernelHeight, strideHeight, phaseRow), columns = PhaseTaps(kernelWidth, strideWidth, phaseColumn);
        int block = channels * filters;
        if (phase.Length != rows * columns * block) ThrowLength(phase.Length, rows * columns * block, nameof(phase));
        for (int j = 0; j < rows; j++)
        {
            int ky = phaseRow + strideHeight * (rows - 1 - j);
            for (int i = 0; i < columns; i++)
            {
                int kx = phaseColumn + strideWidth * (columns - 1 - i);
                TransposeBlock(kernel.Slice((ky * kernelWidth + kx) * block, block), phase.Slice((j * columns + i) * block, block), channels, filters);
            }
        }
    }

    /// <summary>The kernel taps along one axis that meet the input positions ≡ <paramref name="phase"/> (mod stride): ⌈(k − phase) / stride⌉.</summary>
    public static int PhaseTaps(int kernelSize, int stride, int phase) => phase >= kernelSize ? 0 : (kernelSize - phase + stride - 1) / stride;

    /// <summary>
    /// Puts the input gradient of one phase of a strided convolution in place: pixel (q, r) of <paramref name="phase"/>
    /// (<paramref name="rows"/> x <paramref name="columns"/> pixels of <paramref name="channels"/>) goes to
    /// dx[firstRow + strideHeight·q, firstColumn + strideWidth·r], where that lies inside the
    /// <paramref name="height"/> x <paramref name="width"/> input (the rest fell on the zero padding).
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than the pixels it describes.</exception>
    public static void ScatterPhase(ReadOnlySpan<float> phase, Span<float> dx, int rows, int columns, int channels,
        int firstRow, int firstColumn, int strideHeight, int strideWidth, int height, int width)
    {
        if ((long)rows * columns * channels > phase.Length) ThrowLength(phase.Length, rows * columns * channels, nameof(phase));
        if ((long)height * width * channels > dx.Length) ThrowLength(dx.Length, height * width * channels, nameof(dx));
        for (int q = 0; q < rows; q++)
        {
            int iy = firstRow + strideHeight * q;
            if ((uint)iy >= (uint)height) continue;
            for (int r = 0; r < columns; r++)
            {
                int ix = firstColumn + strideWidth * r;
                if ((uint)ix >= (uint)width) continue;
                phase.Slice((q * columns + r) * channels, channels).CopyTo(dx.Slice((iy * width + ix) * channels, channels));
            }
        }
    }

    /// <summary>
    /// Writes the transpose of the 8x8 tile at <paramref name="source"/> (rows <paramref name="sourceStride"/> apart)
    /// to <paramref name="target"/> (rows <paramref name="targetStride"/> apart): three rounds of AVX shuffles.
    /// </summary>
    private static void Transpose8x8(ref float source, int sourceStride, ref float target, int targetStride)
    {
        Vector256<float> r0 = Vector256.LoadUnsafe(ref source), r1 = Vector256.LoadUnsafe(ref source, (nuint)sourceStride);
        Vector256<float> r2 = Vector256.LoadUnsafe(ref source, (nuint)(2 * sourceStride)), r3 = Vector256.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        Vector256<float> r4 = Vector256.LoadUnsafe(ref source, (nuint)(4 * sourceStride)), r5 = Vector256.LoadUnsafe(ref source, (nuint)(5 * sourceStride));
        Vector256<float> r6 = Vector256.LoadUnsafe(ref source, (nuint)(6 * sourceStride)), r7 = Vector256.LoadUnsafe(ref source, (nuint)(7 * sourceStride));
        // Interleave pairs of rows, then pairs of pairs (within each 128-bit half), then swap the halves.
        Vector256<float> t0 = X86Avx.UnpackLow(r0, r1), t1 = X86Avx.UnpackHigh(r0, r1), t2 = X86Avx.UnpackLow(r2, r3), t3 = X86Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = X86Avx.UnpackLow(r4, r5), t5 = X86Avx.UnpackHigh(r4, r5), t6 = X86Avx.UnpackLow(r6, r7), t7 = X86Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = X86Avx.Shuffle(t0, t2, 0x44), u1 = X86Avx.Shuffle(t0, t2, 0xEE), u2 = X86Avx.Shuffle(t1, t3, 0x44), u3 = X86Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = X86Avx.Shuffle(t4, t6, 0x44), u5 = X86Avx.Shuffle(t4, t6, 0xEE), u6 = X86Avx.Shuffle(t5, t7, 0x44), u7 = X86Avx.Shuffle(t5, t7, 0xEE);
        X86Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref target);
        X86Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref target, (nuint)targetStride);
        X86Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref target, (nuint)(2 * targetStride));
        X86Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref target, (nuint)(3 * targetStride));
        X86Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref target, (nuint)(4 * targetStride));
        X86Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref target, (nuint)(5 * targetStride));
        X86Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref target, (nuint)(6 * targetStride));
        X86Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref target, (nuint)(7 * targetStride));
    }

    /// <summary>The same for a 4x4 tile on ARM64: two rounds of NEON zips (ZIP1/ZIP2 on 32-bit, then on 64-bit lanes).</summary>
    private static void Transpose4x4(ref float source, int sourceStride, ref float target, int targetStride)
    {
        Vector128<float> r0 = Vector128.LoadUnsafe(ref source), r1 = Vector128.LoadUnsafe(ref source, (nuint)sourceStride);
        Vector128<float> r2 = Vector128.LoadUnsafe(ref source, (nuint)(2 * sourceStride)), r3 = Vector128.LoadUnsafe(ref source, (nuint)(3 * sourceStride));
        // [a0 b0 a1 b1], [a2 b2 a3 b3], [c0 d0 c1 d1], [c2 d2 c3 d3]; then pairs of pairs make the columns.
        Vector128<double> t0 = ArmSimd.ZipLow(r0, r1).AsDouble(), t1 = ArmSimd.ZipHigh(r0, r1).AsDouble();
        Vector128<double> t2 = ArmSimd.ZipLow(r2, r3).AsDouble(), t3 = ArmSimd.ZipHigh(r2, r3).AsDouble();
        ArmSimd.ZipLow(t0, t2).AsSingle().StoreUnsafe(ref target);
        ArmSimd.ZipHigh(t0, t2).AsSingle().StoreUnsafe(ref target, (nuint)targetStride);
        ArmSimd.ZipLow(t1, t3).AsSingle().StoreUnsafe(ref target, (nuint)(2 * targetStride));
        ArmSimd.ZipHigh(t1, t3).AsSingle().StoreUnsafe(ref target, (nuint)(3 * targetStride));
    }

    /// <summary>dy *= y·(1 - y): the sigmoid's derivative from its output.</summary>
    public static void SigmoidBackward(ReadOnlySpan<float> y, Span<float> dy)
    {
        for (int i = 0; i < dy.Length; i++) dy[i] *= y[i] * (1f - y[i]);
    }

    /// <summary>dy *= 1 - y²: tanh's derivative from its output.</summary>
    public static void TanhBackward(ReadOnlySpan<float> y, Span<float> dy)
    {
        for (int i = 0; i < dy.Length; i++) dy[i] *= 1f - y[i] * y[i];
    }

    /// <summary>dy = y ⊙ (dy - Σ_j dy_j·y_j): the softmax Jacobian-vector product, in place.</summary>
    public static void SoftmaxBackward(ReadOnlySpan<float> y, Span<float> dy)
    {
        float dot = TensorPrimitives.Dot(y, dy);
        for (int i = 0; i < dy.Length; i++) dy[i] = y[i] * (dy[i] - dot);
    }

    /// <summary>
    /// Inverted dropout, in place: each value is zeroed with probability <paramref name="rate"/> and the
    /// others scaled by 1 / (1 - rate). The mask comes from <paramref name="seed"/> alone, so
    /// <see cref="DropoutBackward"/> with the same seed applies the same mask.
    /// </summary>
    public static void Dropout(Span<float> x, float rate, ulong seed) => ApplyDropoutMask(x, rate, seed);

    /// <summary>The gradient of <see cref="Dropout"/>: the same mask and scale applied to <paramref name="dy"/>.</summary>
    public static void DropoutBackward(Span<float> dy, float rate, ulong seed) => ApplyDropoutMask(dy, rate, seed);

    private static void ApplyDropoutMask(Span<float> x, float rate, ulong seed)
    {
        if (rate <= 0f) return;
        var random = new RandomSource(seed);
        float scale = 1f / (1f - rate);
        for (int i = 0; i < x.Length; i++)
            x[i] = random.NextSingle() < rate ? 0f : x[i] * scale;
    }

    /// <summary>The index of the largest value (the first one on ties); NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> x)
    {
        int best = 0;
        for (int i = 1; i < x.Length; i++)
            if (x[i] > x[best]) best = i;
        return best;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> unless <paramref name="actual"/> is <paramref name="expected"/>.</summary>
    public static void CheckLength(int actual, int expected, string parameterName)
    {
        if (actual != expected)
            ThrowLength(actual, expected, parameterName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowLength(int actual, int expected, string parameterName) =>
        throw new ArgumentException($"'{parameterName}' has {actual} values, but this model needs exactly {expected}.", parameterName);

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> unless 0 ≤ <paramref name="index"/> &lt; <paramref name="count"/>.</summary>
    public static void CheckIndex(int index, int count, string parameterName)
    {
        if ((uint)index >= (uint)count)
            throw new ArgumentOutOfRangeException(parameterName, index, $"'{parameterName}' must be in [0, {count}).");
    }
}
