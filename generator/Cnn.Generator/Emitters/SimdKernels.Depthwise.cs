using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// A valid (unpadded) depthwise convolution that the SIMD kernels compute: every one of <see cref="Channels"/>
/// channels convolved with its own kh x kw kernel, <c>y[oy, ox, o] = Σ_ky Σ_kx x[oy·sh + ky·dh, ox·sw + kx·dw, o] · k[ky, kx, o]</c>.
/// The input is already padded (and, for a depth multiplier m, each input channel already repeated m times, so that
/// output channel o = ci·m + j reads input channel o).
/// </summary>
internal readonly record struct DepthwiseGeometry(int InHeight, int InWidth, int Channels, int OutHeight, int OutWidth,
    int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth, int DilationHeight, int DilationWidth)
{
    /// <summary>Floats in one input row.</summary>
    public int InRow => InWidth * Channels;
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
                    for (int p = 0; p < pixels; p++)
                        w.Line(string.Join(" ", block.Select((grp, j) => $"var a{p}_{j} = {(bias ? grp.Load("b", At(c0, 0)) : grp.Zero)};")));
                    using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
                    {
                        w.Line($"ref float xr = ref Unsafe.Add(ref window, ky * {g.DilationHeight * g.InRow});");
                        w.Line($"ref float kr = ref Unsafe.Add(ref kc, ky * {g.KernelWidth * c});");
                        if (g.KernelWidth <= UnrollColumns)
                        {
                            for (int kx = 0; kx < g.KernelWidth; kx++)
                                DepthwiseTap(w, g, block, pixels, kx * g.DilationWidth * c, kx * c);
                        }
                        else
                        {
                            using (w.Block($"for (int kx = 0; kx < {g.KernelWidth}; kx++)"))
                            {
                                DepthwiseTap(w, g, block, pixels, 0, 0);
                                w.Line($"xr = ref Unsafe.Add(ref xr, {g.DilationWidth * c});");
                                w.Line($"kr = ref Unsafe.Add(ref kr, {c});");
                            }
                        }
                    }
                    epilogue?.Emit(w, block, pixels, "scale", "shift", At(c0, 0));
                    for (int p = 0; p < pixels; p++)
                    {
                        string index = At(c0, 0) == "0" ? (p == 0 ? $"ox * {c}" : $"(ox + {p}) * {c}") : (p == 0 ? $"ox * {c} + c0" : $"(ox + {p}) * {c} + c0");
                        w.Line(string.Join(" ", block.Select((grp, j) => grp.Store(relu ? grp.ReLU($"a{p}_{j}") : $"a{p}_{j}", "yRow", index))));
                    }
                });
            });
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
