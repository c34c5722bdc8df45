using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// The layers a convolution's kernel applies on the way out in <c>Forward</c>: the BatchNormalization that alone reads
/// its output, as y·scale + shift per channel from the moving statistics, and the ReLU that alone reads that (capped,
/// leaky or plain). They then run no passes of their own over the activations, as ONNX Runtime folds them into the
/// convolution. Only <c>Forward</c> does this; the training passes and <c>LayerOutput</c> run every layer by itself,
/// and both give the same bits (the kernel applies the same operations in the same order).
/// </summary>
/// <param name="Normalization">The BatchNormalization layer.</param>
/// <param name="Activation">The ReLU after it, or null.</param>
internal sealed record FusedOutput(LayerContext Normalization, LayerContext? Activation)
{
    /// <summary>The BatchNormalization's spec.</summary>
    public BatchNormalizationSpec Spec => (BatchNormalizationSpec)Normalization.Layer;

    /// <summary>The ReLU's spec, or null.</summary>
    public ReLUSpec? ReLU => Activation?.Layer as ReLUSpec;

    /// <summary>What the kernel does on the way out.</summary>
    public Epilogue Epilogue => ReLU is { } relu ? new Epilogue(true, relu.Plain, relu.Slope, relu.Cap) : new Epilogue(false, false, "0f", "0f");

    /// <summary>"batch_normalization and re_lu", for comments.</summary>
    public string Names => Activation is null ? Normalization.Layer.Name : $"{Normalization.Layer.Name} and {Activation.Layer.Name}";
}

/// <summary>Finds the chains a convolution's kernel can finish (<see cref="FusedOutput"/>), and writes what their layers share.</summary>
internal static class OutputFusion
{
    /// <summary>The parameter a <c>Forward_</c> method of a layer with <see cref="LayerContext.Fused"/> takes, or nothing.</summary>
    public static string Parameter(LayerContext context) => context.Fused is null ? "" : ", bool normalized = false";

    /// <summary>The line for the <c>Forward_</c> method's summary, or null.</summary>
    public static string? Summary(LayerContext context) => context.Fused is not { } fused ? null
        : $"With normalized (Forward only), {fused.Names} follow{(fused.Activation is null ? "s" : "")} in the kernel, on the way out.";

    /// <summary>
    /// Writes the scale and shift of <paramref name="context"/>'s fused BatchNormalization (filled when <c>normalized</c>)
    /// and returns the kernel's extra arguments, or writes nothing and returns "" when nothing is fused.
    /// </summary>
    public static string EmitScaleAndShift(SourceWriter w, LayerContext context)
    {
        if (context.Fused is not { } fused) return "";
        w.Line($"// normalized: {fused.Normalization.Layer.Name} (its moving statistics as y·scale + shift per channel){(fused.Activation is null ? "" : $" and then {fused.Activation.Layer.Name}")}, applied by the kernel.");
        w.Line(context.Buffers.Declare("scale", fused.Spec.Channels, $"{context.Layer.Name}_forward"));
        w.Line(context.Buffers.Declare("shift", fused.Spec.Channels, $"{context.Layer.Name}_forward"));
        w.Line($"if (normalized) {fused.Spec.ScaleAndShiftCall(fused.Normalization, "scale", "shift")}");
        return ", ref MemoryMarshal.GetReference(scale), ref MemoryMarshal.GetReference(shift), normalized";
    }

    /// <summary>
    /// The contexts with <see cref="LayerContext.Fused"/> set on each layer that <see cref="Model.LayerSpec.TakesNormalization"/>
    /// and is read by a BatchNormalization alone, and <see cref="LayerContext.FusedInto"/> on that BatchNormalization and on a
    /// ReLU that alone reads it.
    /// </summary>
    public static List<LayerContext> Apply(List<LayerContext> layers)
    {
        var readers = new List<int>[layers.Count];
        for (int i = 0; i < layers.Count; i++) readers[i] = new List<int>();
        foreach (LayerContext context in layers)
            foreach (int source in context.Sources.Distinct())
                if (source >= 0) readers[source].Add(context.Index);

        var result = new List<LayerContext>(layers);
        foreach (LayerContext context in layers)
        {
            if (!context.Layer.TakesNormalization || readers[context.Index].Count != 1) continue;
            LayerContext normalization = layers[readers[context.Index][0]];
            if (normalization.Layer is not BatchNormalizationSpec) continue;
            LayerContext? activation = readers[normalization.Index].Count == 1 && layers[readers[normalization.Index][0]] is { Layer: ReLUSpec } relu ? relu : null;
            result[context.Index] = context with { Fused = new FusedOutput(normalization, activation) };
            result[normalization.Index] = normalization with { FusedInto = context.Index };
            if (activation is not null) result[activation.Index] = activation with { FusedInto = context.Index };
        }
        return result;
    }
}
