using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// Where each layer's output lives in one generated pass, as a span expression, and the buffers that hold them.
/// One planner serves every pass: <c>Forward</c> reuses a buffer once nothing reads its value any more (by
/// liveness; for a chain of layers that is two buffers used in turn), while the passes that go backward afterwards
/// (training, <c>ChannelGradient</c>) keep every output. A layer that is the identity in the pass (Flatten; Dropout
/// at inference) gets no buffer: its output is its input's span.
/// </summary>
internal sealed class ActivationPlan
{
    private readonly string[] _outputs;
    private readonly List<string> _declarations = new();

    /// <summary>
    /// The layers, when convolutions apply the layers after them on the way out (<see cref="OutputFusion"/>):
    /// <c>Forward</c> only; else null.
    /// </summary>
    private readonly IReadOnlyList<LayerContext>? _fused;

    private ActivationPlan(int count, IReadOnlyList<LayerContext>? fused = null)
    {
        _outputs = new string[count];
        _fused = fused;
    }

    /// <summary>The span expression of layer <paramref name="index"/>'s output (<c>input</c> for -1).</summary>
    public string Output(int index) => index < 0 ? "input" : _outputs[index];

    /// <summary>The span expression of the input of <paramref name="context"/>'s layer (a merge: its first input).</summary>
    public string Input(LayerContext context) => Output(context.Source);

    /// <summary>The span expressions of every input of <paramref name="context"/>'s layer.</summary>
    public IReadOnlyList<string> Inputs(LayerContext context) => context.Sources.Select(Output).ToList();

    /// <summary>
    /// Writes the statements that run <paramref name="context"/>'s layer forward in this plan's spans, a merge with
    /// every input, or nothing when the layer is the identity in the pass.
    /// </summary>
    public void EmitForward(SourceWriter w, LayerContext context, bool training)
    {
        if (!Computes(context, training)) return;
        if (_fused is not null && context.FusedInto >= 0)
        {
            LayerContext into = _fused[context.FusedInto];
            w.Line(into.FusedPadding?.Index == context.Index
                ? $"// (no copy: {into.Layer.Name}'s kernel below reads this layer's input in place and skips the zeros)"
                : $"// (applied by {into.Layer.Name}'s kernel above, on the way out)");
            return;
        }
        if (_fused is not null && context.Layer.ForwardInPlace && Output(context.Index) == Input(context))
            w.Line("// in place, in its input's buffer: no later layer reads that input");
        if (_fused is not null && context.FusesInForward)
        {
            string residual = context.Fused?.Residual is null ? "" : $", residual: {Output(context.Fused.ResidualSource)}";
            context.Layer.EmitFusedForwardCall(w, context, Input(context), Output(context.Index), residual, OutputFusion.CallComment(context));
        }
        else if (context.Layer is Layers.MergeSpec merge) merge.EmitMergeForward(w, context, Inputs(context), Output(context.Index));
        else context.Layer.EmitForwardCall(w, context, Input(context), Output(context.Index), training);
    }

    /// <summary>Whether the layer computes something in this pass (it is not the identity there).</summary>
    public static bool Computes(LayerContext context, bool training) =>
        !(training ? context.Layer.IsIdentity : context.Layer.IsIdentityAtInference);

    /// <summary>Writes the buffer declarations the spans need.</summary>
    public void EmitDeclarations(SourceWriter w)
    {
        foreach (string line in _declarations) w.Line(line);
    }

    /// <summary>
    /// Every output kept, in one buffer <c>activations</c> of slices <c>y_{name}</c>, for passes that go backward.
    /// </summary>
    public static ActivationPlan KeepAll(IReadOnlyList<LayerContext> layers, bool training, BufferPlan buffers, string owner)
    {
        ActivationPlan plan = Named(layers, training);
        var slices = new List<string>();
        long total = 0;
        foreach (LayerContext context in layers)
        {
            if (!Computes(context, training)) continue;
            slices.Add($"{Names.Span} {plan._outputs[context.Index]} = activations.Slice({Format.Int(total)}, {context.SizeName});");
            total += context.Layer.Output.Size;
        }
        if (total > 0)
        {
            plan._declarations.Add($"// Every layer's output ({Format.Thousands(total)} floats), kept for the backward pass.");
            plan._declarations.Add(buffers.Declare("activations", total, owner));
            plan._declarations.AddRange(slices);
        }
        return plan;
    }

    /// <summary>
    /// Every computing layer's output as <c>y_{name}</c> (an identity layer's as its input's), spans that the caller
    /// declares: the batch step keeps them in each sample's block.
    /// </summary>
    public static ActivationPlan Named(IReadOnlyList<LayerContext> layers, bool training)
    {
        var plan = new ActivationPlan(layers.Count);
        foreach (LayerContext context in layers)
            plan._outputs[context.Index] = Computes(context, training) ? "y_" + context.Layer.Name : plan.Input(context);
        return plan;
    }

    /// <summary>
    /// Inference with buffers reused by liveness: a buffer is free again once the last layer that reads its value has
    /// run. The last computing layer writes straight into <c>output</c>. Buffers are <c>bufferA</c>, <c>bufferB</c>, ...
    /// </summary>
    public static ActivationPlan Reuse(IReadOnlyList<LayerContext> layers, BufferPlan buffers, string owner)
    {
        var plan = new ActivationPlan(layers.Count, layers);
        // Which computing layer's value each layer's output is (identity layers, layers that a convolution's kernel
        // applies on the way out, and paddings that the next kernel reads through, pass their source's on).
        var value = new int[layers.Count];
        int lastComputing = -1;
        foreach (LayerContext context in layers)
        {
            bool computes = Computes(context, training: false) && context.FusedInto < 0;
            value[context.Index] = computes ? context.Index
                : context.FusedInto >= 0 && context.FusedInto < context.Index ? context.FusedInto // applied by an earlier layer's kernel
                : context.Source < 0 ? -1 : value[context.Source];
            if (computes) lastComputing = context.Index;
        }
        var lastUse = new int[layers.Count];
        foreach (LayerContext context in layers)
            foreach (int source in context.Sources)
                if (source >= 0 && value[source] >= 0)
                    lastUse[value[source]] = Math.Max(lastUse[value[source]], context.Index);

        var slotSizes = new List<long>();
        var slotValue = new List<int>();
        var slotOf = new int[layers.Count];
        foreach (LayerContext context in layers)
        {
            int i = context.Index;
            if (value[i] != i)
            {
                // The span of the value it stands for (an earlier layer's, assigned above; a fused layer's source need not be it).
                plan._outputs[i] = value[i] < 0 ? "input" : plan._outputs[value[i]];
                continue;
            }
            if (i == lastComputing)
            {
                plan._outputs[i] = "output";
                continue;
            }
            // A layer that may work in place, on a value in a buffer that no later layer reads: that buffer.
            if (context.Layer.ForwardInPlace && context.Source >= 0 && value[context.Source] is int input && input >= 0 && lastUse[input] == i)
            {
                slotOf[i] = slotOf[input];
                slotValue[slotOf[i]] = i;
                plan._outputs[i] = plan._outputs[input];
                continue;
            }
            // A slot whose value no layer from this one on reads (this layer's own input is still being read).
            int slot = slotValue.FindIndex(v => v < 0 || lastUse[v] < i);
            if (slot < 0)
            {
                slot = slotSizes.Count;
                slotSizes.Add(0);
                slotValue.Add(-1);
            }
            slotValue[slot] = i;
            slotOf[i] = slot;
            slotSizes[slot] = Math.Max(slotSizes[slot], context.Layer.Output.Size);
            plan._outputs[i] = $"{SlotName(slot)}.Slice(0, {context.SizeName})";
        }
        for (int slot = 0; slot < slotSizes.Count; slot++)
            plan._declarations.Add(buffers.Declare(SlotName(slot), slotSizes[slot], owner));
        return plan;
    }

    private static string SlotName(int slot) => "buffer" + (char)('A' + slot % 26) + (slot >= 26 ? Format.Int(slot / 26) : "");
}
