using System.Collections.Generic;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// Finds the ZeroPadding2D layers whose zeros the layer after them can skip instead of reading: a padding read by one
/// layer alone, one that <see cref="Model.LayerSpec.ReadsPaddingInPlace"/>. In <c>Forward</c> that layer's kernel reads
/// the padding's input in place, its windows starting that many rows and columns further up and left, and the padding
/// makes no copy (the importer writes PyTorch's symmetric padding of stride-2 layers, which is not TensorFlow's Same, as a
/// ZeroPadding2D before a Valid layer: mobilenet_v2 at 224 spent 5 % of its time in those copies). Only <c>Forward</c>
/// does this, as with <see cref="OutputFusion"/>; the training passes and <c>LayerOutput</c> run the padding by itself,
/// and both give the same bits (a skipped tap would have added zero times a weight).
/// </summary>
internal static class PaddingFusion
{
    /// <summary>
    /// The contexts with <see cref="LayerContext.FusedPadding"/> set on each layer that reads a padding in place, and
    /// <see cref="LayerContext.FusedInto"/> on that padding.
    /// </summary>
    public static List<LayerContext> Apply(List<LayerContext> layers)
    {
        List<int>[] readers = OutputFusion.Readers(layers);
        var result = new List<LayerContext>(layers);
        foreach (LayerContext context in layers)
        {
            if (!context.Layer.ReadsPaddingInPlace || context.Sources.Count != 1 || context.Source < 0) continue;
            LayerContext padding = result[context.Source];
            if (padding.Layer is not ZeroPadding2DSpec || readers[padding.Index].Count != 1) continue;
            result[context.Index] = result[context.Index] with { FusedPadding = padding };
            result[padding.Index] = padding with { FusedInto = context.Index };
        }
        return result;
    }

    /// <summary>
    /// Writes the call of kernel <paramref name="name"/> (<c>Pool_x</c>) in a layer's <c>Forward_</c> method; with a
    /// <see cref="LayerContext.FusedPadding"/>, <c>if (fused)</c> the kernel over the padding's input instead
    /// (<see cref="Unpadded"/>), whose windows start <paramref name="padTop"/> rows above and <paramref name="padLeft"/>
    /// columns left of it.
    /// </summary>
    public static void EmitDispatch(SourceWriter w, LayerContext context, string name, string arguments, List<VectorPath> paths, int padTop, int padLeft)
    {
        if (context.FusedPadding is not { } padding)
        {
            SimdKernels.EmitDispatch(w, name, arguments, paths);
            return;
        }
        w.Line($"// fused: x is {padding.Layer.Name}'s input, {padding.Layer.Input}, and the windows start {Format.Count(padTop, "row")} above and {Format.Count(padLeft, "column")} left of it");
        using (w.Block("if (fused)"))
            SimdKernels.EmitDispatch(w, Unpadded(name), arguments, paths);
        using (w.Block("else"))
            SimdKernels.EmitDispatch(w, name, arguments, paths);
    }

    /// <summary>The name of the kernel over a fused padding's input: <c>Pool_x</c> → <c>PoolUnpadded_x</c>.</summary>
    public static string Unpadded(string name)
    {
        int underscore = name.IndexOf('_');
        return name.Substring(0, underscore) + "Unpadded" + name.Substring(underscore);
    }
}
