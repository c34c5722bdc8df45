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

    /// <summary>Plans the gradient buffers of a pass (<paramref name="training"/>: dropout computes).</summary>
    public GraphGradients(IReadOnlyList<LayerContext> layers, bool training)
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
    }

    private int ValueOf(int layer) => layer < 0 ? -1 : _value[layer];

    /// <summary>The gradient buffer of layer <paramref name="layer"/>'s output (-1: of the model's input).</summary>
    public string Of(int layer) => Name(ValueOf(layer));

    private string Name(int value) => value < 0 ? "g_input" : "g_" + _layers[value].Layer.Name;

    private bool Shared => System.Array.Exists(_consumers, c => c > 1);

    /// <summary>Declares and zeroes the gradient buffers (and a scratch buffer for inputs that several layers take).</summary>
    public void EmitDeclarations(SourceWriter w, BufferPlan buffers, string owner, int inputSize, int largest)
    {
        long total = inputSize;
        var slices = new List<string> { $"{Names.Span} g_input = valueGradients.Slice(0, InputSize);" };
        foreach (LayerContext context in _layers)
        {
            if (_value[context.Index] != context.Index) continue;
            slices.Add($"{Names.Span} {Name(context.Index)} = valueGradients.Slice({Format.Int(total)}, {context.SizeName});");
            total += context.Layer.Output.Size;
        }
        w.Line("// One gradient buffer per value, zeroed: every layer that takes a value adds its share into that value's buffer.");
        w.Line(buffers.Declare("valueGradients", total, owner));
        foreach (string slice in slices) w.Line(slice);
        w.Line("valueGradients.Clear();");
        if (Shared) w.Line(buffers.Declare("gradTemp", largest, owner) + " // a dx to add into a value that several layers take");
    }

    /// <summary>
    /// Writes the backward step of layer <paramref name="index"/> (nothing for a layer that is the identity in the pass).
    /// With <paramref name="inputGradientOptional"/>, the input's share is only computed when <c>inputGradient</c> is not empty.
    /// </summary>
    public void EmitBackward(SourceWriter w, ActivationPlan activations, int index, string gradients, string skipActivation,
        string guard, bool inputGradientOptional)
    {
        LayerContext context = _layers[index];
        w.Line($"// {context.Layer.Describe()}");
        if (!ActivationPlan.Computes(context, _training)) return;
        string dy = Name(index);
        const string InputWanted = "if (!inputGradient.IsEmpty) ";
        if (context.Layer is MergeSpec merge)
        {
            var targets = new List<string?>();
            foreach (int source in context.Sources) targets.Add(Of(source));
            merge.EmitMergeBackward(w, context, dy, targets, guard);
            return;
        }

        int value = ValueOf(context.Source);
        string target = Of(context.Source);
        string targetGuard = value < 0 && inputGradientOptional ? InputWanted : "";
        if (context.Layer.BackwardInPlace)
        {
            context.Layer.EmitBackwardCall(w, context, new BackwardCall(activations.Input(context), activations.Output(index), dy, dy,
                gradients, skipActivation, guard, _training));
            w.Line($"{guard}{targetGuard}{Names.Kernels}.Add({target}, {dy});");
            return;
        }
        bool direct = _consumers[value + 1] == 1;
        string dx = direct ? target : $"gradTemp.Slice(0, {context.InputSizeName})";
        if (targetGuard.Length > 0) dx = $"inputGradient.IsEmpty ? default : {dx}";
        context.Layer.EmitBackwardCall(w, context, new BackwardCall(activations.Input(context), activations.Output(index), dy, dx,
            gradients, skipActivation, guard, _training));
        if (!direct)
            w.Line($"{guard}{targetGuard}{Names.Kernels}.Add({target}, gradTemp.Slice(0, {context.InputSizeName}));");
    }
}
