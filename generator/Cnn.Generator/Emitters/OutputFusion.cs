using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// The layers a convolution's kernel applies on the way out in <c>Forward</c>: the BatchNormalization that alone reads
/// its output, as y·scale + shift per channel from the moving statistics; for a Conv2D, the Add of two inputs that alone
/// reads that (the join of a residual block), its other input read by the kernel, when that input is computed before
/// the convolution; and the ReLU (plain, capped or leaky) that alone reads the last of them, or the convolution's own
/// output when there is nothing between (as ONNX exporters leave them, the normalisation folded into the weights).
/// Those layers then run no passes of their own over the activations, as ONNX Runtime folds them into the convolution.
/// Only <c>Forward</c> does this; the training passes and <c>LayerOutput</c> run every layer by itself, and both give the
/// same bits (the kernel applies the same operations in the same order; a + b is b + a in floating point).
/// </summary>
/// <param name="Normalization">The BatchNormalization layer, or null.</param>
/// <param name="Activation">The ReLU after it (or after the Add, or the convolution), or null.</param>
internal sealed record FusedOutput(LayerContext? Normalization, LayerContext? Activation)
{
    /// <summary>The Add after the convolution (or its BatchNormalization), or null.</summary>
    public LayerContext? Residual { get; init; }

    /// <summary>The index of the Add's other input (-1: the model's input), whose values the kernel adds; unused without <see cref="Residual"/>.</summary>
    public int ResidualSource { get; init; } = -1;

    /// <summary>The BatchNormalization's spec, or null.</summary>
    public BatchNormalizationSpec? Spec => Normalization?.Layer as BatchNormalizationSpec;

    /// <summary>The ReLU's spec, or null.</summary>
    public ReLUSpec? ReLU => Activation?.Layer as ReLUSpec;

    /// <summary>What the kernel does on the way out.</summary>
    public Epilogue Epilogue => new(Normalization is not null, ReLU is not null, ReLU?.Plain ?? false, ReLU?.Slope ?? "0f", ReLU?.Cap ?? "0f")
    {
        Residual = Residual is not null,
    };

    /// <summary>The fused layers in order.</summary>
    private List<LayerContext> Layers => new[] { Normalization, Residual, Activation }.Where(l => l is not null).Select(l => l!).ToList();

    /// <summary>"batch_normalization and re_lu", "bn, add and relu": for comments.</summary>
    public string Names
    {
        get
        {
            List<string> names = Layers.Select(l => l.Layer.Name).ToList();
            return names.Count == 1 ? names[0] : $"{string.Join(", ", names.Take(names.Count - 1))} and {names[names.Count - 1]}";
        }
    }

    /// <summary>"follows" for one layer, "follow" for more.</summary>
    public string Follow => Layers.Count == 1 ? "follows" : "follow";
}

/// <summary>Finds the chains a convolution's kernel can finish (<see cref="FusedOutput"/>), and writes what their layers share.</summary>
internal static class OutputFusion
{
    /// <summary>
    /// The parameter a <c>Forward_</c> method of a layer with <see cref="LayerContext.Fused"/> or
    /// <see cref="LayerContext.FusedPadding"/> takes, or nothing.
    /// </summary>
    public static string Parameter(LayerContext context) => !context.FusesInForward ? ""
        : context.Fused?.Residual is null ? ", bool fused = false" : $", bool fused = false, {Names.ReadOnlySpan} residual = default";

    /// <summary>The line for the <c>Forward_</c> method's summary, or null.</summary>
    public static string? Summary(LayerContext context)
    {
        if (!context.FusesInForward) return null;
        var parts = new List<string>();
        if (context.FusedPadding is { } padding)
            parts.Add($"x is {padding.Layer.Name}'s input, read in place (the kernel skips the taps on its zeros)");
        if (context.Fused is { } fused)
            parts.Add($"{fused.Names} {fused.Follow} in the kernel, on the way out{(fused.Residual is { } add ? $" ({add.Layer.Name} adds residual, its other input)" : "")}");
        return $"With fused (Forward only), {string.Join("; ", parts)}.";
    }

    /// <summary>"bn and relu too; reads zero_padding2d's input": the comment on a fused call in <c>Forward</c>.</summary>
    public static string CallComment(LayerContext context)
    {
        var parts = new List<string>();
        if (context.FusedPadding is { } padding) parts.Add($"reads {padding.Layer.Name}'s input in place");
        if (context.Fused is { } fused) parts.Add($"{fused.Names} too");
        return string.Join("; ", parts);
    }

    /// <summary>
    /// Writes what the kernel's epilogue reads: the scale and shift of <paramref name="context"/>'s fused BatchNormalization
    /// (filled when <c>fused</c>) and the reference <c>res</c> to a fused Add's other input, as far as there are any; returns
    /// the kernel's extra arguments (<see cref="Epilogue.Parameters"/>; "" when nothing is fused).
    /// </summary>
    public static string EmitEpilogueArguments(SourceWriter w, LayerContext context)
    {
        if (context.Fused is not { } fused) return "";
        string arguments = "";
        if (EmitNormalization(w, context))
            arguments += ", ref MemoryMarshal.GetReference(scale), ref MemoryMarshal.GetReference(shift)";
        if (fused.Residual is { } add)
        {
            w.Line($"{ResidualComment(fused, add)}; not read unless fused.");
            w.Line("ref float res = ref fused ? ref MemoryMarshal.GetReference(residual) : ref MemoryMarshal.GetReference(y);");
            arguments += ", ref res";
        }
        return arguments + ", fused";
    }

    /// <summary>"// fused: add, y + residual (its other input, laid out as y) and then relu, applied by the kernel": the comment on a fused Add.</summary>
    public static string ResidualComment(FusedOutput fused, LayerContext add) =>
        $"// fused: {add.Layer.Name}, y + residual (its other input, laid out as y){(fused.Activation is null ? "" : $" and then {fused.Activation.Layer.Name}")}, applied by the kernel";

    /// <summary>
    /// Writes the scratch spans <c>scale</c> and <c>shift</c> of <paramref name="context"/>'s fused BatchNormalization,
    /// filled when <c>fused</c>; returns whether there is one.
    /// </summary>
    public static bool EmitNormalization(SourceWriter w, LayerContext context)
    {
        if (context.Fused is not { Spec: { } normalization } fused) return false;
        w.Line($"// fused: {normalization.Name} (its moving statistics as y·scale + shift per channel){(fused.Residual is null && fused.Activation is not null ? $" and then {fused.Activation.Layer.Name}" : "")}, applied by the kernel.");
        w.Line(context.Buffers.DeclareScratch("scale", normalization.Channels));
        w.Line(context.Buffers.DeclareScratch("shift", normalization.Channels));
        w.Line($"if (fused) {normalization.ScaleAndShiftCall(fused.Normalization!, "scale", "shift")}");
        return true;
    }

    /// <summary>
    /// The contexts with <see cref="LayerContext.Fused"/> set on each layer that <see cref="Model.LayerSpec.TakesNormalization"/>
    /// and is read by a BatchNormalization, an Add (<see cref="Model.LayerSpec.TakesResidual"/>) or a ReLU alone, and
    /// <see cref="LayerContext.FusedInto"/> on each layer of the chain it applies.
    /// </summary>
    public static List<LayerContext> Apply(List<LayerContext> layers)
    {
        List<int>[] readers = Readers(layers);
        LayerContext? Only<T>(int index) => readers[index].Count == 1 && layers[readers[index][0]].Layer is T ? layers[readers[index][0]] : null;

        var result = new List<LayerContext>(layers);
        foreach (LayerContext context in layers)
        {
            if (!context.Layer.TakesNormalization) continue;
            LayerContext? normalization = Only<BatchNormalizationSpec>(context.Index);
            int tail = normalization?.Index ?? context.Index;
            // An Add of this chain and an input computed before the convolution (a residual block's join).
            LayerContext? residual = context.Layer.TakesResidual ? Only<AddSpec>(tail) : null;
            int other = -1;
            if (residual is not null)
            {
                IReadOnlyList<int> sources = residual.Sources;
                other = sources.Count == 2 && sources[0] != sources[1] ? sources[sources[0] == tail ? 1 : 0] : int.MaxValue;
                if (other >= context.Index) residual = null;
            }
            LayerContext? activation = Only<ReLUSpec>(residual?.Index ?? tail);
            if (normalization is null && residual is null && activation is null) continue;
            result[context.Index] = context with { Fused = new FusedOutput(normalization, activation) { Residual = residual, ResidualSource = other } };
            foreach (LayerContext? fused in new[] { normalization, residual, activation })
                if (fused is not null) result[fused.Index] = fused with { FusedInto = context.Index };
        }
        return result;
    }

    /// <summary>For each layer, the layers that read its output (each once, however many of their inputs it is).</summary>
    public static List<int>[] Readers(IReadOnlyList<LayerContext> layers)
    {
        var readers = new List<int>[layers.Count];
        for (int i = 0; i < layers.Count; i++) readers[i] = new List<int>();
        foreach (LayerContext context in layers)
            foreach (int source in context.Sources.Distinct())
                if (source >= 0) readers[source].Add(context.Index);
        return readers;
    }
}
