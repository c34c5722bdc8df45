using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cnn;

/// <summary>What <see cref="Winograd.Convolve3x3"/> applies to its sums on the way out, after the bias.</summary>
public enum OutputActivation
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>max(0, y), as <see cref="Kernels.ReLU(Span{float})"/>.</summary>
    ReLU,

    /// <summary>y &lt; 0 ? slope·y : min(y, cap), as <see cref="Kernels.ReLU(float, float, float)"/>.</summary>
    SlopeAndCap,
}

/// <summary>
/// The way out of <see cref="Winograd.Convolve3x3"/>: y = sum + bias, then with <see cref="Scale"/> y·scale + shift per
/// channel (a BatchNormalization's moving statistics), then with <see cref="Residual"/> y + residual at the same place
/// (an Add's other input, laid out as y), then the <see cref="Activation"/>: the order of the layers it stands for.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly ref struct ConvolutionOutput
{
    /// <summary>One value per filter, or empty for none.</summary>
    public ReadOnlySpan<float> Bias { get; init; }

    /// <summary>One value per filter (with <see cref="Shift"/>), or empty for no normalisation.</summary>
    public ReadOnlySpan<float> Scale { get; init; }

    /// <summary>One value per filter, read with <see cref="Scale"/>.</summary>
    public ReadOnlySpan<float> Shift { get; init; }

    /// <summary>Values laid out as y to add, or empty for none.</summary>
    public ReadOnlySpan<float> Residual { get; init; }

    /// <summary>The activation applied last.</summary>
    public OutputActivation Activation { get; init; }

    /// <summary>The slope below 0 of <see cref="OutputActivation.SlopeAndCap"/>.</summary>
    public float Slope { get; init; }

    /// <summary>The cap of <see cref="OutputActivation.SlopeAndCap"/>.</summary>
    public float Cap { get; init; }
}

/// <summary>
/// The 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2015): each 2x2 block of
/// output pixels of one filter takes 16 multiplications per input channel instead of 36. The input is cut into 4x4
/// tiles two pixels apart, each tile and each 3x3 kernel is transformed into 4x4 values (additions and halvings), the
/// transformed tiles and kernels are multiplied position by position (16 matrix products over the channels: the work,
/// done by register-blocked SIMD), and the 16 products of each tile are transformed back into its 2x2 outputs.
/// Zero padding is read in place (values outside the input are zeros), so no padded copy is made.
/// </summary>
/// <remarks>
/// The sums are the same as the direct convolution's up to rounding (the transforms add and subtract up to 9 products
/// per output before they cancel), as in cuDNN's, NNPACK's and oneDNN's Winograd convolutions. The kernel transform
/// is recomputed at every call from the weights it is given: weights written between calls are always used.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static class Winograd
{
    /// <summary>Channels and filters must be multiples of this (every vector width then divides them).</summary>
    public const int ChannelMultiple = WinogradSizes.ChannelMultiple;

    /// <summary>Floats of the transformed kernel: 16 per channel and filter.</summary>
    /// <exception cref="ArgumentException">Negative sizes, or more floats than a span holds.</exception>
    public static int KernelScratchLength(int channels, int filters) => Floats(WinogradSizes.KernelScratch(channels, filters), "the transformed kernel");

    /// <summary>Floats of the transformed tiles and products of one block of tiles, for an output of <paramref name="outHeight"/> x <paramref name="outWidth"/>.</summary>
    /// <exception cref="ArgumentException">Negative sizes, or more floats than a span holds.</exception>
    public static int TileScratchLength(int outHeight, int outWidth, int channels, int filters) =>
        Floats(WinogradSizes.TileScratch(outHeight, outWidth, channels, filters), "a block of tiles");

    private static int Floats(long floats, string what) =>
        floats < 0 || floats > Array.MaxLength ? throw new ArgumentException($"The sizes give {floats} floats for {what}: between 0 and {Array.MaxLength} are possible.") : (int)floats;

    /// <summary>
    /// y[oy, ox, f] = output(Σ_ky Σ_kx Σ_c x[oy + ky - padTop, ox + kx - padLeft, c] · kernel[ky, kx, c, f]) for every output
    /// pixel, x zero outside its <paramref name="height"/> x <paramref name="width"/> pixels; HWC layout, kernel [3, 3, c, f].
    /// </summary>
    /// <param name="x">The input, height·width·channels.</param>
    /// <param name="height">Input rows.</param>
    /// <param name="width">Input columns.</param>
    /// <param name="channels">Input channels: a multiple of <see cref="ChannelMultiple"/>.</param>
    /// <param name="padTop">Zero rows above the input (0 to 2).</param>
    /// <param name="padLeft">Zero columns left of the input (0 to 2).</param>
    /// <param name="kernel">The weights, 9·channels·filters.</param>
    /// <param name="y">The output, outHeight·outWidth·filters.</param>
    /// <param name="outHeight">Output rows: windows may reach up to 2 zero rows past the input.</param>
    /// <param name="outWidth">Output columns, likewise.</param>
    /// <param name="filters">Output channels: a multiple of <see cref="ChannelMultiple"/>.</param>
    /// <param name="kernelScratch">At least <see cref="KernelScratchLength"/> floats, overwritten.</param>
    /// <param name="tileScratch">At least <see cref="TileScratchLength"/> floats, overwritten.</param>
    /// <param name="output">The bias and what follows it.</param>
    /// <param name="vectorWidth">512, 256 or 128: the vectors to take (<see cref="Kernels.VectorWidth"/>).</param>
    public static void Convolve3x3(ReadOnlySpan<float> x, int height, int width, int channels, int padTop, int padLeft,
        ReadOnlySpan<float> kernel, Span<float> y, int outHeight, int outWidth, int filters,
        Span<float> kernelScratch, Span<float> tileScratch, scoped in ConvolutionOutput output, int vectorWidth)
    {
        Check(x.Length, height, width, channels, padTop, padLeft, kernel.Length, y.Length, outHeight, outWidth, filters,
            kernelScratch.Length, tileScratch.Length, output);
        var shape = new Shape(height, width, channels, padTop, padLeft, outHeight, outWidth, filters, (int)WinogradSizes.TileBlock(outHeight, outWidth, channels, filters));
        ref float xr = ref MemoryMarshal.GetReference(x), kr = ref MemoryMarshal.GetReference(kernel), yr = ref MemoryMarshal.GetReference(y);
        ref float ur = ref MemoryMarshal.GetReference(kernelScratch), tr = ref MemoryMarshal.GetReference(tileScratch);
        switch (vectorWidth)
        {
            case 512: Run<Lanes512, Vector512<float>>(shape, ref xr, ref kr, ref yr, ref ur, ref tr, output); break;
            case 256: Run<Lanes256, Vector256<float>>(shape, ref xr, ref kr, ref yr, ref ur, ref tr, output); break;
            case 128: Run<Lanes128, Vector128<float>>(shape, ref xr, ref kr, ref yr, ref ur, ref tr, output); break;
            default: throw new ArgumentOutOfRangeException(nameof(vectorWidth), vectorWidth, "The vector width is 512, 256 or 128 bits.");
        }
    }

    private static void Check(int xLength, int height, int width, int channels, int padTop, int padLeft, int kernelLength, int yLength,
        int outHeight, int outWidth, int filters, int kernelScratch, int tileScratch, scoped in ConvolutionOutput output)
    {
        if (height < 1 || width < 1 || outHeight < 1 || outWidth < 1)
            throw new ArgumentException($"The input ({height}x{width}) and output ({outHeight}x{outWidth}) need at least one pixel.");
        if (channels < 1 || filters < 1 || channels % ChannelMultiple != 0 || filters % ChannelMultiple != 0)
            throw new ArgumentException($"The channels ({channels}) and filters ({filters}) must be positive multiples of {ChannelMultiple}.");
        if (padTop < 0 || padLeft < 0 || padTop > 2 || padLeft > 2)
            throw new ArgumentException($"The padding ({padTop} rows above, {padLeft} columns left) must be 0, 1 or 2 for a 3x3 kernel.");
        if (outHeight + 2 - padTop > height + 2 || outWidth + 2 - padLeft > width + 2)
            throw new ArgumentException($"An output of {outHeight}x{outWidth} reaches more than 2 pixels past an input of {height}x{width}.");
        Need(xLength, (long)height * width * channels, "x");
        Need(kernelLength, 9L * channels * filters, "kernel");
        Need(yLength, (long)outHeight * outWidth * filters, "y");
        Need(kernelScratch, WinogradSizes.KernelScratch(channels, filters), "kernelScratch");
        Need(tileScratch, WinogradSizes.TileScratch(outHeight, outWidth, channels, filters), "tileScratch");
        if (!output.Bias.IsEmpty) Need(output.Bias.Length, filters, "bias");
        if (!output.Scale.IsEmpty || !output.Shift.IsEmpty)
        {
            Need(output.Scale.Length, filters, "scale");
            Need(output.Shift.Length, filters, "shift");
        }
        if (!output.Residual.IsEmpty) Need(output.Residual.Length, (long)outHeight * outWidth * filters, "residual");
    }

    private static void Need(int length, long needed, string name)
    {
        if (length < needed) throw new ArgumentException($"{name} has {length} values; the convolution needs {needed}.", name);
    }

    /// <summary>The sizes of one call, and the tiles per block.</summary>
    private readonly record struct Shape(int Height, int Width, int Channels, int PadTop, int PadLeft, int OutHeight, int OutWidth, int Filters, int TileBlock)
    {
        public int TileRows => (OutHeight + 1) / 2;

        public int TileColumns => (OutWidth + 1) / 2;
    }

    private static void Run<L, V>(in Shape s, ref float x, ref float kernel, ref float y, ref float u, ref float tiles, scoped in ConvolutionOutput output)
        where L : struct, ILanes<V> where V : struct
    {
        TransformKernel<L, V>(s, ref kernel, ref u);
        int count = s.TileRows * s.TileColumns;
        int inPlane = (int)WinogradSizes.Plane(s.TileBlock, s.Channels), outPlane = (int)WinogradSizes.Plane(s.TileBlock, s.Filters);
        ref float transformed = ref tiles;
        ref float products = ref Unsafe.Add(ref tiles, 16 * inPlane);
        for (int first = 0; first < count; first += s.TileBlock)
        {
            int block = Math.Min(s.TileBlock, count - first);
            TransformTiles<L, V>(s, ref x, first, block, ref transformed);
            for (int position = 0; position < 16; position++)
                Multiply<L, V>(s, block, ref Unsafe.Add(ref transformed, position * inPlane),
                    ref Unsafe.Add(ref u, position * s.Channels * s.Filters), ref Unsafe.Add(ref products, position * outPlane));
            TransformOutputs<L, V>(s, first, block, ref products, ref y, output);
        }
    }

    /// <summary>u[ξ, c, f] = (G·g·Gᵀ)[ξ] for each channel c and filter f, g the 3x3 kernel, G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1].</summary>
    private static void TransformKernel<L, V>(in Shape s, ref float kernel, ref float u) where L : struct, ILanes<V> where V : struct
    {
        int c = s.Channels, f = s.Filters, plane = c * f;
        V half = L.Create(0.5f);
        for (int i = 0; i < plane; i += L.Count)
        {
            // g[ky, kx] for this channel and run of filters: kernel[ky, kx, c, f] is (ky·3 + kx)·c·f + i.
            V g00 = L.Load(ref kernel, i), g01 = L.Load(ref kernel, plane + i), g02 = L.Load(ref kernel, 2 * plane + i);
            V g10 = L.Load(ref kernel, 3 * plane + i), g11 = L.Load(ref kernel, 4 * plane + i), g12 = L.Load(ref kernel, 5 * plane + i);
            V g20 = L.Load(ref kernel, 6 * plane + i), g21 = L.Load(ref kernel, 7 * plane + i), g22 = L.Load(ref kernel, 8 * plane + i);
            // G·g: four rows of three.
            V r10 = L.Multiply(L.Add(L.Add(g00, g10), g20), half), r11 = L.Multiply(L.Add(L.Add(g01, g11), g21), half), r12 = L.Multiply(L.Add(L.Add(g02, g12), g22), half);
            V r20 = L.Multiply(L.Add(L.Subtract(g00, g10), g20), half), r21 = L.Multiply(L.Add(L.Subtract(g01, g11), g21), half), r22 = L.Multiply(L.Add(L.Subtract(g02, g12), g22), half);
            KernelRow<L, V>(ref u, 0 * plane + i, plane, g00, g01, g02, half);
            KernelRow<L, V>(ref u, 4 * plane + i, plane, r10, r11, r12, half);
            KernelRow<L, V>(ref u, 8 * plane + i, plane, r20, r21, r22, half);
            KernelRow<L, V>(ref u, 12 * plane + i, plane, g20, g21, g22, half);
        }
    }

    /// <summary>One row of (G·g)·Gᵀ: [a, ½(a + b + c), ½(a - b + c), c] at positions index, index + plane, ...</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelRow<L, V>(ref float u, int index, int plane, V a, V b, V c, V half) where L : struct, ILanes<V> where V : struct
    {
        L.Store(a, ref u, index);
        L.Store(L.Multiply(L.Add(L.Add(a, b), c), half), ref u, index + plane);
        L.Store(L.Multiply(L.Add(L.Subtract(a, b), c), half), ref u, index + 2 * plane);
        L.Store(c, ref u, index + 3 * plane);
    }

    /// <summary>
    /// v[ξ, t, c] = (Bᵀ·d·B)[ξ] for tiles first .. first + block - 1, d the tile's 4x4 input pixels (zeros outside the input),
    /// Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
    /// </summary>
    private static void TransformTiles<L, V>(in Shape s, ref float x, int first, int block, ref float v) where L : struct, ILanes<V> where V : struct
    {
        int c = s.Channels, row = s.Width * c, plane = (int)WinogradSizes.Plane(s.TileBlock, c);
        for (int t = 0; t < block; t++)
        {
            int tile = first + t, ty = tile / s.TileColumns, tx = tile - ty * s.TileColumns;
            int iy = 2 * ty - s.PadTop, ix = 2 * tx - s.PadLeft;
            bool inside = iy >= 0 && ix >= 0 && iy + 4 <= s.Height && ix + 4 <= s.Width;
            // Rows and columns of the tile that lie in the input (all, inside).
            int rows = 0, columns = 0;
            if (!inside)
                for (int k = 0; k < 4; k++)
                {
                    if (iy + k >= 0 && iy + k < s.Height) rows |= 1 << k;
                    if (ix + k >= 0 && ix + k < s.Width) columns |= 1 << k;
                }
            // The tile's first pixel may lie outside the input: only offsets of pixels inside become references.
            nint origin = (nint)iy * row + (nint)ix * c;
            ref float target = ref Unsafe.Add(ref v, t * c);
            for (int ch = 0; ch < c; ch += L.Count)
            {
                nint at = origin + ch;
                V d00, d01, d02, d03, d10, d11, d12, d13, d20, d21, d22, d23, d30, d31, d32, d33;
                if (inside)
                {
                    ref float o = ref Unsafe.Add(ref x, at);
                    d00 = L.Load(ref o, 0); d01 = L.Load(ref o, c); d02 = L.Load(ref o, 2 * c); d03 = L.Load(ref o, 3 * c);
                    d10 = L.Load(ref o, row); d11 = L.Load(ref o, row + c); d12 = L.Load(ref o, row + 2 * c); d13 = L.Load(ref o, row + 3 * c);
                    d20 = L.Load(ref o, 2 * row); d21 = L.Load(ref o, 2 * row + c); d22 = L.Load(ref o, 2 * row + 2 * c); d23 = L.Load(ref o, 2 * row + 3 * c);
                    d30 = L.Load(ref o, 3 * row); d31 = L.Load(ref o, 3 * row + c); d32 = L.Load(ref o, 3 * row + 2 * c); d33 = L.Load(ref o, 3 * row + 3 * c);
                }
                else
                {
                    d00 = Edge<L, V>(ref x, at, rows, columns, 0, 0, row, c); d01 = Edge<L, V>(ref x, at, rows, columns, 0, 1, row, c);
                    d02 = Edge<L, V>(ref x, at, rows, columns, 0, 2, row, c); d03 = Edge<L, V>(ref x, at, rows, columns, 0, 3, row, c);
                    d10 = Edge<L, V>(ref x, at, rows, columns, 1, 0, row, c); d11 = Edge<L, V>(ref x, at, rows, columns, 1, 1, row, c);
                    d12 = Edge<L, V>(ref x, at, rows, columns, 1, 2, row, c); d13 = Edge<L, V>(ref x, at, rows, columns, 1, 3, row, c);
                    d20 = Edge<L, V>(ref x, at, rows, columns, 2, 0, row, c); d21 = Edge<L, V>(ref x, at, rows, columns, 2, 1, row, c);
                    d22 = Edge<L, V>(ref x, at, rows, columns, 2, 2, row, c); d23 = Edge<L, V>(ref x, at, rows, columns, 2, 3, row, c);
                    d30 = Edge<L, V>(ref x, at, rows, columns, 3, 0, row, c); d31 = Edge<L, V>(ref x, at, rows, columns, 3, 1, row, c);
                    d32 = Edge<L, V>(ref x, at, rows, columns, 3, 2, row, c); d33 = Edge<L, V>(ref x, at, rows, columns, 3, 3, row, c);
                }
                // Bᵀ·d, column by column.
                V t00 = L.Subtract(d00, d20), t01 = L.Subtract(d01, d21), t02 = L.Subtract(d02, d22), t03 = L.Subtract(d03, d23);
                V t10 = L.Add(d10, d20), t11 = L.Add(d11, d21), t12 = L.Add(d12, d22), t13 = L.Add(d13, d23);
                V t20 = L.Subtract(d20, d10), t21 = L.Subtract(d21, d11), t22 = L.Subtract(d22, d12), t23 = L.Subtract(d23, d13);
                V t30 = L.Subtract(d10, d30), t31 = L.Subtract(d11, d31), t32 = L.Subtract(d12, d32), t33 = L.Subtract(d13, d33);
                // (Bᵀ·d)·B, row by row: position ξ = 4·i + j at v[ξ·plane + t·c + ch].
                ref float tv = ref Unsafe.Add(ref target, ch);
                TileRow<L, V>(ref tv, 0, plane, t00, t01, t02, t03);
                TileRow<L, V>(ref tv, 4 * plane, plane, t10, t11, t12, t13);
                TileRow<L, V>(ref tv, 8 * plane, plane, t20, t21, t22, t23);
                TileRow<L, V>(ref tv, 12 * plane, plane, t30, t31, t32, t33);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static V Edge<L, V>(ref float x, nint origin, int rows, int columns, int i, int j, int row, int c) where L : struct, ILanes<V> where V : struct =>
        ((rows >> i) & (columns >> j) & 1) != 0 ? L.Load(ref Unsafe.Add(ref x, origin + i * row + j * c), 0) : L.Zero;

    /// <summary>One row of (Bᵀ·d)·B: [a - c, b + c, c - b, b - d].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TileRow<L, V>(ref float v, int index, int plane, V a, V b, V c, V d) where L : struct, ILanes<V> where V : struct
    {
        L.Store(L.Subtract(a, c), ref v, index);
        L.Store(L.Add(b, c), ref v, index + plane);
        L.Store(L.Subtract(c, b), ref v, index + 2 * plane);
        L.Store(L.Subtract(b, d), ref v, index + 3 * plane);
    }

    /// <summary>
    /// m[t, f] = Σ_c v[t, c]·u[c, f] for the block's tiles at one position: blocks of <see cref="WinogradSizes.BlockRows"/> tiles by 4
    /// vectors of filters (2 on the 256-bit path, for AVX2's 16 registers) held in registers while the channels stream by.
    /// </summary>
    private static void Multiply<L, V>(in Shape s, int block, ref float v, ref float u, ref float m) where L : struct, ILanes<V> where V : struct
    {
        int c = s.Channels, f = s.Filters;
        int width = L.Count == 8 ? 2 * L.Count : 4 * L.Count;
        int f0 = 0;
        for (; f0 + width <= f; f0 += width)
        {
            int t = 0;
            for (; t + WinogradSizes.BlockRows <= block; t += WinogradSizes.BlockRows)
            {
                if (L.Count == 8) Block6x2<L, V>(c, f, ref Unsafe.Add(ref v, t * c), ref Unsafe.Add(ref u, f0), ref Unsafe.Add(ref m, t * f + f0));
                else Block6x4<L, V>(c, f, ref Unsafe.Add(ref v, t * c), ref Unsafe.Add(ref u, f0), ref Unsafe.Add(ref m, t * f + f0));
            }
            for (; t < block; t++)
                for (int j = 0; j < width; j += L.Count)
                    Block1x1<L, V>(c, f, ref Unsafe.Add(ref v, t * c), ref Unsafe.Add(ref u, f0 + j), ref Unsafe.Add(ref m, t * f + f0 + j));
        }
        for (; f0 < f; f0 += L.Count)
            for (int t = 0; t < block; t++)
                Block1x1<L, V>(c, f, ref Unsafe.Add(ref v, t * c), ref Unsafe.Add(ref u, f0), ref Unsafe.Add(ref m, t * f + f0));
    }

    private static void Block6x4<L, V>(int c, int f, ref float v, ref float u, ref float m) where L : struct, ILanes<V> where V : struct
    {
        V a00 = L.Zero, a01 = L.Zero, a02 = L.Zero, a03 = L.Zero, a10 = L.Zero, a11 = L.Zero, a12 = L.Zero, a13 = L.Zero;
        V a20 = L.Zero, a21 = L.Zero, a22 = L.Zero, a23 = L.Zero, a30 = L.Zero, a31 = L.Zero, a32 = L.Zero, a33 = L.Zero;
        V a40 = L.Zero, a41 = L.Zero, a42 = L.Zero, a43 = L.Zero, a50 = L.Zero, a51 = L.Zero, a52 = L.Zero, a53 = L.Zero;
        int n = L.Count;
        ref float ur = ref u;
        ref float vr = ref v;
        for (int k = 0; k < c; k++)
        {
            V u0 = L.Load(ref ur, 0), u1 = L.Load(ref ur, n), u2 = L.Load(ref ur, 2 * n), u3 = L.Load(ref ur, 3 * n);
            V b = L.Create(vr);
            a00 = L.MultiplyAdd(b, u0, a00); a01 = L.MultiplyAdd(b, u1, a01); a02 = L.MultiplyAdd(b, u2, a02); a03 = L.MultiplyAdd(b, u3, a03);
            b = L.Create(Unsafe.Add(ref vr, c));
            a10 = L.MultiplyAdd(b, u0, a10); a11 = L.MultiplyAdd(b, u1, a11); a12 = L.MultiplyAdd(b, u2, a12); a13 = L.MultiplyAdd(b, u3, a13);
            b = L.Create(Unsafe.Add(ref vr, 2 * c));
            a20 = L.MultiplyAdd(b, u0, a20); a21 = L.MultiplyAdd(b, u1, a21); a22 = L.MultiplyAdd(b, u2, a22); a23 = L.MultiplyAdd(b, u3, a23);
            b = L.Create(Unsafe.Add(ref vr, 3 * c));
            a30 = L.MultiplyAdd(b, u0, a30); a31 = L.MultiplyAdd(b, u1, a31); a32 = L.MultiplyAdd(b, u2, a32); a33 = L.MultiplyAdd(b, u3, a33);
            b = L.Create(Unsafe.Add(ref vr, 4 * c));
            a40 = L.MultiplyAdd(b, u0, a40); a41 = L.MultiplyAdd(b, u1, a41); a42 = L.MultiplyAdd(b, u2, a42); a43 = L.MultiplyAdd(b, u3, a43);
            b = L.Create(Unsafe.Add(ref vr, 5 * c));
            a50 = L.MultiplyAdd(b, u0, a50); a51 = L.MultiplyAdd(b, u1, a51); a52 = L.MultiplyAdd(b, u2, a52); a53 = L.MultiplyAdd(b, u3, a53);
            ur = ref Unsafe.Add(ref ur, f);
            vr = ref Unsafe.Add(ref vr, 1);
        }
        L.Store(a00, ref m, 0); L.Store(a01, ref m, n); L.Store(a02, ref m, 2 * n); L.Store(a03, ref m, 3 * n);
        L.Store(a10, ref m, f); L.Store(a11, ref m, f + n); L.Store(a12, ref m, f + 2 * n); L.Store(a13, ref m, f + 3 * n);
        L.Store(a20, ref m, 2 * f); L.Store(a21, ref m, 2 * f + n); L.Store(a22, ref m, 2 * f + 2 * n); L.Store(a23, ref m, 2 * f + 3 * n);
        L.Store(a30, ref m, 3 * f); L.Store(a31, ref m, 3 * f + n); L.Store(a32, ref m, 3 * f + 2 * n); L.Store(a33, ref m, 3 * f + 3 * n);
        L.Store(a40, ref m, 4 * f); L.Store(a41, ref m, 4 * f + n); L.Store(a42, ref m, 4 * f + 2 * n); L.Store(a43, ref m, 4 * f + 3 * n);
        L.Store(a50, ref m, 5 * f); L.Store(a51, ref m, 5 * f + n); L.Store(a52, ref m, 5 * f + 2 * n); L.Store(a53, ref m, 5 * f + 3 * n);
    }

    private static void Block6x2<L, V>(int c, int f, ref float v, ref float u, ref float m) where L : struct, ILanes<V> where V : struct
    {
        V a00 = L.Zero, a01 = L.Zero, a10 = L.Zero, a11 = L.Zero, a20 = L.Zero, a21 = L.Zero;
        V a30 = L.Zero, a31 = L.Zero, a40 = L.Zero, a41 = L.Zero, a50 = L.Zero, a51 = L.Zero;
        int n = L.Count;
        ref float ur = ref u;
        ref float vr = ref v;
        for (int k = 0; k < c; k++)
        {
            V u0 = L.Load(ref ur, 0), u1 = L.Load(ref ur, n);
            V b = L.Create(vr);
            a00 = L.MultiplyAdd(b, u0, a00); a01 = L.MultiplyAdd(b, u1, a01);
            b = L.Create(Unsafe.Add(ref vr, c));
            a10 = L.MultiplyAdd(b, u0, a10); a11 = L.MultiplyAdd(b, u1, a11);
            b = L.Create(Unsafe.Add(ref vr, 2 * c));
            a20 = L.MultiplyAdd(b, u0, a20); a21 = L.MultiplyAdd(b, u1, a21);
            b = L.Create(Unsafe.Add(ref vr, 3 * c));
            a30 = L.MultiplyAdd(b, u0, a30); a31 = L.MultiplyAdd(b, u1, a31);
            b = L.Create(Unsafe.Add(ref vr, 4 * c));
            a40 = L.MultiplyAdd(b, u0, a40); a41 = L.MultiplyAdd(b, u1, a41);
            b = L.Create(Unsafe.Add(ref vr, 5 * c));
            a50 = L.MultiplyAdd(b, u0, a50); a51 = L.MultiplyAdd(b, u1, a51);
            ur = ref Unsafe.Add(ref ur, f);
            vr = ref Unsafe.Add(ref vr, 1);
        }
        L.Store(a00, ref m, 0); L.Store(a01, ref m, n);
        L.Store(a10, ref m, f); L.Store(a11, ref m, f + n);
        L.Store(a20, ref m, 2 * f); L.Store(a21, ref m, 2 * f + n);
        L.Store(a30, ref m, 3 * f); L.Store(a31, ref m, 3 * f + n);
        L.Store(a40, ref m, 4 * f); L.Store(a41, ref m, 4 * f + n);
        L.Store(a50, ref m, 5 * f); L.Store(a51, ref m, 5 * f + n);
    }

    private static void Block1x1<L, V>(int c, int f, ref float v, ref float u, ref float m) where L : struct, ILanes<V> where V : struct
    {
        V a = L.Zero;
        for (int k = 0; k < c; k++)
            a = L.MultiplyAdd(L.Create(Unsafe.Add(ref v, k)), L.Load(ref u, k * f), a);
        L.Store(a, ref m, 0);
    }

    /// <summary>
    /// y = output((Aᵀ·m·A) + bias) for the block's tiles, m the tile's 4x4 products, Aᵀ = [1 1 1 0; 0 1 -1 -1]; the pixels
    /// of tiles that reach past the output (an odd height or width) are not written.
    /// </summary>
    private static void TransformOutputs<L, V>(in Shape s, int first, int block, ref float m, ref float y, scoped in ConvolutionOutput output)
        where L : struct, ILanes<V> where V : struct
    {
        int f = s.Filters, plane = (int)WinogradSizes.Plane(s.TileBlock, f), row = s.OutWidth * f;
        bool bias = !output.Bias.IsEmpty, normalize = !output.Scale.IsEmpty, residual = !output.Residual.IsEmpty;
        ref float b = ref MemoryMarshal.GetReference(output.Bias);
        ref float scale = ref MemoryMarshal.GetReference(output.Scale), shift = ref MemoryMarshal.GetReference(output.Shift);
        ref float res = ref MemoryMarshal.GetReference(output.Residual);
        V slope = L.Create(output.Slope), cap = L.Create(output.Cap);
        OutputActivation activation = output.Activation;
        for (int t = 0; t < block; t++)
        {
            int tile = first + t, ty = tile / s.TileColumns, tx = tile - ty * s.TileColumns;
            int oy = 2 * ty, ox = 2 * tx;
            bool down = oy + 1 < s.OutHeight, right = ox + 1 < s.OutWidth;
            int at = oy * row + ox * f;
            ref float mt = ref Unsafe.Add(ref m, t * f);
            for (int ch = 0; ch < f; ch += L.Count)
            {
                ref float p = ref Unsafe.Add(ref mt, ch);
                V m00 = L.Load(ref p, 0), m01 = L.Load(ref p, plane), m02 = L.Load(ref p, 2 * plane), m03 = L.Load(ref p, 3 * plane);
                V m10 = L.Load(ref p, 4 * plane), m11 = L.Load(ref p, 5 * plane), m12 = L.Load(ref p, 6 * plane), m13 = L.Load(ref p, 7 * plane);
                V m20 = L.Load(ref p, 8 * plane), m21 = L.Load(ref p, 9 * plane), m22 = L.Load(ref p, 10 * plane), m23 = L.Load(ref p, 11 * plane);
                V m30 = L.Load(ref p, 12 * plane), m31 = L.Load(ref p, 13 * plane), m32 = L.Load(ref p, 14 * plane), m33 = L.Load(ref p, 15 * plane);
                // Aᵀ·m, column by column, then (Aᵀ·m)·A row by row.
                V s00 = L.Add(L.Add(m00, m10), m20), s01 = L.Add(L.Add(m01, m11), m21), s02 = L.Add(L.Add(m02, m12), m22), s03 = L.Add(L.Add(m03, m13), m23);
                V s10 = L.Subtract(L.Subtract(m10, m20), m30), s11 = L.Subtract(L.Subtract(m11, m21), m31);
                V s12 = L.Subtract(L.Subtract(m12, m22), m32), s13 = L.Subtract(L.Subtract(m13, m23), m33);
                V y00 = L.Add(L.Add(s00, s01), s02), y01 = L.Subtract(L.Subtract(s01, s02), s03);
                V y10 = L.Add(L.Add(s10, s11), s12), y11 = L.Subtract(L.Subtract(s11, s12), s13);
                V bv = bias ? L.Load(ref b, ch) : L.Zero, sc = L.Zero, sh = L.Zero;
                if (normalize)
                {
                    sc = L.Load(ref scale, ch);
                    sh = L.Load(ref shift, ch);
                }
                int i = at + ch;
                Finish<L, V>(ref y, ref res, i, y00, bv, normalize, sc, sh, residual, activation, slope, cap);
                if (right) Finish<L, V>(ref y, ref res, i + f, y01, bv, normalize, sc, sh, residual, activation, slope, cap);
                if (down)
                {
                    Finish<L, V>(ref y, ref res, i + row, y10, bv, normalize, sc, sh, residual, activation, slope, cap);
                    if (right) Finish<L, V>(ref y, ref res, i + row + f, y11, bv, normalize, sc, sh, residual, activation, slope, cap);
                }
            }
        }
    }

    /// <summary>Stores sum + bias at y[index] through the normalisation, the residual and the activation, as they are set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<L, V>(ref float y, ref float res, int index, V sum, V bias, bool normalize, V scale, V shift, bool residual,
        OutputActivation activation, V slope, V cap) where L : struct, ILanes<V> where V : struct
    {
        V value = L.Add(sum, bias);
        if (normalize) value = L.Add(L.Multiply(value, scale), shift);
        if (residual) value = L.Add(value, L.Load(ref res, index));
        if (activation == OutputActivation.ReLU) value = L.Max(L.Zero, value);
        else if (activation == OutputActivation.SlopeAndCap) value = L.ReLU(value, slope, cap);
        L.Store(value, ref y, index);
    }

    /// <summary>The vector operations of one width, for the width-generic code above (the JIT compiles one copy per width).</summary>
    private interface ILanes<V> where V : struct
    {
        static abstract int Count { get; }
        static abstract V Zero { get; }
        static abstract V Create(float value);
        static abstract V Load(ref float source, int index);
        static abstract void Store(V value, ref float target, int index);
        static abstract V Add(V a, V b);
        static abstract V Subtract(V a, V b);
        static abstract V Multiply(V a, V b);
        static abstract V MultiplyAdd(V a, V b, V c);
        static abstract V Max(V a, V b);
        static abstract V ReLU(V value, V slope, V cap);
    }

    private struct Lanes512 : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;
        public static Vector512<float> Zero => Vector512<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Create(float value) => Vector512.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float source, int index) => Vector512.LoadUnsafe(ref source, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> value, ref float target, int index) => value.StoreUnsafe(ref target, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> ReLU(Vector512<float> value, Vector512<float> slope, Vector512<float> cap) => Kernels.ReLU(value, slope, cap);
    }

    private struct Lanes256 : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;
        public static Vector256<float> Zero => Vector256<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Create(float value) => Vector256.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float source, int index) => Vector256.LoadUnsafe(ref source, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> value, ref float target, int index) => value.StoreUnsafe(ref target, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> ReLU(Vector256<float> value, Vector256<float> slope, Vector256<float> cap) => Kernels.ReLU(value, slope, cap);
    }

    private struct Lanes128 : ILanes<Vector128<float>>
    {
        public static int Count => Vector128<float>.Count;
        public static Vector128<float> Zero => Vector128<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Create(float value) => Vector128.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float source, int index) => Vector128.LoadUnsafe(ref source, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> value, ref float target, int index) => value.StoreUnsafe(ref target, (nuint)(nint)index);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.Max(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> ReLU(Vector128<float> value, Vector128<float> slope, Vector128<float> cap) => Kernels.ReLU(value, slope, cap);
    }
}
