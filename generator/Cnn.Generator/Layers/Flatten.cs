using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using A = Cnn.Attributes.FlattenAttribute;

namespace Cnn.Generator.Layers;

/// <summary><c>[Flatten]</c>: the HWC image read as a vector (row-major as Keras, so no data moves).</summary>
internal sealed record FlattenSpec : LayerSpec
{
    /// <summary>Reads <c>[Flatten]</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.FlattenAttribute), static _ => new FlattenSpec());

    /// <inheritdoc/>
    public override string KerasType => "Flatten";

    /// <inheritdoc/>
    public override string DefaultBaseName => "flatten";

    /// <inheritdoc/>
    public override string AttributeName => "[Flatten]";

    /// <inheritdoc/>
    public override bool IsIdentity => true;

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check) => !input.IsVector
        ? this with { Input = input, Output = TensorShape.Vector(input.Size) }
        : check.Mismatch($"{check.Label} expects an image or a sequence to flatten, but {check.Producer}, which is already a vector: remove [Flatten]");

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: Flatten, {Input} -> {Output} (row-major: no data moves)";

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) { }

    /// <inheritdoc/>
    public override bool BackwardInPlace => true;

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) { }
}
