using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Validation;

/// <summary>One attribute of the model's list, as the front end read it, before any checking.</summary>
internal abstract record ParsedItem;

/// <summary>A layer attribute. <see cref="LayerSpec.Name"/> is the declared name, or empty for the Keras default.</summary>
/// <param name="Layer">The layer's arguments (shapes not yet known).</param>
internal sealed record LayerItem(LayerSpec Layer) : ParsedItem;

/// <summary>A layer attribute the compiler could not bind (reported by the front end): the shapes after it are unknown.</summary>
internal sealed record UnreadableLayerItem : ParsedItem;

/// <summary><c>[ExpectShape(...)]</c>: the shape expected after the layers above it.</summary>
/// <param name="Dims">The expected dimensions.</param>
/// <param name="IsNull">Whether the attribute was given a null array (<c>ExpectShape(null)</c>).</param>
internal sealed record ExpectShapeItem(EquatableArray<int> Dims, bool IsNull = false) : ParsedItem;

/// <summary><c>[ExpectParameters(n)]</c>: the expected total parameter count.</summary>
/// <param name="Count">The expected total.</param>
internal sealed record ExpectParametersItem(long Count) : ParsedItem;

/// <summary>
/// A problem found by the validator, with no Roslyn types: the rule id, which attribute (its index in the
/// item list, or -1 for the <c>[Model]</c> attribute), which argument if one is to blame, and the message.
/// </summary>
/// <param name="Id">The rule id (<c>CNN0004</c>).</param>
/// <param name="ItemIndex">Index into the item list, or -1 for <c>[Model]</c>.</param>
/// <param name="Argument">The argument to point at: a constructor parameter or property name; null for the whole attribute.</param>
/// <param name="Message">The complete message.</param>
internal sealed record Problem(string Id, int ItemIndex, string? Argument, string Message);

/// <summary>What the validator concluded.</summary>
/// <param name="Layers">Layers with names and shapes (shapes are meaningful only when there is no error).</param>
/// <param name="Problems">Every problem found, in source order.</param>
/// <param name="ParameterCount">The total parameter count.</param>
/// <param name="StackBytes">Bytes of stack one sample's forward and backward buffers need.</param>
internal sealed record ValidationResult(EquatableArray<LayerSpec> Layers, EquatableArray<Problem> Problems, long ParameterCount, long StackBytes);
