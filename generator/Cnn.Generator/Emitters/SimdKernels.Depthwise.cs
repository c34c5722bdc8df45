using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// A valid (unpadded) depthwise convolution that the SIMD kernels compute: every one of <see cref="Channels"/>
/// channels convolved with its own kh x kw kernel, <c>y[oy, ox, o] = Σ_ky Σ_kx x[oy·sh + ky·dh, ox·sw + kx·dw, o] · k[ky, kx, o]</c>.
/// The input is already padded (and, for a depth multiplier m, each input channel already repeated m times, so that
/// output channel o = ci·m + j reads input channel o), or, with <see cref="PadTop"/> and <see cref="PadLeft"/>, the
/// windows start that far above and left of the input and the taps outside it read zeros (<see cref="Framed"/>).
/// </summary>
internal readonly record struct DepthwiseGeometry(int InHeight, int InWidth, int Channels, int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int DilationHeight, int DilationWidth, int PadTop = 0, int PadLeft = 0)
{
    /// <summary>Floats in one input row.</summary>
    public int InRow => InWidth * Channels;

    /// <summary>Whether some window reaches outside the input (its taps there read zeros).</summary>
    public bool Framed => PadTop > 0 || PadLeft > 0
        || (OutHeight - 1) * StrideHeight + (KernelHeight - 1) * DilationHeight + 1 - PadTop > InHeight
        || (OutWidth - 1) * StrideWidth + (KernelWidth - 1) * DilationWidth + 1 - PadLeft > InWidth;

    /// <summary>Output columns whose windows start left of the input: ox·sw &lt; pl.</summary>
    public int LeftColumns => Math.Min(OutWidth, (PadLeft + StrideWidth - 1) / StrideWidth);

    /// <summary>The first output column, from <see cref="LeftColumns"/> on, whose window ends right of the input.</summary>
    public int RightColumn
    {
        get
        {
            int last = InWidth - 1 - (KernelWidth - 1) * DilationWidth + PadLeft; // the last window start that fits, plus pl
            return Math.Max(LeftColumns, Math.Min(OutWidth, last < 0 ? 0 : last / StrideWidth + 1));
        }
    }
}

internal static partial class SimdKernels
{
    /// <summary>Kernel columns up to this many are unrolled; wider kernels are a loop over kx.</summary>
    private const int UnrollColumns = 8;

    /// <summary>
    /// Channel blocks of a depthwise kernel: the widest lane groups in blocks of <paramref name="perBlock"/> registers,
    /// a run of identical blocks as one loop over <c>c0</c> (so code size does not grow with the channels), then the
    /// narrower rest as one block at constant offsets.
    /// </summary>
    private static void EmitChannelBlocks(SourceWriter w, int channels, int width, int perBlock, Action<List<LaneGroup>, string> body)
    {
        List<List<LaneGroup>> blocks = Blocks(channels, width, perBlock);
        foreach (BlockRun run in Runs(blocks))
        {
            if (run.Count == 1)
            {
                using (w.Block())
                    body(run.Blocks[0], "0");
                continue;
            }
            w.Line($"// channels {run.First} .. {run.First + run.Count * run.Span - 1}: {run.Count} blocks of {run.Span}, one at a time");
            using (w.Block($"for (int c0 = {run.First}; c0 < {run.First + run.Count * run.Span}; c0 += {run.Span})"))
                body(run.Rebased, "c0");
        }
    }

    /// <summary>"c0 + 8", "8", "c0": a channel offset as C#.</summary>
    private static string At(string c0, int offset) => c0 == "0" ? Format.Int(offset) : offset == 0 ? c0 : $"{c0} + {offset}";

    /// <summary>
    /// Emits <c>name_{width}(ref x, ref k, ref b, ref y)</c>: y[oy, ox, o] = act(b[o] + Σ_ky Σ_kx x[oy·sh + ky·dh, ox·sw + kx·dw, o] · k[ky, kx, o]).
    /// The channels of a pixel are contiguous in x, k and y: a block of P output pixels by R channel vectors stays in
    /// registers while the kernel window is walked, each tap loading its R weight vectors once for the P pixels.
    /// </summary>
    public static void EmitDepthwise(SourceWriter w, string name, DepthwiseGeometry g, VectorPath path, bool bias, bool relu, string summary, Epilogue? epilogue = null)
    {
        if (g.Framed)
        {
            EmitFramedDepthwise(w, name, g, path, bias, relu, summary, epilogue);
            return;
        }
        int c = g.Channels;
        int width = path.Lanes;
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float x, ref float k, ref float b, ref float y{Epilogue.Parameters(epilogue)})"))
        using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
        {
            w.Line($"ref float xRow = ref Unsafe.Add(ref x, oy * {g.StrideHeight * g.InRow});");
            w.Line($"ref float yRow = ref Unsafe.Add(ref y, oy * {g.OutWidth * c});");
            EmitChannelBlocks(w, c, width, path.FilterRegisters, (block, c0) =>
            {
                List<StepRun> steps = Steps(g.OutWidth, PixelsPerBlock(block.Count, path, g.OutWidth));
                w.Line($"// channels {(c0 == "0" ? $"{block[0].Offset} .. {block[block.Count - 1].Offset + block[block.Count - 1].Width - 1}" : $"c0 .. c0 + {block.Sum(x => x.Width) - 1}")}: {Describe(steps, "output pixel")}");
                EmitSteps(w, "ox", steps, pixels =>
                {
                    w.Line($"ref float window = ref Unsafe.Add(ref xRow, {(c0 == "0" ? $"ox * {g.StrideWidth * c}" : $"ox * {g.StrideWidth * c} + c0")});");
                    w.Line($"ref float kc = ref {(c0 == "0" ? "k" : "Unsafe.Add(ref k, c0)")};");
                    DepthwiseSums(w, block, c0, pixels, bias);
                    using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
                    {
                        w.Line($"ref float xr = ref Unsafe.Add(ref window, ky * {g.DilationHeight * g.InRow});");
                        DepthwiseKernelRow(w, g, block, pixels);
                    }
                    DepthwiseStores(w, c, block, c0, pixels, relu, epilogue);
                });
            });
        }
    }

    /// <summary>
    /// The depthwise kernel over an input whose windows reach outside it (<see cref="DepthwiseGeometry.Framed"/>: Same
    /// padding), read in place instead of copied into a frame of zeros: each output row walks only the kernel rows that meet
    /// input rows, the columns whose windows lie inside the input run in blocks of pixels as in <see cref="EmitDepthwise"/>,
    /// and the few at the left and right edges one at a time over the kernel columns inside. The taps skipped would have
    /// read zeros, so the sums are those of the framed kernel (the same bits: each sum adds the same products in order).
    /// </summary>
    private static void EmitFramedDepthwise(SourceWriter w, string name, DepthwiseGeometry g, VectorPath path, bool bias, bool relu, string summary, Epilogue? epilogue)
    {
        int c = g.Channels;
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float x, ref float k, ref float b, ref float y{Epilogue.Parameters(epilogue)})"))
        using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
        {
            w.Line($"// The window starts at input row iy (above the input when negative): kernel rows ky0 .. ky1 - 1 meet the input, the others only zeros.");
            w.Line($"int iy = {EmitHelpers.Minus(EmitHelpers.Times("oy", g.StrideHeight), g.PadTop)};");
            w.Line($"int ky0 = iy >= 0 ? 0 : {CeilingOver("-iy", g.DilationHeight)}, ky1 = global::System.Math.Min({g.KernelHeight}, {CeilingOver($"{g.InHeight} - iy", g.DilationHeight)});");
            w.Line($"int xRow = iy * {g.InRow}; // an offset into x, valid once a kernel row ky0 or below is added");
            w.Line($"ref float yRow = ref Unsafe.Add(ref y, oy * {g.OutWidth * c});");
            EmitChannelBlocks(w, c, path.Lanes, path.FilterRegisters, (block, c0) =>
            {
                string channels = c0 == "0" ? $"{block[0].Offset} .. {block[block.Count - 1].Offset + block[block.Count - 1].Width - 1}" : $"c0 .. c0 + {block.Sum(x => x.Width) - 1}";
                w.Line($"ref float kc = ref {(c0 == "0" ? "k" : "Unsafe.Add(ref k, c0)")};");
                if (g.LeftColumns > 0)
                    FramedEdgeColumns(w, g, block, c0, bias, relu, epilogue, 0, g.LeftColumns, $"channels {channels}: {Columns(0, g.LeftColumns)} start{(g.LeftColumns == 1 ? "s" : "")} left of the input");
                int inside = g.RightColumn - g.LeftColumns;
                if (inside > 0)
                {
                    List<StepRun> steps = Steps(inside, PixelsPerBlock(block.Count, path, inside))
                        .Select(run => run with { First = run.First + g.LeftColumns }).ToList();
                    w.Line($"// channels {channels}, {Columns(g.LeftColumns, g.RightColumn)} (windows inside the input): {Describe(steps, "output pixel")}");
                    EmitSteps(w, "ox", steps, pixels =>
                    {
                        w.Line($"int window = xRow + {EmitHelpers.Group(EmitHelpers.Minus(EmitHelpers.Times("ox", g.StrideWidth), g.PadLeft))} * {c}{(c0 == "0" ? "" : " + c0")};");
                        DepthwiseSums(w, block, c0, pixels, bias);
                        using (w.Block("for (int ky = ky0; ky < ky1; ky++)"))
                        {
                            w.Line($"ref float xr = ref Unsafe.Add(ref x, window + ky * {g.DilationHeight * g.InRow});");
                            DepthwiseKernelRow(w, g, block, pixels);
                        }
                        DepthwiseStores(w, c, block, c0, pixels, relu, epilogue);
                    });
                }
                if (g.RightColumn < g.OutWidth)
                    FramedEdgeColumns(w, g, block, c0, bias, relu, epilogue, g.RightColumn, g.OutWidth, $"channels {channels}: {Columns(g.RightColumn, g.OutWidth)} end{(g.OutWidth - g.RightColumn == 1 ? "s" : "")} right of the input");
            });
        }
    }

    /// <summary>"output column 3", "output columns 1 .. 2".</summary>
    private static string Columns(int first, int end) => end - first == 1 ? $"output column {first}" : $"output columns {first} .. {end - 1}";

    /// <summary>⌈<paramref name="value"/> / <paramref name="divisor"/>⌉ as C# for a positive value: the value itself when the divisor is 1.</summary>
    private static string CeilingOver(string value, int divisor) => divisor == 1 ? value : $"({value} + {divisor - 1}) / {divisor}";

    /// <summary>Output columns [<paramref name="first"/>, <paramref name="end"/>) one at a time, each over the kernel columns that meet the input.</summary>
    private static void FramedEdgeColumns(SourceWriter w, DepthwiseGeometry g, List<LaneGroup> block, string c0, bool bias, bool relu, Epilogue? epilogue, int first, int end, string comment)
    {
        int c = g.Channels;
        w.Line($"// {comment}: one at a time, over kernel columns kx0 .. kx1 - 1");
        using (w.Block($"for (int ox = {first}; ox < {end}; ox++)"))
        {
            w.Line($"int ix = {EmitHelpers.Minus(EmitHelpers.Times("ox", g.StrideWidth), g.PadLeft)};");
            w.Line($"int kx0 = ix >= 0 ? 0 : {CeilingOver("-ix", g.DilationWidth)}, kx1 = global::System.Math.Min({g.KernelWidth}, {CeilingOver($"{g.InWidth} - ix", g.DilationWidth)});");
            w.Line($"int window = xRow + ix * {c}{(c0 == "0" ? "" : " + c0")};");
            DepthwiseSums(w, block, c0, 1, bias);
            using (w.Block("for (int ky = ky0; ky < ky1; ky++)"))
            using (w.Block("for (int kx = kx0; kx < kx1; kx++)"))
            {
                w.Line($"ref float xr = ref Unsafe.Add(ref x, window + ky * {g.DilationHeight * g.InRow} + kx * {g.DilationWidth * c});");
                w.Line($"ref float kr = ref Unsafe.Add(ref kc, ky * {g.KernelWidth * c} + kx * {c});");
                DepthwiseTap(w, g, block, 1, 0, 0);
            }
            DepthwiseStores(w, c, block, c0, 1, relu, epilogue);
        }
    }

    /// <summary>The sums of a block of <paramref name="pixels"/> output pixels, each starting from the bias (or zero).</summary>
    private static void DepthwiseSums(SourceWriter w, List<LaneGroup> block, string c0, int pixels, bool bias)
    {
        for (int p = 0; p < pixels; p++)
            w.Line(string.Join(" ", block.Select((grp, j) => $"var a{p}_{j} = {(bias ? grp.Load("b", At(c0, 0)) : grp.Zero)};")));
    }

    /// <summary>
    /// The taps of kernel row ky for a block of pixels, from <c>xr</c> (the row's first input value) and <c>kc</c>: the kernel
    /// columns unrolled up to <see cref="UnrollColumns"/>, else a loop over them.
    /// </summary>
    private static void DepthwiseKernelRow(SourceWriter w, DepthwiseGeometry g, List<LaneGroup> block, int pixels)
    {
        int c = g.Channels;
        w.Line($"ref float kr = ref Unsafe.Add(ref kc, ky * {g.KernelWidth * c});");
        if (g.KernelWidth <= UnrollColumns)
        {
            for (int kx = 0; kx < g.KernelWidth; kx++)
                DepthwiseTap(w, g, block, pixels, kx * g.DilationWidth * c, kx * c);
            return;
        }
        using (w.Block($"for (int kx = 0; kx < {g.KernelWidth}; kx++)"))
        {
            DepthwiseTap(w, g, block, pixels, 0, 0);
            w.Line($"xr = ref Unsafe.Add(ref xr, {g.DilationWidth * c});");
            w.Line($"kr = ref Unsafe.Add(ref kr, {c});");
        }
    }

    /// <summary>The epilogue (when fused) and the stores of a block of <paramref name="pixels"/> output pixels from ox on.</summary>
    private static void DepthwiseStores(SourceWriter w, int c, List<LaneGroup> block, string c0, int pixels, bool relu, Epilogue? epilogue)
    {
        epilogue?.Emit(w, block, pixels, "scale", "shift", At(c0, 0));
        for (int p = 0; p < pixels; p++)
        {
            string index = At(c0, 0) == "0" ? (p == 0 ? $"ox * {c}" : $"(ox + {p}) * {c}") : (p == 0 ? $"ox * {c} + c0" : $"(ox + {p}) * {c} + c0");
            w.Line(string.Join(" ", block.Select((grp, j) => grp.Store(relu ? grp.ReLU($"a{p}_{j}") : $"a{p}_{j}", "yRow", index))));
        }
    }

    /// <summary>One kernel tap: its weight vectors loaded once, then one multiply-add per pixel and vector.</summary>
    private static void DepthwiseTap(SourceWriter w, DepthwiseGeometry g, List<LaneGroup> block, int pixels, int xOffset, int kOffset)
    {
        using (w.Block())
        {
            w.Line(string.Join(" ", block.Select((grp, j) => $"var w{j} = {grp.Load("kr", Format.Int(kOffset))};")));
            for (int p = 0; p < pixels; p++)
            {
                int offset = xOffset + p * g.StrideWidth * g.Channels;
                w.Line(string.Join(" ", block.Select((grp, j) => $"a{p}_{j} = {grp.Fma(grp.Load("xr", Format.Int(offset)), $"w{j}", $"a{p}_{j}")};")));
            }
        }
    }

    /// <summary>
    /// Emits <c>name_{width}(ref x, ref dy, ref dk)</c>: dk[ky, kx, o] += Σ_oy Σ_ox x[oy·sh + ky·dh, ox·sw + kx·dw, o] · dy[oy, ox, o].
    /// A block of T kernel columns by R channel vectors is held in registers while every output pixel streams by:
    /// each pixel's dy vectors are loaded once for the T taps.
    /// </summary>
    public static void EmitDepthwiseKernelGradient(SourceWriter w, string name, DepthwiseGeometry g, VectorPath path, string summary)
    {
        int c = g.Channels;
        int width = path.Lanes;
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float x, ref float dy, ref float dk)"))
        using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
        {
            w.Line($"ref float xk = ref Unsafe.Add(ref x, ky * {g.DilationHeight * g.InRow});");
            w.Line($"ref float dkRow = ref Unsafe.Add(ref dk, ky * {g.KernelWidth * c});");
            EmitChannelBlocks(w, c, width, path.FilterRegisters, (block, c0) =>
            {
                List<StepRun> steps = Steps(g.KernelWidth, PixelsPerBlock(block.Count, path, g.KernelWidth));
                w.Line($"// {Describe(steps, "kernel column")}");
                EmitSteps(w, "kx", steps, taps =>
                {
                    for (int t = 0; t < taps; t++)
                        w.Line(string.Join(" ", block.Select((grp, j) => $"var a{t}_{j} = {grp.Zero};")));
                    using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
                    {
                        w.Line($"ref float xp = ref Unsafe.Add(ref xk, oy * {g.StrideHeight * g.InRow} + kx * {g.DilationWidth * c}{(c0 == "0" ? "" : " + c0")});");
                        w.Line($"ref float gp = ref Unsafe.Add(ref dy, oy * {g.OutWidth * c}{(c0 == "0" ? "" : " + c0")});");
                        using (w.Block($"for (int ox = 0; ox < {g.OutWidth}; ox++)"))
                        {
                            w.Line(string.Join(" ", block.Select((grp, j) => $"var g{j} = {grp.Load("gp", "0")};")));
                            for (int t = 0; t < taps; t++)
                                w.Line(string.Join(" ", block.Select((grp, j) => $"a{t}_{j} = {grp.Fma(grp.Load("xp", Format.Int(t * g.DilationWidth * c)), $"g{j}", $"a{t}_{j}")};")));
                            w.Line($"xp = ref Unsafe.Add(ref xp, {g.StrideWidth * c});");
                            w.Line($"gp = ref Unsafe.Add(ref gp, {c});");
                        }
                    }
                    for (int t = 0; t < taps; t++)
                    {
                        string index = $"{(t == 0 ? "kx" : $"(kx + {t})")} * {c}{(c0 == "0" ? "" : " + c0")}";
                        w.Line(string.Join(" ", block.Select((grp, j) => grp.Store($"{grp.Load("dkRow", index)} + a{t}_{j}", "dkRow", index))));
                    }
                });
            });
        }
    }

    /// <summary>
    /// Emits <c>name_{width}(ref dy, ref k, ref dx)</c> for strides above 1: dx[oy·sh + ky, ox·sw + kx, o] += dy[oy, ox, o] · k[ky, kx, o].
    /// Each output pixel's dy vectors are loaded once and scattered to the window's taps (the windows overlap
    /// irregularly, so the gradient is added where it lands; dx must start at zero).
    /// </summary>
    public static void EmitDepthwiseScatter(SourceWriter w, string name, DepthwiseGeometry g, VectorPath path, string summary)
    {
        int c = g.Channels;
        int width = path.Lanes;
        w.Line($"/// <summary>{summary} ({path.TypeName} version).</summary>");
        EmitOptimizedAtOnce(w);
        using (w.Block($"private static void {name}{path.Suffix}(ref float dy, ref float k, ref float dx)"))
        using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
        using (w.Block($"for (int ox = 0; ox < {g.OutWidth}; ox++)"))
        {
            w.Line($"ref float gp = ref Unsafe.Add(ref dy, (oy * {g.OutWidth} + ox) * {c});");
            w.Line($"ref float window = ref Unsafe.Add(ref dx, oy * {g.StrideHeight * g.InRow} + ox * {g.StrideWidth * c});");
            EmitChannelBlocks(w, c, width, path.AccumulatorBudget / 2, (block, c0) =>
            {
                string gRef = c0 == "0" ? "gp" : "gc";
                if (c0 != "0")
                    w.Line("ref float gc = ref Unsafe.Add(ref gp, c0); ref float kc = ref Unsafe.Add(ref k, c0); ref float dc = ref Unsafe.Add(ref window, c0);");
                string kRef = c0 == "0" ? "k" : "kc", dRef = c0 == "0" ? "window" : "dc";
                w.Line(string.Join(" ", block.Select((grp, j) => $"var g{j} = {grp.Load(gRef, "0")};")));
                using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
                {
                    w.Line($"ref float dr = ref Unsafe.Add(ref {dRef}, ky * {g.DilationHeight * g.InRow});");
                    w.Line($"ref float kr = ref Unsafe.Add(ref {kRef}, ky * {g.KernelWidth * c});");
                    using (w.Block($"for (int kx = 0; kx < {g.KernelWidth}; kx++)"))
                    {
                        w.Line(string.Join(" ", block.Select((grp, j) => grp.Store(grp.Fma($"g{j}", grp.Load("kr", "0"), grp.Load("dr", "0")), "dr", "0"))));
                        w.Line($"dr = ref Unsafe.Add(ref dr, {g.DilationWidth * c});");
                        w.Line($"kr = ref Unsafe.Add(ref kr, {c});");
                    }
                }
            });
        }
    }
}
