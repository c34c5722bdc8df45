using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// A run of channels handled as one register: <see cref="Width"/> lanes (16 = <c>Vector512</c>, 8 = <c>Vector256</c>,
/// 4 = <c>Vector128</c>, 1 = a plain <c>float</c>) starting at channel <see cref="Offset"/>.
/// </summary>
internal readonly record struct LaneGroup(int Offset, int Width)
{
    /// <summary>The static class that builds vectors of this width (an alias declared at the top of the file).</summary>
    public string Vector => Width switch { 16 => "V512", 8 => "V256", 4 => "V128", _ => "" };

    /// <summary>Splits <paramref name="count"/> channels into the widest groups up to <paramref name="maxWidth"/>, then narrower ones.</summary>
    public static List<LaneGroup> Split(int count, int maxWidth)
    {
        var groups = new List<LaneGroup>();
        int offset = 0;
        foreach (int width in new[] { 16, 8, 4, 1 })
        {
            if (width > maxWidth) continue;
            while (count - offset >= width)
            {
                groups.Add(new LaneGroup(offset, width));
                offset += width;
            }
        }
        return groups;
    }

    /// <summary>Loads this group from <c>ref <paramref name="source"/></c> at <paramref name="index"/> + <see cref="Offset"/>.</summary>
    public string Load(string source, string index)
    {
        string at = Plus(index, Offset);
        if (Width == 1) return at == "0" ? source : $"Unsafe.Add(ref {source}, {at})";
        return at == "0" ? $"{Vector}.LoadUnsafe(ref {source})" : $"{Vector}.LoadUnsafe(ref {source}, (nuint)({at}))";
    }

    /// <summary>Stores <paramref name="value"/> at <c>ref <paramref name="target"/></c> + <paramref name="index"/> + <see cref="Offset"/>.</summary>
    public string Store(string value, string target, string index) =>
        Width == 1 ? $"Unsafe.Add(ref {target}, {Plus(index, Offset)}) = {value};" : $"{Vector}.StoreUnsafe({value}, ref {target}, (nuint)({Plus(index, Offset)}));";

    /// <summary>The scalar <paramref name="value"/> in every lane.</summary>
    public string Broadcast(string value) => Width == 1 ? value : $"{Vector}.Create({value})";

    /// <summary>a·b + c in one rounding.</summary>
    public string Fma(string a, string b, string c) => Width == 1 ? $"global::System.MathF.FusedMultiplyAdd({a}, {b}, {c})" : $"{Vector}.FusedMultiplyAdd({a}, {b}, {c})";

    /// <summary>All lanes zero.</summary>
    public string Zero => Width == 1 ? "0f" : $"{Vector}.Create(0f)";

    /// <summary>ReLU that keeps NaN (max(0, NaN) is NaN, as in the scalar code).</summary>
    public string ReLU(string value) => Width == 1 ? $"({value} < 0f ? 0f : {value})" : $"{Vector}.MaxNative({Vector}.Create(0f), {value})";

    /// <summary>The larger of two values, lane by lane.</summary>
    public string Max(string a, string b) => Width == 1 ? $"global::System.MathF.Max({a}, {b})" : $"{Vector}.Max({a}, {b})";

    private static string Plus(string index, int offset) =>
        offset == 0 ? index : int.TryParse(index, out int constant) ? Format.Int(constant + offset) : $"{index} + {offset}";
}

/// <summary>
/// A valid (unpadded) convolution that the SIMD kernels compute: the input is already padded when the layer
/// pads. Dense layers are the 1x1 case: a 1x1 input with <see cref="InChannels"/> features. With a dilation, kernel
/// tap (ky, kx) reads input pixel (oy·sh + ky·dh, ox·sw + kx·dw).
/// </summary>
internal readonly record struct ConvGeometry(int InHeight, int InWidth, int InChannels, int OutHeight, int OutWidth, int Filters,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int DilationHeight = 1, int DilationWidth = 1)
{
    /// <summary>
    /// Whether a kernel row is walked as kw runs of c contiguous taps (a horizontal dilation: the kernel columns are
    /// dw pixels apart in x), rather than as one run of kw·c taps.
    /// </summary>
    public bool ColumnRuns => DilationWidth > 1;

    /// <summary>Contiguous taps in one run: c with a horizontal dilation, else kw·c.</summary>
    public int RunTaps => ColumnRuns ? InChannels : Taps;

    /// <summary>Floats in one input row: width·channels.</summary>
    public int InRow => InWidth * InChannels;

    /// <summary>Contiguous (kx, c) taps in one kernel row: kw·channels.</summary>
    public int Taps => KernelWidth * InChannels;

    /// <summary>Multiply-adds of one pass.</summary>
    public long MultiplyAdds => (long)OutHeight * OutWidth * Filters * KernelHeight * Taps;
}

/// <summary>
/// What a kernel does on the way out when its caller passes <c>fused</c> (<see cref="OutputFusion"/>): with
/// <see cref="Normalize"/> the sums become sum·scale + shift per channel (a BatchNormalization's moving statistics,
/// multiplied then added, as that layer does), then with <see cref="Residual"/> y + r from the residual input at the
/// same place (an Add's other input, read through <c>res</c> and the references moved along with y's: <c>resf</c>,
/// <c>resRow</c>), then with <see cref="ReLU"/> max(0, y) when <see cref="Plain"/> or else y &lt; 0 ? slope·y : min(y,
/// cap), as the ReLU layer computes them.
/// </summary>
/// <param name="Normalize">Whether a BatchNormalization is applied (the kernel then takes its scale and shift).</param>
/// <param name="ReLU">Whether a ReLU is applied after it.</param>
/// <param name="Plain">A ReLU with no slope and no cap.</param>
/// <param name="Slope">The slope below 0, as C# (<c>0f</c>).</param>
/// <param name="Cap">The cap, as C# (<c>6f</c>, <c>float.PositiveInfinity</c>).</param>
internal sealed record Epilogue(bool Normalize, bool ReLU, bool Plain, string Slope, string Cap)
{
    /// <summary>Whether an Add's other input is added (the kernel then takes <c>ref float res</c>, laid out as y).</summary>
    public bool Residual { get; init; }

    /// <summary>The kernel's extra parameters: <c>, ref float scale, ref float shift, ref float res, bool fused</c> as far as used, or none.</summary>
    public static string Parameters(Epilogue? epilogue) => epilogue is null ? ""
        : $"{(epilogue.Normalize ? ", ref float scale, ref float shift" : "")}{(epilogue.Residual ? ", ref float res" : "")}, bool fused";

    /// <summary>The residual reference that moves along with output reference <paramref name="output"/>: y → res, yf → resf, yRow → resRow.</summary>
    public static string ResidualOf(string output) => "res" + output.Substring(1);

    /// <summary>
    /// Writes <c>if (fused) { ... }</c> over accumulators a{p}_{j} of <paramref name="pixels"/> pixels, the scale and
    /// shift of each lane group read from <paramref name="scale"/> and <paramref name="shift"/> at <paramref name="index"/>,
    /// the residual of pixel p from <see cref="ResidualOf"/>(<paramref name="output"/>) at <paramref name="outputIndex"/>(p),
    /// where the pixel's sums are stored.
    /// </summary>
    public void Emit(SourceWriter w, List<LaneGroup> block, int pixels, string scale, string shift, string index, string output = "", Func<int, string>? outputIndex = null)
    {
        if (Residual && outputIndex is null) throw new InvalidOperationException("a residual epilogue needs the output's index");
        using (w.Block("if (fused)"))
        {
            if (Normalize)
                w.Line(string.Join(" ", block.Select((grp, j) => $"var scale{j} = {grp.Load(scale, index)}; var shift{j} = {grp.Load(shift, index)};")));
            for (int p = 0; p < pixels; p++)
                w.Line(string.Join(" ", block.Select((grp, j) =>
                {
                    string value = Normalize ? $"a{p}_{j} * scale{j} + shift{j}" : $"a{p}_{j}";
                    if (Residual) value = $"{(Normalize ? $"({value})" : value)} + {grp.Load(ResidualOf(output), outputIndex!(p))}";
                    return $"a{p}_{j} = {(ReLU ? Activate(grp, value) : value)};";
                })));
        }
    }

    private string Activate(LaneGroup grp, string value)
    {
        // As the ReLU layer: Kernels.ReLU(span) is TensorPrimitives.Max(x, 0), IEEE's maximum (+0 above −0, NaN kept);
        // Kernels.ReLU(x, y, slope, cap) applies the overloads called here to each value.
        if (Plain) return grp.Max(grp.Zero, value);
        return grp.Width == 1
            ? $"global::Cnn.Kernels.ReLU({value}, {Slope}, {Cap})"
            : $"global::Cnn.Kernels.ReLU({value}, {grp.Vector}.Create({Slope}), {grp.Vector}.Create({Cap}))";
    }
}

/// <summary>
/// One vector path of the generated code: <see cref="Lanes"/> floats per register (16 = <c>Vector512</c>, 8 =
/// <c>Vector256</c>, 4 = <c>Vector128</c>) on a machine with <see cref="Registers"/> vector registers, which decide
/// how many accumulators a register block may keep.
/// </summary>
internal readonly record struct VectorPath(int Lanes, int Registers)
{
    /// <summary>The register size in bits: 512, 256 or 128.</summary>
    public int Bits => Lanes * 32;

    /// <summary>The method-name suffix: <c>_512</c>, <c>_256</c>, <c>_128</c>.</summary>
    public string Suffix => "_" + Format.Int(Bits);

    /// <summary>"Vector512", "Vector256", "Vector128".</summary>
    public string TypeName => "Vector" + Format.Int(Bits);

    /// <summary>
    /// Accumulator registers a block may use: 16 of AVX-512's 32 zmm; 12 of 16 ymm or xmm (AVX2, SSE; as in a 6x16
    /// BLIS micro-kernel); 24 of ARM64's 32 q registers, which leaves 8 for the filter vectors and the broadcasts.
    /// </summary>
    public int AccumulatorBudget => Registers < 32 ? 12 : Lanes >= 16 ? 16 : 24;

    /// <summary>Vector registers of filters per block.</summary>
    public int FilterRegisters => Registers < 32 ? 2 : 4;
}

/// <summary>
/// The vector paths a build may take at run time: the register widths in lanes, widest first, and the register
/// count of the machines that take the 128-bit path (32 on ARM64 and in WebAssembly engines that run there, 16
/// on x64 without AVX2).
/// </summary>
internal sealed record KernelTarget(EquatableArray<int> Lanes, int Registers128)
{
    /// <summary>Any machine: all three widths, the 128-bit path blocked for ARM64's 32 registers.</summary>
    public static KernelTarget Default { get; } = new(new EquatableArray<int>(new[] { 16, 8, 4 }), 32);

    /// <summary>
    /// The paths for a build for <paramref name="runtimeIdentifier"/> (the MSBuild property; empty for a portable
    /// build), or the widths listed in <paramref name="vectorWidths"/> (the <c>CnnVectorWidths</c> property, bits
    /// separated by <c>;</c> or <c>,</c>) when set. ARM64 and WebAssembly have 128-bit vectors only; x64 and x86
    /// may take any width; an unknown or empty identifier keeps all three.
    /// </summary>
    public static KernelTarget From(string? runtimeIdentifier, string? vectorWidths)
    {
        string rid = (runtimeIdentifier ?? "").Trim().ToLowerInvariant();
        string architecture = rid.Length == 0 ? "" : rid.Substring(rid.LastIndexOf('-') + 1);
        bool x86 = architecture is "x64" or "x86";
        int registers128 = x86 ? 16 : 32;
        var lanes = new List<int>();
        foreach (string part in (vectorWidths ?? "").Split(';', ','))
        {
            int bits = part.Trim() switch { "512" => 512, "256" => 256, "128" => 128, _ => 0 };
            if (bits > 0 && !lanes.Contains(bits / 32)) lanes.Add(bits / 32);
        }
        if (lanes.Count == 0)
            lanes.AddRange(architecture is "arm64" or "wasm" or "arm" ? new[] { 4 } : new[] { 16, 8, 4 });
        lanes.Sort((a, b) => b.CompareTo(a));
        return new KernelTarget(new EquatableArray<int>(lanes.ToArray()), registers128);
    }
}

/// <summary>
/// Writes the register-blocked loops of the convolution, its weight gradient, and pooling. Each kernel is
/// written for one <see cref="VectorPath"/>; the callers emit a version per path of the target (<c>Vector512</c>,
/// <c>Vector256</c>, <c>Vector128</c>) and choose between them with <c>Kernels.VectorWidth</c>, which the JIT
/// folds to a constant.
/// </summary>
/// <remarks>
/// The structure: a block of P output pixels by up to four vector registers of filters keeps P·4 accumulators
/// in registers while the kernel window is walked once. Every tap loads the filter vectors once and
/// broadcasts one input value per pixel, so each load feeds several fused multiply-adds.
/// </remarks>
internal static partial class SimdKernels
{
    /// <summary>The file-level aliases the kernels are written with.</summary>
    public static readonly string[] Usings =
    {
        "using V128 = global::System.Runtime.Intrinsics.Vector128;",
        "using V256 = global::System.Runtime.Intrinsics.Vector256;",
        "using V512 = global::System.Runtime.Intrinsics.Vector512;",
        "using Unsafe = global::System.Runtime.CompilerServices.Unsafe;",
        "using MemoryMarshal = global::System.Runtime.InteropServices.MemoryMarshal;",
    };

    /// <summary>
    /// Splits <paramref name="channels"/> into blocks of lane groups of at most <paramref name="perBlock"/> registers of
    /// <paramref name="width"/> lanes. A convolution's blocks have <see cref="VectorPath.FilterRegisters"/> (or half, see
    /// <see cref="WideBlockRegisters"/>); with a single pixel (a dense layer) a block takes the whole accumulator budget,
    /// so that enough independent FMA chains are in flight to hide their latency.
    /// </summary>
    private static List<List<LaneGroup>> Blocks(int channels, int width, int perBlock)
    {
        List<LaneGroup> groups = LaneGroup.Split(channels, width);
        var blocks = new List<List<LaneGroup>>();
        for (int i = 0; i < groups.Count; i += perBlock)
            blocks.Add(groups.Skip(i).Take(perBlock).ToList());
        return blocks;
    }

    /// <summary>Pixels per block: as many as the accumulator budget allows for the widest filter block.</summary>
    private static int PixelsPerBlock(int registers, VectorPath path, int available) =>
        Math.Max(1, Math.Min(Math.Min(8, available), path.AccumulatorBudget / Math.Max(1, registers)));

    /// <summary>
    /// The versions to emit of a kernel whose lane groups split <paramref name="channelCounts"/>, widest first: one per
    /// width of the target, except that a width wider than every count would give the code of the next narrower
    /// one (no group can use it) and is left out; its calls take the narrower version. A 128-bit version that also
    /// serves the wider paths of x64 is blocked for 16 registers.
    /// </summary>
    public static List<VectorPath> Paths(KernelTarget target, params int[] channelCounts)
    {
        int widest = channelCounts.Max();
        var paths = new List<VectorPath>();
        foreach (int lanes in target.Lanes)
        {
            int used = lanes;
            while (used > 4 && used > widest) used /= 2;
            int registers = used == 16 ? 32 : used == 8 || lanes > 4 ? 16 : target.Registers128;
            int at = paths.FindIndex(p => p.Lanes == used);
            if (at < 0) paths.Add(new VectorPath(used, registers));
            else if (registers < paths[at].Registers) paths[at] = new VectorPath(used, registers);
        }
        return paths;
    }

    /// <summary>
    /// Writes <c>if (Kernels.VectorWidth &gt;= 512) name_512(args); else if (.. &gt;= 256) name_256(args); else name_128(args);</c>
    /// over the versions emitted, or one call when there is one. The width is a static readonly field, a constant to the JIT.
    /// </summary>
    public static void EmitDispatch(SourceWriter w, string name, string arguments, List<VectorPath> paths)
    {
        if (paths.Count == 1)
        {
            w.Line($"{name}{paths[0].Suffix}({arguments});");
            return;
        }
        for (int i = 0; i < paths.Count; i++)
        {
            string call = $"{name}{paths[i].Suffix}({arguments});";
            w.Line(i == 0 ? $"if ({Names.Kernels}.VectorWidth >= {paths[i].Bits}) {call}"
                 : i < paths.Count - 1 ? $"else if ({Names.Kernels}.VectorWidth >= {paths[i].Bits}) {call}"
                 : $"else {call}");
        }
    }

    /// <summary>
    /// Writes the attribute every kernel carries: compiled fully optimized at its first call instead of as slow
    /// tier-0 code first, so that a program's first thousands of calls run at full speed. Kernels never read
    /// <c>Kernels.VectorWidth</c> (such a method may be compiled before the field is initialised, and would then not
    /// fold it); their callers choose the width, and those tier up as usual.
    /// </summary>
    public static void EmitOptimizedAtOnce(SourceWriter w) =>
        w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]");

    /// <summary>
    /// Emits <c>name_{width}(ref x, ref k, ref b, ref y)</c>: y[oy, ox, f] = act(b[f] + Σ_ky Σ_r x[oy·sh + ky, ox·sw, r] · k[ky, r, f])
    /// where r runs over the kw·c contiguous taps of one kernel row.
    /// </summary>
    /// <remarks>
    /// With <paramref name="zeroRows"/> &gt; 0 the input is known to be zero outside rows [zeroRows, InHeight - zeroRows)
    /// (the framed output gradient of the input-gradient pass), and the kernel rows that would only meet those
    /// zeros are skipped. <paramref name="wideBlocks"/> lets a layer's forward kernel take <see cref="WideBlockRegisters"/>;
    /// the backward passes keep the usual blocks (the seed model's training ran 10 % slower on 2 threads with its input
    /// gradient in the wider blocks, in one series of A/B runs).
    /// </remarks>
    public static void EmitConvolution(SourceWriter w, string name, ConvGeometry g, VectorPath path, bool bias, bool relu, string summary, int zeroRows = 0,
        Epilogue? epilogue = null, bool wideBlocks = false)
    {
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float x, ref float k, ref float b, ref float y{Epilogue.Parameters(epilogue)})"))
        {
            string Move(string output) => MoveToFilter("k", output, bias, epilogue);
            int perBlock = wideBlocks ? WideBlockRegisters(g, path) : path.FilterRegisters;
            if (ReadsInChunks(g))
            {
                // The weights outgrow the L2 cache: read them once, in order, a chunk of taps at a time.
                EmitTapChunks(w, g, path, perBlock, bias, relu, zeroRows, epilogue);
                return;
            }
            if (FiltersOutside(g, path, perBlock) is int registers)
            {
                // The same with a horizontal dilation (kernel rows are not contiguous runs of taps): each block of filters,
                // its weights kept in cache, runs over all rows.
                w.Line($"// {Format.Thousands((long)g.KernelHeight * g.Taps * g.Filters * 4 / 1024)} KiB of weights: one block of filters at a time over every output row, so that its weights stay in cache.");
                EmitFilterBlocks(w, path, Blocks(g.Filters, path.Lanes, registers), Move("y"),
                    (block, inLoop) =>
                    {
                        using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
                        {
                            ConvolutionRow(w, g, zeroRows, inLoop ? "yf" : "y", epilogue);
                            ConvolutionPixels(w, g, block, path, bias, relu, zeroRows > 0,
                                inLoop ? ConvRefs.Moved("yRow") : ConvRefs.Whole("yRow"), epilogue, blockLoop: inLoop);
                        }
                    });
                return;
            }
            using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
            {
                ConvolutionRow(w, g, zeroRows, "y", epilogue);
                EmitFilterBlocks(w, path, Blocks(g.Filters, path.Lanes, g.OutWidth == 1 ? path.AccumulatorBudget : perBlock), Move("yRow"),
                    (block, inLoop) => ConvolutionPixels(w, g, block, path, bias, relu, zeroRows > 0,
                        inLoop ? ConvRefs.Moved("yf") : ConvRefs.Whole("yRow"), epilogue, blockLoop: inLoop));
            }
        }
    }

    /// <summary>
    /// Weights beyond this many bytes are read from L2 rather than from the L1 data cache (32–48 KiB on today's x64 and
    /// ARM64 cores) for most of their taps, and the blocks of <see cref="WideBlockRegisters"/> pay. Just above L1 it was
    /// not steady in an A/B on 12-01 (the seed model's 72 KiB convolution 10 % slower, MobileNetV1's 64 KiB ones 10 %
    /// faster); from here on resnet18 (0.14–2.3 MiB) was 8 % faster and mobilenet_v2 3–5 %.
    /// </summary>
    private const long L1WeightBytes = 96 * 1024;

    /// <summary>
    /// Filter registers per block: the path's <see cref="VectorPath.FilterRegisters"/>, or half of them when the weights
    /// outgrow L1 and a row has pixels to spare. Each tap's weight vectors then come from L2, and a block of half the
    /// filters and twice the pixels makes each loaded weight feed twice the multiply-adds (resnet18 at 224: 10 % faster).
    /// </summary>
    private static int WideBlockRegisters(ConvGeometry g, VectorPath path)
    {
        long weightBytes = (long)g.KernelHeight * g.Taps * g.Filters * 4;
        bool morePixels = g.OutWidth > PixelsPerBlock(path.FilterRegisters, path, g.OutWidth);
        return weightBytes > L1WeightBytes && morePixels ? Math.Max(1, path.FilterRegisters / 2) : path.FilterRegisters;
    }

    /// <summary>Weights beyond this many bytes (an L2 cache of today's x64 and ARM64 cores) are read in chunks of taps (<see cref="EmitTapChunks"/>), or one block of filters at a time over all rows.</summary>
    private const long CachedWeightBytes = 1024 * 1024;

    /// <summary>The most weight bytes one such block of filters may have, so that it stays in L2 with the input rows beside it.</summary>
    private const long BlockWeightBytes = 640 * 1024;

    /// <summary>
    /// For a convolution whose weights exceed <see cref="CachedWeightBytes"/>, which has more than one output row and does not
    /// read them in chunks of taps (<see cref="ReadsInChunks"/>: a horizontal dilation, or kernel rows shorter than a chunk): the
    /// filter registers per block, <paramref name="perBlock"/> halved while one block's weights exceed <see cref="BlockWeightBytes"/>; else null
    /// (rows outside, filter blocks inside, as for small layers, where every weight is in cache anyway).
    /// </summary>
    private static int? FiltersOutside(ConvGeometry g, VectorPath path, int perBlock)
    {
        long perFilter = (long)g.KernelHeight * g.Taps * 4;
        if (g.OutHeight == 1 || perFilter * g.Filters <= CachedWeightBytes) return null;
        int registers = perBlock;
        while (registers > 1 && perFilter * registers * path.Lanes > BlockWeightBytes) registers /= 2;
        return registers;
    }

    /// <summary>
    /// The references a loop over filter blocks moves to its block's first filter f0: <c>kf</c> from <paramref name="kernel"/>,
    /// <c>bf</c> (with a bias), <c>sf</c> and <c>tf</c> (with a normalisation on the way out), <c>yf</c> from <paramref name="output"/>.
    /// </summary>
    private static string MoveToFilter(string kernel, string output, bool bias, Epilogue? epilogue) => string.Join(" ", new[]
    {
        $"ref float kf = ref Unsafe.Add(ref {kernel}, f0);",
        bias ? "ref float bf = ref Unsafe.Add(ref b, f0);" : "",
        epilogue is { Normalize: true } ? "ref float sf = ref Unsafe.Add(ref scale, f0); ref float tf = ref Unsafe.Add(ref shift, f0);" : "",
        $"ref float yf = ref Unsafe.Add(ref {output}, f0);",
        epilogue is { Residual: true } ? $"ref float resf = ref Unsafe.Add(ref {Epilogue.ResidualOf(output)}, f0);" : "",
    }.Where(part => part.Length > 0));

    /// <summary>Output row oy's reference from <paramref name="output"/> (<c>yRow</c>), and the residual's beside it when the epilogue adds one.</summary>
    private static void OutputRow(SourceWriter w, ConvGeometry g, string output, Epilogue? epilogue)
    {
        w.Line($"ref float yRow = ref Unsafe.Add(ref {output}, oy * {g.OutWidth * g.Filters});");
        if (epilogue is { Residual: true })
            w.Line($"ref float resRow = ref Unsafe.Add(ref {Epilogue.ResidualOf(output)}, oy * {g.OutWidth * g.Filters});");
    }

    /// <summary>The references to output row oy's first input row and first output (from <paramref name="output"/>), and its kernel-row bounds.</summary>
    private static void ConvolutionRow(SourceWriter w, ConvGeometry g, int zeroRows, string output, Epilogue? epilogue)
    {
        w.Line($"ref float xRow = ref Unsafe.Add(ref x, oy * {g.StrideHeight * g.InRow});");
        OutputRow(w, g, output, epilogue);
        if (zeroRows > 0)
        {
            w.Line($"// Input rows above {zeroRows} and from {g.InHeight - zeroRows} on are zeros: skip the kernel rows that meet only them.");
            w.Line($"int ky0 = global::System.Math.Max(0, {zeroRows} - oy), ky1 = global::System.Math.Min({g.KernelHeight}, {g.InHeight - zeroRows} - oy);");
        }
    }

    /// <summary>Runs of this many identical filter blocks or more become a loop, so that code size does not grow with the filter count.</summary>
    private const int LoopBlocks = 5;

    /// <summary>
    /// The same for the 128-bit versions: from 2 blocks on. They need twice the blocks of the wider versions for the
    /// same filters, and run where code size costs most (ARM boards, WebAssembly downloads); a loop costs an add
    /// and a compare per block of 16·P multiply-adds per tap.
    /// </summary>
    private const int LoopBlocks128 = 2;

    /// <summary>
    /// Emits <paramref name="body"/> for each filter block in turn, except that a run of <see cref="LoopBlocks"/> (<see cref="LoopBlocks128"/>) or more
    /// identical blocks becomes one loop over <c>f0</c>: its body first declares the references moved to the block's
    /// first filter (<paramref name="moveReferences"/>), then emits the block rebased to filter 0 (inLoop = true).
    /// </summary>
    private static void EmitFilterBlocks(SourceWriter w, VectorPath path, List<List<LaneGroup>> blocks, string moveReferences, Action<List<LaneGroup>, bool> body)
    {
        foreach (BlockRun run in Runs(blocks))
        {
            if (run.Count < (path.Lanes == 4 ? LoopBlocks128 : LoopBlocks))
            {
                foreach (List<LaneGroup> block in run.Blocks)
                    body(block, false);
                continue;
            }
            // Many blocks alike: one loop over them, its references moved to the block's first filter.
            w.Line($"// filters {run.First} .. {run.First + run.Count * run.Span - 1}: {run.Count} blocks of {run.Span}, one at a time");
            using (w.Block($"for (int f0 = {run.First}; f0 < {run.First + run.Count * run.Span}; f0 += {run.Span})"))
            {
                w.Line(moveReferences);
                body(run.Rebased, true);
            }
        }
    }

    /// <summary>Where pixel ox + <paramref name="p"/> of an output row starts: <c>(ox + p) * filters</c>.</summary>
    private static string OutputIndex(ConvGeometry g, int p) => $"{(p == 0 ? "ox" : $"(ox + {p})")} * {g.Filters}";

    /// <summary>The names of the kernel, bias, output-row, scale and shift references a convolution block reads and writes.</summary>
    private readonly record struct ConvRefs(string Kernel, string Bias, string Output, string Scale, string Shift)
    {
        /// <summary>The kernel's own parameters, for blocks at their filters' offsets.</summary>
        public static ConvRefs Whole(string output) => new("k", "b", output, "scale", "shift");

        /// <summary>The references moved to a loop block's first filter.</summary>
        public static ConvRefs Moved(string output) => new("kf", "bf", output, "sf", "tf");
    }

    /// <summary>
    /// Consecutive filter blocks of the same lane widths: <see cref="Count"/> blocks of <see cref="Span"/> filters
    /// from filter <see cref="First"/> on.
    /// </summary>
    private sealed record BlockRun(List<List<LaneGroup>> Blocks)
    {
        public int First => Blocks[0][0].Offset;
        public int Count => Blocks.Count;
        public int Span => Blocks[0].Sum(x => x.Width);

        /// <summary>The first block with offsets counted from its first filter.</summary>
        public List<LaneGroup> Rebased => Blocks[0].Select(x => new LaneGroup(x.Offset - First, x.Width)).ToList();
    }

    private static List<BlockRun> Runs(List<List<LaneGroup>> blocks)
    {
        var runs = new List<BlockRun>();
        foreach (List<LaneGroup> block in blocks)
        {
            if (runs.Count > 0 && runs[runs.Count - 1].Blocks[0].Select(x => x.Width).SequenceEqual(block.Select(x => x.Width)))
                runs[runs.Count - 1].Blocks.Add(block);
            else
                runs.Add(new BlockRun(new List<List<LaneGroup>> { block }));
        }
        return runs;
    }

    /// <summary>One filter block over all output pixels of a row: P pixels at a time, then the rest.</summary>
    private static void ConvolutionPixels(SourceWriter w, ConvGeometry g, List<LaneGroup> block, VectorPath path, bool bias, bool relu, bool rowBounds, ConvRefs refs,
        Epilogue? epilogue, bool blockLoop = false)
    {
        List<StepRun> steps = Steps(g.OutWidth, PixelsPerBlock(block.Count, path, g.OutWidth));
        string filters = blockLoop ? "" : (block[0].Offset == 0 && block.Sum(x => x.Width) == g.Filters
            ? "all filters: " : $"filters {block[0].Offset} .. {block[block.Count - 1].Offset + block[block.Count - 1].Width - 1}: ");
        w.Line($"// {filters}{Describe(steps, "output pixel")}");
        EmitSteps(w, "ox", steps, pixels => ConvolutionBlock(w, g, block, path, pixels, bias, relu, rowBounds, refs, epilogue));
    }

    /// <summary>
    /// <see cref="Count"/> steps of <see cref="Size"/> output pixels (or taps) from <see cref="First"/> on.
    /// </summary>
    private readonly record struct StepRun(int First, int Count, int Size);

    /// <summary>
    /// Splits <paramref name="total"/> into the fewest steps of at most <paramref name="most"/>, as even as possible
    /// (26 by 8 is 7, 7, 6, 6, not 8, 8, 8, 2): a short last step would keep too few accumulators busy.
    /// </summary>
    private static List<StepRun> Steps(int total, int most)
    {
        int count = (total + most - 1) / most, size = total / count, longer = total % count;
        var runs = new List<StepRun>();
        if (longer > 0) runs.Add(new StepRun(0, longer, size + 1));
        if (count > longer) runs.Add(new StepRun(longer * (size + 1), count - longer, size));
        return runs;
    }

    private static string Describe(List<StepRun> steps, string what) =>
        $"{steps[0].Size} {what}{(steps[0].Size == 1 ? "" : "s")} at a time{(steps.Count > 1 ? $" ({steps[0].Count}x), then {steps[1].Size} ({steps[1].Count}x)" : "")}";

    /// <summary>Writes each run of steps as a constant <paramref name="variable"/> (one step) or a loop over it.</summary>
    private static void EmitSteps(SourceWriter w, string variable, List<StepRun> steps, Action<int> body)
    {
        foreach (StepRun run in steps)
        {
            if (run.Count == 1)
            {
                using (w.Block())
                {
                    w.Line($"const int {variable} = {run.First};");
                    body(run.Size);
                }
                continue;
            }
            using (w.Block($"for (int {variable} = {run.First}; {variable} < {run.First + run.Count * run.Size}; {variable} += {run.Size})"))
                body(run.Size);
        }
    }

    /// <summary>Kernel rows with at most this many taps are unrolled (the first convolution of a one-channel image).</summary>
    private const int UnrollTaps = 4;

    /// <summary>One tap: load the filter vectors once, then one broadcast input value and its FMAs per pixel.</summary>
    private static void ConvolutionTap(SourceWriter w, ConvGeometry g, List<LaneGroup> block, int pixels, int tap)
    {
        w.Line(string.Join(" ", block.Select((grp, j) => $"var w{j} = {grp.Load("kr", Format.Int(tap * g.Filters))};")));
        for (int p = 0; p < pixels; p++)
        {
            int offset = tap + p * g.StrideWidth * g.InChannels;
            EmitBroadcastFmas(w, block, p, offset == 0 ? "xr" : $"Unsafe.Add(ref xr, {offset})", "w");
        }
    }

    /// <summary><paramref name="count"/> consecutive taps from <c>xr</c> and <c>kr</c> on, both moved along as they go.</summary>
    private static void TapLoop(SourceWriter w, ConvGeometry g, List<LaneGroup> block, int pixels, string count)
    {
        using (w.Block($"for (int r = 0; r < {count}; r++)"))
        {
            ConvolutionTap(w, g, block, pixels, 0);
            w.Line("xr = ref Unsafe.Add(ref xr, 1);");
            w.Line($"kr = ref Unsafe.Add(ref kr, {g.Filters});");
        }
    }

    /// <summary>Tap <paramref name="tap"/> after <c>xr</c> and <c>kr</c> of a single output pixel, into partial sum <paramref name="tap"/>.</summary>
    private static void PartialSumTap(SourceWriter w, ConvGeometry g, List<LaneGroup> block, int tap)
    {
        w.Line(string.Join(" ", block.Select((grp, j) => $"var w{j} = {grp.Load("kr", Format.Int(tap * g.Filters))};")));
        EmitBroadcastFmas(w, block, tap, tap == 0 ? "xr" : $"Unsafe.Add(ref xr, {tap})", "w");
    }

    /// <summary>"the last tap", "the last 3 taps".</summary>
    private static string Last(int count, string what) => count == 1 ? $"the last {what}" : $"the last {count} {what}s";

    /// <summary>(a + b) + (c + d): the partial sums added as a tree.</summary>
    private static string PairwiseSum(List<string> terms) =>
        terms.Count == 1 ? terms[0] : $"({PairwiseSum(terms.Take(terms.Count / 2).ToList())} + {PairwiseSum(terms.Skip(terms.Count / 2).ToList())})";

    /// <summary>
    /// One line: the scalar <paramref name="value"/> broadcast (once per vector width in the block) and multiplied
    /// into accumulator row <paramref name="row"/>: <c>var x0 = V256.Create(..); a0_0 = FMA(x0, w0, a0_0); ...</c>.
    /// </summary>
    private static void EmitBroadcastFmas(SourceWriter w, List<LaneGroup> block, int row, string value, string vectorPrefix)
    {
        var statements = new List<string>();
        var broadcasts = new Dictionary<int, string>();
        for (int j = 0; j < block.Count; j++)
        {
            LaneGroup grp = block[j];
            if (!broadcasts.TryGetValue(grp.Width, out string? v))
            {
                v = $"x{row}{(broadcasts.Count == 0 ? "" : "_" + grp.Width)}";
                broadcasts[grp.Width] = v;
                statements.Add($"var {v} = {grp.Broadcast(value)};");
            }
            statements.Add($"a{row}_{j} = {grp.Fma(v, $"{vectorPrefix}{j}", $"a{row}_{j}")};");
        }
        w.Line(string.Join(" ", statements));
    }

    private static void ConvolutionBlock(SourceWriter w, ConvGeometry g, List<LaneGroup> block, VectorPath path, int pixels, bool bias, bool relu, bool rowBounds, ConvRefs refs,
        Epilogue? epilogue)
    {
        w.Line($"ref float window = ref Unsafe.Add(ref xRow, ox * {g.StrideWidth * g.InChannels});");
        for (int p = 0; p < pixels; p++)
            w.Line(string.Join(" ", block.Select((grp, j) => $"var a{p}_{j} = {(bias ? grp.Load(refs.Bias, "0") : grp.Zero)};")));
        // One output pixel (a dense layer) with few filters: split the sum over the taps into partial sums, so that
        // enough independent FMA chains are in flight.
        int split = pixels == 1 && g.OutWidth == 1 && g.RunTaps > UnrollTaps ? Math.Min(4, path.AccumulatorBudget / block.Count) : 1;
        for (int s = 1; s < split; s++)
            w.Line(string.Join(" ", block.Select((grp, j) => $"var a{s}_{j} = {grp.Zero};")));
        using (w.Block(rowBounds ? "for (int ky = ky0; ky < ky1; ky++)" : $"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
        using (g.ColumnRuns ? w.Block($"for (int kx = 0; kx < {g.KernelWidth}; kx++)") : (SourceWriter.Scope?)null)
        {
            if (g.ColumnRuns)
            {
                // Dilated: kernel column kx reads the input dw pixels further on; its c taps are contiguous in x and in k.
                w.Line($"ref float xr = ref Unsafe.Add(ref window, ky * {g.DilationHeight * g.InRow} + kx * {g.DilationWidth * g.InChannels});");
                w.Line($"ref float kr = ref Unsafe.Add(ref {refs.Kernel}, (ky * {g.KernelWidth} + kx) * {g.InChannels * g.Filters});");
            }
            else
            {
                // The taps of one kernel row are contiguous in x and in k: walk them with two moving references.
                w.Line($"ref float xr = ref Unsafe.Add(ref window, ky * {g.DilationHeight * g.InRow});");
                w.Line($"ref float kr = ref Unsafe.Add(ref {refs.Kernel}, ky * {g.Taps * g.Filters});");
            }
            if (g.RunTaps <= UnrollTaps)
            {
                for (int r = 0; r < g.RunTaps; r++)
                {
                    using (w.Block())
                        ConvolutionTap(w, g, block, pixels, r);
                }
            }
            else if (split > 1)
            {
                int rest = g.RunTaps % split;
                w.Line($"// {split} partial sums, over taps r + 0 .. r + {split - 1}{(rest > 0 ? $", then {Last(rest, "tap")}" : "")}");
                using (w.Block($"for (int r = 0; r < {g.RunTaps - rest}; r += {split})"))
                {
                    for (int t = 0; t < split; t++)
                        using (w.Block())
                            PartialSumTap(w, g, block, t);
                    w.Line($"xr = ref Unsafe.Add(ref xr, {split});");
                    w.Line($"kr = ref Unsafe.Add(ref kr, {split * g.Filters});");
                }
                for (int t = 0; t < rest; t++)
                    using (w.Block())
                        PartialSumTap(w, g, block, t);
            }
            else
            {
                TapLoop(w, g, block, pixels, Format.Int(g.RunTaps));
            }
        }
        if (split > 1)
            w.Line(string.Join(" ", block.Select((grp, j) => $"a0_{j} = {PairwiseSum(Enumerable.Range(0, split).Select(s => $"a{s}_{j}").ToList())};")));
        epilogue?.Emit(w, block, pixels, refs.Scale, refs.Shift, "0", refs.Output, p => OutputIndex(g, p));
        for (int p = 0; p < pixels; p++)
            w.Line(string.Join(" ", block.Select((grp, j) => grp.Store(relu ? grp.ReLU($"a{p}_{j}") : $"a{p}_{j}", refs.Output, OutputIndex(g, p)))));
    }

    /// <summary>
    /// Emits <c>name_{width}(ref x, ref dy, ref dk)</c>: dk[ky, r, f] += Σ_oy Σ_ox x[oy·sh + ky, ox·sw, r] · dy[oy, ox, f],
    /// blocks of taps r by blocks of filters held in registers while all output pixels stream by.
    /// </summary>
    public static void EmitKernelGradient(SourceWriter w, string name, ConvGeometry g, VectorPath path, string summary)
    {
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float x, ref float dy, ref float dk)"))
        {
            using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
            using (g.ColumnRuns ? w.Block($"for (int kx = 0; kx < {g.KernelWidth}; kx++)") : (SourceWriter.Scope?)null)
            {
                if (g.ColumnRuns)
                {
                    // Dilated: kernel column kx reads the input dw pixels further on; its c taps are contiguous.
                    w.Line($"ref float xk = ref Unsafe.Add(ref x, ky * {g.DilationHeight * g.InRow} + kx * {g.DilationWidth * g.InChannels});");
                    w.Line($"ref float dkRow = ref Unsafe.Add(ref dk, (ky * {g.KernelWidth} + kx) * {g.InChannels * g.Filters});");
                }
                else
                {
                    w.Line($"ref float xk = ref Unsafe.Add(ref x, ky * {g.DilationHeight * g.InRow});");
                    w.Line($"ref float dkRow = ref Unsafe.Add(ref dk, ky * {g.Taps * g.Filters});");
                }
                // Few taps per kernel row (a one-channel input): hold more filters instead, to fill the registers.
                int registers = Math.Max(path.FilterRegisters, path.AccumulatorBudget / Math.Max(1, g.RunTaps));
                EmitFilterBlocks(w, path, Blocks(g.Filters, path.Lanes, registers),
                    "ref float dyf = ref Unsafe.Add(ref dy, f0); ref float dkf = ref Unsafe.Add(ref dkRow, f0);",
                    (block, inLoop) => KernelGradientTaps(w, g, block, path, inLoop ? "dyf" : "dy", inLoop ? "dkf" : "dkRow"));
            }
        }
    }

    /// <summary>One filter block over all taps of a kernel row: T taps at a time, then the rest.</summary>
    private static void KernelGradientTaps(SourceWriter w, ConvGeometry g, List<LaneGroup> block, VectorPath path, string dy, string dk)
    {
        List<StepRun> steps = Steps(g.RunTaps, PixelsPerBlock(block.Count, path, g.RunTaps));
        w.Line($"// {Describe(steps, "tap")}");
        EmitSteps(w, "r", steps, taps => KernelGradientBlock(w, g, block, path, taps, dy, dk));
    }

    private static void KernelGradientBlock(SourceWriter w, ConvGeometry g, List<LaneGroup> block, VectorPath path, int taps, string dy, string dk)
    {
        // Few taps by few filters (a one-channel input) leave registers free: keep separate sums for
        // neighbouring output pixels, so that more independent FMA chains are in flight.
        int split = Math.Max(1, Math.Min(Math.Min(4, g.OutWidth), path.AccumulatorBudget / (taps * block.Count)));
        for (int t = 0; t < taps * split; t++)
            w.Line(string.Join(" ", block.Select((grp, j) => $"var a{t}_{j} = {grp.Zero};")));
        int step = g.StrideWidth * g.InChannels, rest = g.OutWidth % split;
        using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
        {
            w.Line($"ref float xp = ref Unsafe.Add(ref xk, oy * {g.StrideHeight * g.InRow} + r);");
            w.Line($"ref float gp = ref Unsafe.Add(ref {dy}, oy * {g.OutWidth * g.Filters});");
            if (split > 1)
                w.Line($"// {split} partial sums, for output pixels ox + 0 .. ox + {split - 1}{(rest > 0 ? $", then {Last(rest, "pixel")}" : "")}");
            using (split == 1 ? w.Block($"for (int ox = 0; ox < {g.OutWidth}; ox++)")
                   : g.OutWidth - rest == split ? w.Block() // one step: no loop
                   : w.Block($"for (int ox = 0; ox < {g.OutWidth - rest}; ox += {split})"))
            {
                for (int s = 0; s < split; s++)
                    KernelGradientPixel(w, g, block, taps, s, scoped: split > 1);
                w.Line($"xp = ref Unsafe.Add(ref xp, {split * step});");
                w.Line($"gp = ref Unsafe.Add(ref gp, {split * g.Filters});");
            }
            for (int s = 0; s < rest; s++)
                KernelGradientPixel(w, g, block, taps, s, scoped: true);
        }
        if (split > 1)
        {
            for (int t = 0; t < taps; t++)
                w.Line(string.Join(" ", block.Select((grp, j) => $"a{t}_{j} = {PairwiseSum(Enumerable.Range(0, split).Select(s => $"a{s * taps + t}_{j}").ToList())};")));
        }
        for (int t = 0; t < taps; t++)
        {
            string index = t == 0 ? $"r * {g.Filters}" : $"(r + {t}) * {g.Filters}";
            w.Line(string.Join(" ", block.Select((grp, j) => grp.Store($"{grp.Load(dk, index)} + a{t}_{j}", dk, index))));
        }
    }

    /// <summary>Output pixel <c>ox + <paramref name="pixel"/></c>: its dy vectors times each tap's input, into partial sum set <paramref name="pixel"/>.</summary>
    private static void KernelGradientPixel(SourceWriter w, ConvGeometry g, List<LaneGroup> block, int taps, int pixel, bool scoped)
    {
        using SourceWriter.Scope? scope = scoped ? w.Block() : null;
        int offset = pixel * g.StrideWidth * g.InChannels;
        w.Line(string.Join(" ", block.Select((grp, j) => $"var g{j} = {grp.Load("gp", Format.Int(pixel * g.Filters))};")));
        for (int t = 0; t < taps; t++)
            EmitBroadcastFmas(w, block, pixel * taps + t, offset + t == 0 ? "xp" : $"Unsafe.Add(ref xp, {offset + t})", "g");
    }
}

/// <summary>
/// A valid pooling window in HWC layout: <see cref="Height"/>x<see cref="Width"/> cells, each a run of
/// <see cref="Channels"/> floats, rows <see cref="RowStride"/> floats apart.
/// </summary>
internal readonly record struct PoolWindow(int Height, int Width, int RowStride, int Channels)
{
    /// <summary>Windows of at most this many cells are unrolled; larger ones are loops, so code size stays bounded.</summary>
    public const int MaxUnrolledCells = 16;

    public int Cells => Height * Width;

    public bool Unrolled => Cells <= MaxUnrolledCells;

    /// <summary>The constant offset of cell (py, px) from the window's first float.</summary>
    public string Cell(int py, int px) => Format.Int(py * RowStride + px * Channels);

    /// <summary>The offset of channel <paramref name="c"/> of cell (py, px), in the loop variables py and px.</summary>
    public string LoopCell(string c) => $"py * {RowStride} + px * {Channels}{(c == "0" ? "" : " + " + c)}";

    /// <summary>Opens <c>for (py) for (px)</c> over the window's cells.</summary>
    public SourceWriter.Scope Loops(SourceWriter w)
    {
        w.Block($"for (int py = 0; py < {Height}; py++)");
        w.Block($"for (int px = 0; px < {Width}; px++)");
        return SourceWriter.Scope.Nested(w, 2);
    }
}

/// <summary>The SIMD bodies of pooling, one vector per group of channels of one output pixel.</summary>
internal static class SimdPooling
{
    /// <summary>
    /// Emits the body of a valid pooling window over all channels of one output pixel: <c>o = max (or mean) of the
    /// cells</c> read from <c>ref xs</c>, one vector per group of channels.
    /// </summary>
    public static void EmitPoolPixel(SourceWriter w, PoolWindow window, int width, bool max, string output) =>
        ForEachGroup(w, window.Channels, width, (grp, c) => PoolGroup(w, grp, c, window, max, output), scoped: false);

    /// <summary>
    /// Emits the max of one output pixel over the window cells py0 .. py1 - 1, px0 .. px1 - 1 from input cell (iy, ix) of
    /// <c>ref x</c> (rows of <paramref name="rowStride"/> floats), starting from 0: the cells of a zero padding that the
    /// window also covers. Writes <c>ref o</c>.
    /// </summary>
    public static void EmitPoolPixelInside(SourceWriter w, int channels, int rowStride, int width) =>
        ForEachGroup(w, channels, width, (grp, c) =>
        {
            string m = $"m{grp.Offset}";
            w.Line($"var {m} = {grp.Zero};");
            using (w.Block("for (int py = py0; py < py1; py++)"))
            using (w.Block("for (int px = px0; px < px1; px++)"))
                w.Line($"{m} = {grp.Max(m, grp.Load("x", $"(iy + py) * {rowStride} + (ix + px) * {channels} + {c}"))};");
            w.Line(grp.Store(m, "o", c));
        }, scoped: true);

    /// <summary>
    /// Emits the gradient of max pooling for one output pixel of a whole window: each channel's gradient goes to
    /// the first cell (row-major) that holds the window's maximum, as in the scalar code and PyTorch.
    /// Reads <c>ref xs</c> and <c>ref gs</c>, adds into <c>ref ds</c>.
    /// </summary>
    public static void EmitMaxBackwardPixel(SourceWriter w, PoolWindow window, int width) =>
        ForEachGroup(w, window.Channels, width, (grp, c) =>
        {
            if (window.Unrolled) MaxBackwardGroup(w, grp, c, window);
            else MaxBackwardGroupLoop(w, grp, c, window);
        }, scoped: true);

    /// <summary>A loop over the widest groups keeps the code short for many channels; the narrower rest is unrolled.</summary>
    private static void ForEachGroup(SourceWriter w, int channels, int width, Action<LaneGroup, string> body, bool scoped)
    {
        List<LaneGroup> groups = LaneGroup.Split(channels, width);
        LaneGroup first = groups[0];
        int full = groups.Count(g => g.Width == first.Width);
        if (full > 1)
        {
            using (w.Block($"for (int c = 0; c < {full * first.Width}; c += {first.Width})"))
                body(new LaneGroup(0, first.Width), "c");
        }
        foreach (LaneGroup grp in groups.Skip(full > 1 ? full : 0))
        {
            if (!scoped)
            {
                body(grp, "0");
                continue;
            }
            using (w.Block())
                body(grp, "0");
        }
    }

    private static void PoolGroup(SourceWriter w, LaneGroup grp, string c, PoolWindow window, bool max, string output)
    {
        string m = $"m{grp.Offset}";
        string mean = Format.Float(1.0 / window.Cells);
        if (!window.Unrolled)
        {
            w.Line($"var {m} = {(max ? grp.Load("xs", c) : grp.Zero)};");
            using (window.Loops(w))
            {
                string cell = grp.Load("xs", window.LoopCell(c));
                w.Line(max ? $"{m} = {grp.Max(m, cell)};" : $"{m} += {cell};");
            }
            w.Line(grp.Store(max ? m : $"{m} * {mean}", output, c));
            return;
        }
        var terms = new List<string>();
        for (int py = 0; py < window.Height; py++)
            for (int px = 0; px < window.Width; px++)
                terms.Add(grp.Load("xs", $"{window.Cell(py, px)} + {c}"));
        if (terms.Count <= 4)
        {
            string value = terms[0];
            for (int i = 1; i < terms.Count; i++)
                value = max ? grp.Max(value, terms[i]) : $"{value} + {terms[i]}";
            w.Line(grp.Store(max ? value : $"({value}) * {mean}", output, c));
            return;
        }
        // Longer windows: one cell per line.
        w.Line($"var {m} = {terms[0]};");
        for (int i = 1; i < terms.Count; i++)
            w.Line(max ? $"{m} = {grp.Max(m, terms[i])};" : $"{m} += {terms[i]};");
        w.Line(grp.Store(max ? m : $"{m} * {mean}", output, c));
    }

    private static void MaxBackwardGroup(SourceWriter w, LaneGroup grp, string c, PoolWindow window)
    {
        var cells = new List<string>();
        for (int py = 0; py < window.Height; py++)
            for (int px = 0; px < window.Width; px++)
                cells.Add($"{window.Cell(py, px)} + {c}");
        for (int i = 0; i < cells.Count; i++)
            w.Line($"var t{i} = {grp.Load("xs", cells[i])};");
        w.Line($"var m = t0;");
        for (int i = 1; i < cells.Count; i++)
            w.Line($"m = {grp.Max("m", $"t{i}")};");
        w.Line($"var g = {grp.Load("gs", c)};");
        if (grp.Width == 1)
        {
            for (int i = 0; i < cells.Count; i++)
                w.Line($"{(i == 0 ? "if" : "else if")} (t{i} == m) Unsafe.Add(ref ds, {cells[i]}{(grp.Offset > 0 ? $" + {grp.Offset}" : "")}) += g;");
            return;
        }
        w.Line($"var taken = {grp.Zero};");
        for (int i = 0; i < cells.Count; i++)
        {
            w.Line($"var e{i} = {grp.Vector}.AndNot({grp.Vector}.Equals(t{i}, m), taken);");
            w.Line(grp.Store($"{grp.Load("ds", cells[i])} + (e{i} & g)", "ds", cells[i]));
            if (i < cells.Count - 1) w.Line($"taken |= e{i};");
        }
    }

    /// <summary>The same for a large window: one pass finds the maximum, a second gives the gradient to its first cell.</summary>
    private static void MaxBackwardGroupLoop(SourceWriter w, LaneGroup grp, string c, PoolWindow window)
    {
        string cell = window.LoopCell(c);
        w.Line($"var m = {grp.Load("xs", c)};");
        using (window.Loops(w))
            w.Line($"m = {grp.Max("m", grp.Load("xs", cell))};");
        w.Line($"var g = {grp.Load("gs", c)};");
        if (grp.Width == 1)
        {
            w.Line("bool taken = false;");
            using (window.Loops(w))
            {
                w.Line($"int i = {cell};");
                w.Line($"if (!taken && {grp.Load("xs", "i")} == m) {{ {grp.Load("ds", "i")} += g; taken = true; }}");
            }
            return;
        }
        w.Line($"var taken = {grp.Zero};");
        using (window.Loops(w))
        {
            w.Line($"int i = {cell};");
            w.Line($"var e = {grp.Vector}.AndNot({grp.Vector}.Equals({grp.Load("xs", "i")}, m), taken);");
            w.Line(grp.Store($"{grp.Load("ds", "i")} + (e & g)", "ds", "i"));
            w.Line("taken |= e;");
        }
    }
}
