using System.Globalization;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using A = Cnn.Attributes.ReLUAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[ReLU]</c> and <c>[LeakyReLU]</c>: y = x &lt; 0 ? slope·x : min(x, cap) (Keras <c>ReLU</c> with
/// <c>negative_slope</c> and <c>max_value</c>, and <c>LeakyReLU</c>, which has no cap). The derivative is taken from
/// the input: 1 strictly between 0 and the cap, 0 at and above the cap (as PyTorch's <c>relu6</c>), the slope below 0
/// and at 0 itself, so a plain ReLU has relu'(0) = 0 (PyTorch, TensorFlow) and a leaky one alpha (PyTorch's
/// <c>leaky_relu</c>, TensorFlow's <c>LeakyReluGrad</c>).
/// </summary>
/// <param name="NegativeSlope">The slope below 0 (Keras <c>negative_slope</c>, or LeakyReLU's <c>alpha</c>).</param>
/// <param name="MaxValue">The cap, or null for none.</param>
/// <param name="IsLeaky">Declared as <c>[LeakyReLU]</c> (its own Keras type and default name).</param>
internal sealed record ReLUSpec(double NegativeSlope, double? MaxValue, bool IsLeaky) : LayerSpec
{
    /// <summary>Reads <c>[ReLU]</c> and its named <c>MaxValue</c> and <c>NegativeSlope</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.ReLUAttribute), static a =>
        new ReLUSpec(a.NamedDouble(nameof(A.NegativeSlope)) ?? 0, a.NamedDouble(nameof(A.MaxValue)), IsLeaky: false));

    /// <summary>Reads <c>[LeakyReLU(alpha)]</c> (alpha 0.3 when left out).</summary>
    public static readonly LayerKind LeakyKind = new(nameof(Attributes.LeakyReLUAttribute), static a =>
        new ReLUSpec(a.Count > 0 ? a.Double(0) : 0.3, null, IsLeaky: true));

    /// <summary>The constructor argument of <c>[LeakyReLU]</c>, for locations.</summary>
    private const string AlphaArgument = "alpha";

    /// <summary>Whether the cap is set to a finite value.</summary>
    private bool Capped => MaxValue is { } cap && !double.IsPositiveInfinity(cap);

    /// <summary>max(0, x): no slope and no cap, the same code as the fused ReLU.</summary>
    public bool Plain => !IsLeaky && NegativeSlope == 0 && !Capped;

    /// <inheritdoc/>
    public override string KerasType => IsLeaky ? "LeakyReLU" : "ReLU";

    /// <inheritdoc/>
    public override string DefaultBaseName => IsLeaky ? "leaky_re_lu" : "re_lu";

    /// <inheritdoc/>
    public override string AttributeName => IsLeaky ? "[LeakyReLU]" : "[ReLU]";

    /// <inheritdoc/>
    public override Activation FinalActivation =>
        Plain ? Activation.ReLU : !IsLeaky && NegativeSlope == 0 && MaxValue == 6 ? Activation.ReLU6 : Activation.None;

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        string slopeArgument = IsLeaky ? AlphaArgument : nameof(A.NegativeSlope);
        string slopeName = IsLeaky ? "alpha (the slope below 0)" : "NegativeSlope";
        if (!(NegativeSlope >= 0) || float.IsInfinity((float)NegativeSlope))
            check.OutOfRange(slopeArgument, $"{slopeName} must be a finite number of at least 0, but is {Number(NegativeSlope)}");
        if (MaxValue is { } cap && !(cap >= 0))
            check.OutOfRange(nameof(A.MaxValue), $"MaxValue caps the output and must be at least 0, but is {Number(cap)}; leave it out for no cap");
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check) => this with { Input = input, Output = input };

    /// <inheritdoc/>
    public override string Describe()
    {
        if (Plain) return $"{Name}: ReLU, {Input}";
        string slope = IsLeaky ? $"alpha {Number(NegativeSlope)}" : NegativeSlope != 0 ? $"negative slope {Number(NegativeSlope)}" : "";
        string cap = Capped ? $"max {Number(MaxValue!.Value)}" : "";
        return $"{Name}: {KerasType} {(slope.Length > 0 && cap.Length > 0 ? slope + " " + cap : slope + cap)}, {Input}";
    }

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments)
    {
        if (IsLeaky)
        {
            arguments.Double("alpha", NegativeSlope);
            return;
        }
        arguments.Double("negative_slope", NegativeSlope);
        if (Capped) arguments.Double("max_value", MaxValue!.Value);
    }

    public string Slope => Format.Float(NegativeSlope);

    public string Cap => Capped ? Format.Float(MaxValue!.Value) : "float.PositiveInfinity";

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training)
    {
        if (Plain)
        {
            if (x != y) w.Line($"{x}.CopyTo({y});");
            w.Line(ActivationCall(Activation.ReLU, y)!);
            return;
        }
        w.Line($"{Names.Kernels}.ReLU({x}, {y}, negativeSlope: {Slope}, maxValue: {Cap}); // y = x < 0 ? {Slope}·x : min(x, {Cap})");
    }

    /// <inheritdoc/>
    public override bool ForwardInPlace => true;

    /// <inheritdoc/>
    public override bool BackwardInPlace => true;

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call)
    {
        // dy is taken through the activation in place: a plain ReLU's derivative from its output, the others' from the input.
        string backward = Plain
            ? ActivationBackwardCall(Activation.ReLU, call.Y, call.Dy)!
            : $"{Names.Kernels}.ReLUBackward({call.X}, {call.Dy}, negativeSlope: {Slope}, maxValue: {Cap});";
        w.Line(call.SkipActivation == "false" ? call.Guard + backward : $"{call.Guard}if (!{call.SkipActivation}) {backward}");
    }
}
