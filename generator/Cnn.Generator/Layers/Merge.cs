using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Layers;

/// <summary>
/// A layer that takes two or more earlier layers' outputs, named as its arguments (SPEC §7 graphs). The passes call
/// <see cref="EmitMergeForward"/> and <see cref="EmitMergeBackward"/> with every input's span.
/// </summary>
/// <param name="Inputs">The names of the layers it takes, as written (<c>"input"</c>: the model's input).</param>
internal abstract record MergeSpec(EquatableArray<string> Inputs) : LayerSpec
{
    /// <inheritdoc/>
    public override bool IsMerge => true;

    /// <summary>Shape inference over every input's shape (CNN0004 naming each shape when they do not fit).</summary>
    public abstract LayerSpec? InferMerge(IReadOnlyList<TensorShape> inputs, LayerChecker check);

    /// <summary>"main 5x5x8, shortcut 5x5x4": every input's shape, for messages.</summary>
    protected string Shapes(IReadOnlyList<TensorShape> inputs) => string.Join(", ", Inputs.Zip(inputs, (name, shape) => $"'{name}' {shape}"));

    /// <inheritdoc/>
    public sealed override LayerSpec? Infer(TensorShape input, LayerChecker check) => InferMerge(new[] { input }, check);

    /// <summary>Writes the statements that compute <paramref name="y"/> from the input spans <paramref name="xs"/>.</summary>
    public abstract void EmitMergeForward(SourceWriter w, LayerContext context, IReadOnlyList<string> xs, string y);

    /// <summary>Writes the statements that ADD each input's share of <paramref name="dy"/> into <paramref name="dxs"/> (null: not wanted).</summary>
    public abstract void EmitMergeBackward(SourceWriter w, LayerContext context, string dy, IReadOnlyList<string?> dxs, string guard);

    /// <summary>Merges are emitted through <see cref="EmitMergeForward"/>: the passes never call this.</summary>
    public sealed override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        throw new System.InvalidOperationException("a merge is emitted through EmitMergeForward");

    /// <summary>Merges are emitted through <see cref="EmitMergeBackward"/>: the passes never call this.</summary>
    public sealed override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        throw new System.InvalidOperationException("a merge is emitted through EmitMergeBackward");

    /// <summary>The inputs as a plain array of names (the reader's argument is a params string[]).</summary>
    protected static EquatableArray<string> Names(AttributeArguments a) =>
        new(a.Strings(0));
}

/// <summary><c>[Add("a", "b", ...)]</c>: the element-wise sum of inputs of identical shapes (Keras <c>Add</c>), the join of a residual block.</summary>
internal sealed record AddSpec(EquatableArray<string> Inputs) : MergeSpec(Inputs)
{
    /// <summary>Reads <c>[Add(params string[] inputs)]</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.AddAttribute), static a => new AddSpec(Names(a)));

    /// <inheritdoc/>
    public override string KerasType => "Add";

    /// <inheritdoc/>
    public override string DefaultBaseName => "add";

    /// <inheritdoc/>
    public override string AttributeName => "[Add]";

    /// <inheritdoc/>
    public override LayerSpec? InferMerge(IReadOnlyList<TensorShape> inputs, LayerChecker check) => inputs.All(s => s == inputs[0])
        ? this with { Input = inputs[0], Output = inputs[0] }
        : check.Mismatch($"{check.Label} adds element by element, so its inputs must have one shape, but they are {Shapes(inputs)}: make them equal (a 1x1 Conv2D with a stride projects a shortcut)");

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: Add of {string.Join(" + ", Inputs)}, {Output}";

    /// <inheritdoc/>
    public override void EmitMergeForward(SourceWriter w, LayerContext context, IReadOnlyList<string> xs, string y)
    {
        w.Line($"{Emitters.Names.Kernels}.Add({xs[0]}, {xs[1]}, {y}); // y = {string.Join(" + ", Inputs)}");
        for (int i = 2; i < xs.Count; i++)
            w.Line($"{Emitters.Names.Kernels}.Add({y}, {xs[i]});");
    }

    /// <inheritdoc/>
    public override void EmitMergeBackward(SourceWriter w, LayerContext context, string dy, IReadOnlyList<string?> dxs, string guard)
    {
        // d(a + b)/da = 1: every input receives dy whole.
        foreach (string? dx in dxs)
            if (dx is not null) w.Line($"{guard}{Emitters.Names.Kernels}.Add({dx}, {dy});");
    }
}

/// <summary><c>[Concatenate("a", "b", ...)]</c>: the inputs joined along the channel axis (Keras <c>Concatenate</c>), other dimensions equal.</summary>
internal sealed record ConcatenateSpec(EquatableArray<string> Inputs) : MergeSpec(Inputs)
{
    /// <summary>Reads <c>[Concatenate(params string[] inputs)]</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.ConcatenateAttribute), static a => new ConcatenateSpec(Names(a)));

    /// <summary>The channels of each input, in order (set by inference).</summary>
    public EquatableArray<int> InputChannels { get; init; }

    /// <inheritdoc/>
    public override string KerasType => "Concatenate";

    /// <inheritdoc/>
    public override string DefaultBaseName => "concatenate";

    /// <inheritdoc/>
    public override string AttributeName => "[Concatenate]";

    /// <inheritdoc/>
    public override LayerSpec? InferMerge(IReadOnlyList<TensorShape> inputs, LayerChecker check)
    {
        TensorShape first = inputs[0];
        if (inputs.Any(s => s.Rank != first.Rank || s.Height != first.Height || s.Width != first.Width))
            return check.Mismatch($"{check.Label} joins its inputs along the channels, so all other dimensions must be equal, but they are {Shapes(inputs)}");
        long channels = inputs.Sum(s => (long)s.Channels);
        if (channels > int.MaxValue)
            return check.Mismatch($"{check.Label} would have more channels than this generator supports");
        var output = new TensorShape(first.Rank, first.Height, first.Width, (int)channels);
        if (!check.Size(output)) return null;
        return this with { Input = first, Output = output, InputChannels = inputs.Select(s => s.Channels).ToEquatableArray() };
    }

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: Concatenate {string.Join(", ", Inputs)} along the channels, {Output}";

    private int Pixels => Output.Height * Output.Width;

    /// <inheritdoc/>
    public override void EmitMergeForward(SourceWriter w, LayerContext context, IReadOnlyList<string> xs, string y)
    {
        // Each pixel's channels: those of the first input, then the second's, ...
        int offset = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            w.Line($"{Emitters.Names.Kernels}.CopyChannels({xs[i]}, {y}, {Pixels}, {InputChannels[i]}, {offset}, {Output.Channels}); // {Inputs[i]}: channels {offset}..{offset + InputChannels[i] - 1}");
            offset += InputChannels[i];
        }
    }

    /// <inheritdoc/>
    public override void EmitMergeBackward(SourceWriter w, LayerContext context, string dy, IReadOnlyList<string?> dxs, string guard)
    {
        // Each input receives its own channels of dy.
        int offset = 0;
        for (int i = 0; i < dxs.Count; i++)
        {
            if (dxs[i] is { } dx)
                w.Line($"{guard}{Emitters.Names.Kernels}.AddChannels({dy}, {dx}, {Pixels}, {InputChannels[i]}, {offset}, {Output.Channels}); // {Inputs[i]}");
            offset += InputChannels[i];
        }
    }
}
