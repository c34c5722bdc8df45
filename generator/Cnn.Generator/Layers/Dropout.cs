using System.Globalization;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using A = Cnn.Attributes.DropoutAttribute;

namespace Cnn.Generator.Layers;

/// <summary><c>[Dropout]</c>: inverted dropout while training (kept values scaled by 1 / (1 - rate)), the identity at inference.</summary>
/// <param name="Rate">The probability of dropping a value.</param>
internal sealed record DropoutSpec(double Rate) : LayerSpec
{
    /// <summary>Reads <c>[Dropout(rate)]</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.DropoutAttribute), static a => new DropoutSpec(a.Double(0)));

    /// <inheritdoc/>
    public override string KerasType => "Dropout";

    /// <inheritdoc/>
    public override string DefaultBaseName => "dropout";

    /// <inheritdoc/>
    public override string AttributeName => "[Dropout]";

    /// <inheritdoc/>
    public override bool IsIdentityAtInference => true;

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        if (!(Rate >= 0 && Rate < 1))
            check.OutOfRange("rate", $"the dropout rate must be in [0, 1), but is {Rate.ToString(CultureInfo.InvariantCulture)}");
        else if ((float)Rate >= 1f)
            // The generated code keeps the rate as a float, and scales the kept values by 1 / (1 - rate).
            check.OutOfRange("rate", $"the dropout rate {Rate.ToString("R", CultureInfo.InvariantCulture)} rounds to 1 as a float, which would drop every value; use at most 0.9999999");
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check) => this with { Input = input, Output = input };

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: Dropout {Rate.ToString(CultureInfo.InvariantCulture)} (training only), {Input}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments.Double("rate", Rate);

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training)
    {
        // Inference passes give dropout no buffer of its own: it is the identity there.
        if (!training) return;
        w.Line($"{x}.CopyTo({y});");
        w.Line($"if (dropout) {Names.Kernels}.Dropout({y}, {Format.Float(Rate)}, global::Cnn.RandomSource.Mix(dropoutSeed, {context.Index}));");
    }

    /// <inheritdoc/>
    public override bool BackwardInPlace => true;

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call)
    {
        if (call.Training)
            w.Line($"{call.Guard}if (dropout) {Names.Kernels}.DropoutBackward({call.Dy}, {Format.Float(Rate)}, global::Cnn.RandomSource.Mix(dropoutSeed, {context.Index}));");
    }
}
