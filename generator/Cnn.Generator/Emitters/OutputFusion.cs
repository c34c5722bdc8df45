using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// The layers a convolution's kernel applies on the way out in <c>Forward</c>: the BatchNormalization that alone reads
/// its output, as y·scale + shift per channel from the moving statistics, and the ReLU (plain, capped or leaky) that
/// alone reads that, or the convolution's own output when there is no BatchNormalization (as ONNX exporters leave
/// them, the normalisation folded into the weights). Those layers then run no passes of their own over the
/// activations, as ONNX Runtime folds them into the convolution. Only <c>Forward</c> does this; the training passes and
/// <c>LayerOutput</c> run every layer by itself, and both give the same bits (the kernel applies the same operations in
/// the same order).
/// </summary>
/// <param name="Normalization">The BatchNormalization layer, or null.</param>
/// <param name="Activation">The ReLU after it (or after the convolution), or null.</param>
internal sealed record FusedOutput(LayerContext? Normalization, LayerContext? Activation)
{
    /// <summary>The BatchNormalization's spec, or null.</summary>
    public BatchNormalizationSpec? Spec => Normalization?.Layer as BatchNormalizationSpec;

    /// <summary>The ReLU's spec, or null.</summary>
    public ReLUSpec? ReLU => Activation?.Layer as ReLUSpec;

    /// <summary>What the kernel does on the way out.</summary>
    public Epilogue Epilogue => new(Normalization is not null, ReLU is not null, ReLU?.Plain ?? false, ReLU?.Slope ?? "0f", ReLU?.Cap ?? "0f");

    /// <summary>"batch_normalization and re_lu", for comments.</summary>
    public string Names => string.Join(" and ", new[] { Normalization, Activation }.Where(l => l is not null).Select(l => l!.Layer.Name));
}

/// <summary>Finds the chains a convolution's kernel can finish (<see cref="FusedOutput"/>), and writes what their layers share.</summary>
internal static class OutputFusion
{
    /// <summary>The parameter a <c>Forward_</c> method of a layer with <see cref="LayerContext.Fused"/> takes, or nothing.</summary>
    public static string Parameter(LayerContext context) => context.Fused is null ? "" : ", bool fused = false";

    /// <summary>The line for the <c>Forward_</c> method's summary, or null.</summary>
    public static string? Summary(LayerContext context) => context.Fused is not { } fused ? null
        : $"With fused (Forward only), {fused.Names} {(fused.Normalization is not null && fused.Activation is not null ? "follow" : "follows")} in the kernel, on the way out.";

    /// <summary>
    /// Writes the scale and shift of <paramref name="context"/>'s fused BatchNormalization (filled when <c>fused</c>), if
    /// any, and returns the kernel's extra arguments ("" when nothing is fused).
    /// </summary>
    public static string EmitScaleAndShift(SourceWriter w, LayerContext context)
    {
        if (context.Fused is not { } fused) return "";
        if (fused.Spec is not { } normalization) return ", fused";
        w.Line($"// fused: {normalization.Name} (its moving statistics as y·scale + shift per channel){(fused.Activation is null ? "" : $" and then {fused.Activation.Layer.Name}")}, applied by the kernel.");
        w.Line(context.Buffers.Declare("scale", normalization.Channels, $"{context.Layer.Name}_forward"));
        w.Line(context.Buffers.Declare("shift", normalization.Channels, $"{context.Layer.Name}_forward"));
        w.Line($"if (fused) {normalization.ScaleAndShiftCall(fused.Normalization!, "scale", "shift")}");
        return ", ref MemoryMarshal.GetReference(scale), ref MemoryMarshal.GetReference(shift), fused";
    }

    /// <summary>
    /// The contexts with <see cref="LayerContext.Fused"/> set on each layer that <see cref="Model.LayerSpec.TakesNormalization"/>
    /// and is read by a BatchNormalization or a ReLU alone, and <see cref="LayerContext.FusedInto"/> on that layer and on
    /// a ReLU that alone reads the BatchNormalization.
    /// </summary>
    public static List<LayerContext> Apply(List<LayerContext> layers)
    {
        var readers = new List<int>[layers.Count];
        for (int i = 0; i < layers.Count; i++) readers[i] = new List<int>();
        foreach (LayerContext context in layers)
            foreach (int source in context.Sources.Distinct())
                if (source >= 0) readers[source].Add(context.Index);
        LayerContext? Only<T>(int index) => readers[index].Count == 1 && layers[readers[index][0]].Layer is T ? layers[readers[index][0]] : null;

        var result = new List<LayerContext>(layers);
        foreach (LayerContext context in layers)
        {
            if (!context.Layer.TakesNormalization) continue;
            LayerContext? normalization = Only<BatchNormalizationSpec>(context.Index);
            LayerContext? activation = Only<ReLUSpec>(normalization?.Index ?? context.Index);
            if (normalization is null && activation is null) continue;
            result[context.Index] = context with { Fused = new FusedOutput(normalization, activation) };
            if (normalization is not null) result[normalization.Index] = normalization with { FusedInto = context.Index };
            if (activation is not null) result[activation.Index] = activation with { FusedInto = context.Index };
        }
        return result;
    }
}
