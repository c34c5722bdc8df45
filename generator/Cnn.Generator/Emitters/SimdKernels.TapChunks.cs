using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Emitters;

internal static partial class SimdKernels
{
    /// <summary>The most weight bytes of one chunk of taps: kept in L2 while every filter block and output pixel uses it.</summary>
    private const long ChunkWeightBytes = 256 * 1024;

    /// <summary>Fewest taps per chunk: each chunk loads and stores every accumulator once, so fewer taps would cost more than they save.</summary>
    private const int FewestChunkTaps = 16;

    /// <summary>
    /// Filter registers per block and sums per block on the 512-bit path: 3 and up to 24 (of 32 zmm registers, leaving 3 for
    /// the weights and 1 for the broadcast), so that each weight vector read from L2 feeds up to 8 multiply-adds and each
    /// broadcast 3. Imported resnet18 at 224 ran 3-4 % faster than with the usual 2 by 8 in an A/B on 12-01; the same budget
    /// for every convolution made mobilenet_v2 4 % slower. The narrower paths keep their blocks.
    /// </summary>
    private static (int Registers, int Sums) ChunkBlocks(VectorPath path, int perBlock) => path.Lanes == 16 ? (3, 24) : (perBlock, path.AccumulatorBudget);

    /// <summary>Taps per chunk for a convolution whose weights are read in chunks (<see cref="ReadsInChunks"/>): as even as possible.</summary>
    private static int ChunkTaps(ConvGeometry g)
    {
        int most = (int)Math.Max(FewestChunkTaps, ChunkWeightBytes / (4L * g.Filters));
        int chunks = (g.Taps + most - 1) / most;
        return (g.Taps + chunks - 1) / chunks;
    }

    /// <summary>
    /// Whether a convolution reads its weights in chunks of taps (<see cref="EmitTapChunks"/>): more than
    /// <see cref="CachedWeightBytes"/> of them, several output rows, and kernel rows of contiguous taps (no horizontal dilation).
    /// </summary>
    private static bool ReadsInChunks(ConvGeometry g) =>
        g.OutHeight > 1 && !g.ColumnRuns && (long)g.KernelHeight * g.Taps * g.Filters * 4 > CachedWeightBytes && g.Taps > ChunkTaps(g);

    /// <summary>
    /// The body of a convolution with large weights: the [kh, kw·c, f] weights are read in their own order, a chunk of
    /// consecutive taps (consecutive rows of the weights, contiguous in memory) at a time, and each chunk runs over every
    /// filter block and output pixel, the sums kept in the output between chunks. Every weight then comes from memory
    /// once per call, in order, and stays in cache for all the pixels that use it. The sums are added in the same order
    /// as in the one-pass kernel (bias, then the taps in order), so the results are the same bits.
    /// </summary>
    private static void EmitTapChunks(SourceWriter w, ConvGeometry g, VectorPath path, int perBlock, bool bias, bool relu, int zeroRows, Epilogue? epilogue)
    {
        int taps = ChunkTaps(g);
        bool even = g.Taps % taps == 0;
        w.Line($"// {Format.Thousands((long)g.KernelHeight * g.Taps * g.Filters * 4 / 1024)} KiB of weights, read in order: {taps} taps ({Format.Thousands((long)taps * g.Filters * 4 / 1024)} KiB) at a time,");
        w.Line("// each chunk over every filter block and output pixel, the sums kept in y between chunks.");
        using (w.Block($"for (int ky = 0; ky < {g.KernelHeight}; ky++)"))
        using (w.Block($"for (int r0 = 0; r0 < {g.Taps}; r0 += {taps})"))
        {
            w.Line($"bool first = ky == 0 && r0 == 0, last = ky == {g.KernelHeight - 1} && r0 + {taps} >= {g.Taps};");
            if (!even) w.Line($"int r1 = global::System.Math.Min(r0 + {taps}, {g.Taps});");
            w.Line($"ref float xc = ref Unsafe.Add(ref x, ky * {g.DilationHeight * g.InRow} + r0);");
            w.Line($"ref float kc = ref Unsafe.Add(ref k, (ky * {g.Taps} + r0) * {g.Filters});");
            (int registers, int sums) = ChunkBlocks(path, perBlock);
            EmitFilterBlocks(w, path, Blocks(g.Filters, path.Lanes, registers), MoveToFilter("kc", "y", bias, epilogue), (block, inLoop) =>
            {
                using (w.Block($"for (int oy = 0; oy < {g.OutHeight}; oy++)"))
                {
                    w.Line($"ref float xRow = ref Unsafe.Add(ref xc, oy * {g.StrideHeight * g.InRow});");
                    OutputRow(w, g, inLoop ? "yf" : "y", epilogue);
                    if (zeroRows > 0)
                    {
                        w.Line($"// Input rows above {zeroRows} and from {g.InHeight - zeroRows} on are zeros: kernel row ky meets only them for some oy.");
                        w.Line($"bool inside = ky >= {zeroRows} - oy && ky < {g.InHeight - zeroRows} - oy;");
                    }
                    var refs = inLoop ? new ConvRefs("kf", "bf", "yRow", "sf", "tf") : new ConvRefs("kc", "b", "yRow", "scale", "shift");
                    List<StepRun> steps = Steps(g.OutWidth, Math.Max(1, Math.Min(Math.Min(8, g.OutWidth), sums / block.Count)));
                    w.Line($"// {Describe(steps, "output pixel")}");
                    EmitSteps(w, "ox", steps, pixels => ChunkBlock(w, g, block, pixels, bias, relu, zeroRows > 0, even ? $"{taps}" : "r1 - r0", refs, epilogue));
                }
            });
        }
    }

    /// <summary>
    /// One block of pixels by filters over one chunk of taps: the sums start from the bias (the first chunk) or from y,
    /// take the chunk's taps, and go back to y, through the epilogue and the ReLU after the last chunk.
    /// </summary>
    private static void ChunkBlock(SourceWriter w, ConvGeometry g, List<LaneGroup> block, int pixels, bool bias, bool relu, bool rowBounds, string count,
        ConvRefs refs, Epilogue? epilogue)
    {
        w.Line($"ref float window = ref Unsafe.Add(ref xRow, ox * {g.StrideWidth * g.InChannels});");
        for (int p = 0; p < pixels; p++)
            w.Line(string.Join(" ", block.Select((grp, j) =>
                $"var a{p}_{j} = first ? {(bias ? grp.Load(refs.Bias, "0") : grp.Zero)} : {grp.Load(refs.Output, OutputIndex(g, p))};")));
        using (rowBounds ? w.Block("if (inside)") : w.Block())
        {
            w.Line("ref float xr = ref window;");
            w.Line($"ref float kr = ref {refs.Kernel};");
            TapLoop(w, g, block, pixels, count);
        }
        if (epilogue is not null || relu)
        {
            using (w.Block("if (last)"))
            {
                epilogue?.Emit(w, block, pixels, refs.Scale, refs.Shift, "0", refs.Output, p => OutputIndex(g, p));
                if (relu)
                    for (int p = 0; p < pixels; p++)
                        w.Line(string.Join(" ", block.Select((grp, j) => $"a{p}_{j} = {grp.ReLU($"a{p}_{j}")};")));
            }
        }
        for (int p = 0; p < pixels; p++)
            w.Line(string.Join(" ", block.Select((grp, j) => grp.Store($"a{p}_{j}", refs.Output, OutputIndex(g, p)))));
    }
}
