using System.Collections.Generic;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Emitters;

/// <summary>
/// The backward pass of a graph model (SPEC §7: <c>Input =</c> and merges), where an output may feed several layers.
/// Every value (the model's input, and each layer's output that is not its input's span) has a gradient buffer
/// <c>g_{name}</c>, zeroed first; going back through the layers in reverse order, each layer reads its own finished
/// gradient and adds its input's share into the input's buffer. A chain keeps the two buffers used in turn instead.
/// </summary>
internal sealed class GraphGradients
{
    private readonly IReadOnlyList<LayerContext> _layers;
    private readonly bool _training;
    private readonly int[] _value;      // per layer: the layer whose output its span is, -1 for the model's input
    private readonly int[] _consumers;  // per value (index + 1): how many computing layers take it
    private readonly long[] _offsets;   // per value (index + 1): where its gradient starts in the buffers' block
    private readonly long _size;        // the floats of every value's gradient together

    /// <summary>
    /// Plans the gradient buffers of a pass (<paramref name="training"/>: dropout computes): one block of
    /// <see cref="Size"/> floats, the input's gradient first, then each value's in layer order.
    /// </summary>
    public GraphGradients(IReadOnlyList<LayerContext> layers, bool training, int inputSize)
    {
        _layers = layers;
        _training = training;
        _value = new int[layers.Count];
        _consumers = new int[layers.Count + 1];
        foreach (LayerContext context in layers)
        {
            bool computes = ActivationPlan.Computes(context, training);
            _value[context.Index] = computes ? context.Index : ValueOf(context.Source);
            if (!computes) continue;
            foreach (int source in context.Sources)
                _consumers[ValueOf(source) + 1]++;
        }
        _offsets = new long[layers.Count + 1];
        _size = inputSize;
        foreach (LayerContext context in layers)
        {
            if (_value[context.Index] != context.Index) continue;
            _offsets[context.Index + 1] = _size;
            _size += context.Layer.Output.Size;
        }
    }

    private int ValueOf(int layer) => layer < 0 ? -1 : _value[layer];

    /// <summary>The gradient buffer of layer <paramref name="layer"/>'s output (-1: of the model's input).</summary>
    public string Of(int layer) => Name(ValueOf(layer));

    private string Name(int value) => value < 0 ? "g_input" : "g_" + _layers[value].Layer.Name;

    /// <summary>The floats of every value's gradient together.</summary>
    public long Size => _size;

    /// <summary>Where the gradient of layer <paramref name="layer"/>'s output (-1: of the model's input) starts in the block.</summary>
    public long OffsetOf(int layer) => _offsets[ValueOf(layer) + 1];

    /// <summary>Whether a value feeds several layers, so that a layer's dx goes through a scratch buffer to be added.</summary>
    public bool Shared => System.Array.Exists(_consumers, c => c > 1);

    /// <summary>Declares and zeroes the gradient buffers (and a scratch buffer for inputs that several layers take).</summary>
    public void EmitDeclarations(SourceWriter w, BufferPlan buffers, string owner, int largest)
    {
        w.Line("// One gradient buffer per value, zeroed: every layer that takes a value adds its share into that value's buffer.");
        w.Line(buffers.Declare("valueGradients", _size, owner));
        EmitSlices(w, "valueGradients", 0);
        w.Line("valueGradients.Clear();");
        if (Shared) w.Line(buffers.Declare("gradTemp", largest, owner) + " // a dx to add into a value that several layers take");
    }

    /// <summary>Declares each value's gradient <c>g_{name}</c> as a slice of <paramref name="block"/>, the block starting at <paramref name="offset"/>.</summary>
    public void EmitSlices(SourceWriter w, string block, long offset)
    {
        w.Line($"{Names.Span} g_input = {block}.Slice({Format.Int(offset)}, InputSize);");
        foreach (LayerContext context in _layers)
            if (_value[context.Index] == context.Index)
                w.Line($"{Names.Span} {Name(context.Index)} = {block}.Slice({Format.Int(offset + _offsets[context.Index + 1])}, {context.SizeName});");
    }

    /// <summary>
    /// Writes the backward step of layer <paramref name="index"/> (nothing for a layer that is the identity in the pass).
    /// <paramref name="inputGradient"/> says when the model input's share is computed.
    /// </summary>
    public void EmitBackward(SourceWriter w, ActivationPlan activations, int index, string gradients, string skipActivation,
        string guard, InputGradient inputGradient)
    {
        LayerContext context = _layers[index];
        w.Line($"// {context.Layer.Describe()}");
        if (!ActivationPlan.Computes(context, _training)) return;
        string dy = Name(index);
        const string InputWanted = "if (!inputGradient.IsEmpty) ";
        if (context.Layer is MergeSpec merge)
        {
            var targets = new List<string?>();
            foreach (int source in context.Sources)
                targets.Add(ValueOf(source) < 0 && inputGradient == InputGradient.Never ? null : Of(source));
            merge.EmitMergeBackward(w, context, dy, targets, guard);
            return;
        }

        int value = ValueOf(context.Source);
        string target = Of(context.Source);
        bool never = value < 0 && inputGradient == InputGradient.Never;
        string targetGuard = value < 0 && inputGradient == InputGradient.WhenAsked ? InputWanted : "";
        if (context.Layer.BackwardInPlace)
        {
            context.Layer.EmitBackwardCall(w, context, new BackwardCall(activations.Input(context), activations.Output(index), dy, dy,
                gradients, skipActivation, guard, _training));
            if (!never) w.Line($"{guard}{targetGuard}{Names.Kernels}.Add({target}, {dy});");
            return;
        }
        bool direct = _consumers[value + 1] == 1;
        string dx = never ? "default" : direct ? target : $"gradTemp.Slice(0, {context.InputSizeName})";
        if (targetGuard.Length > 0) dx = $"inputGradient.IsEmpty ? default : {dx}";
        context.Layer.EmitBackwardCall(w, context, new BackwardCall(activations.Input(context), activations.Output(index), dy, dx,
            gradients, skipActivation, guard, _training));
        if (!direct && !never)
            w.Line($"{guard}{targetGuard}{Names.Kernels}.Add({target}, gradTemp.Slice(0, {context.InputSizeName}));");
    }
}

/// <summary>When a graph's backward pass computes the gradient of the model's input.</summary>
internal enum InputGradient
{
    /// <summary>Always (the explain pass, which returns it).</summary>
    Always,
    /// <summary>When the span <c>inputGradient</c> of the pass is not empty.</summary>
    WhenAsked,
    /// <summary>Never (the batch training step).</summary>
    Never,
}
