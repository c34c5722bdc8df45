using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;

namespace Cnn.Generator.Layers;

/// <summary><c>[Sigmoid]</c>, <c>[Tanh]</c>, <c>[Softmax]</c>: a standalone activation layer (<c>[ReLU]</c> is <see cref="ReLUSpec"/>).</summary>
/// <param name="Activation">The function applied.</param>
internal sealed record ActivationSpec(Activation Activation) : LayerSpec
{
    /// <summary>Reads <c>[Sigmoid]</c>.</summary>
    public static readonly LayerKind SigmoidKind = new(nameof(Attributes.SigmoidAttribute), static _ => new ActivationSpec(Activation.Sigmoid));

    /// <summary>Reads <c>[Tanh]</c>.</summary>
    public static readonly LayerKind TanhKind = new(nameof(Attributes.TanhAttribute), static _ => new ActivationSpec(Activation.Tanh));

    /// <summary>Reads <c>[Softmax]</c>.</summary>
    public static readonly LayerKind SoftmaxKind = new(nameof(Attributes.SoftmaxAttribute), static _ => new ActivationSpec(Activation.Softmax));

    /// <inheritdoc/>
    public override string KerasType => Activation switch
    {
        Activation.Softmax => "Softmax",
        _ => "Activation",
    };

    /// <inheritdoc/>
    public override string DefaultBaseName => Activation switch
    {
        Activation.Softmax => "softmax",
        _ => "activation",
    };

    /// <inheritdoc/>
    public override string AttributeName => "[" + Activation + "]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check) => Activation == Activation.Softmax && !input.IsVector
        ? check.Mismatch($"{check.Label} expects a vector, but {check.Producer}: insert [Flatten] (and usually a [Dense] layer) before it{(input.IsSequence ? ", or reduce the sequence with [GlobalAveragePooling1D]" : "")}")
        : this with { Input = input, Output = input };

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: {Activation}, {Input}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments.Activation(Activation);

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training)
    {
        if (x != y) w.Line($"{x}.CopyTo({y});");
        w.Line(ActivationCall(Activation, y)!);
    }

    /// <inheritdoc/>
    public override bool ForwardInPlace => true;

    /// <inheritdoc/>
    public override bool BackwardInPlace => true;

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call)
    {
        // dy is taken through the activation in place: y' of the function, from its output.
        string backward = ActivationBackwardCall(Activation, call.Y, call.Dy)!;
        w.Line(call.SkipActivation == "false" ? call.Guard + backward : $"{call.Guard}if (!{call.SkipActivation}) {backward}");
    }
}
