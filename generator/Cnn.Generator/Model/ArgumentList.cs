using System;
using System.Collections.Generic;
using System.Globalization;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Model;

/// <summary>
/// A layer's resolved arguments as C# literals, in the order the layer lists them (<see cref="LayerSpec.ListArguments"/>):
/// the generated <c>Layers</c> member writes them into <c>LayerInfo.Arguments</c> (a <c>Cnn.LayerArguments</c>) under
/// Keras's <c>get_config()</c> names, so that tools can rebuild the architecture from the model alone.
/// </summary>
internal sealed class ArgumentList
{
    private readonly List<(string Name, string Literal)> _items = new();

    /// <summary>The arguments so far: each name with its value as C#.</summary>
    public IReadOnlyList<(string Name, string Literal)> Items => _items;

    /// <summary>An integer argument.</summary>
    public ArgumentList Int(string name, int value) => Add(name, Format.Int(value));

    /// <summary>One integer per spatial axis (<c>kernel_size</c>, <c>strides</c>, <c>pads</c>), an <c>int[]</c>.</summary>
    public ArgumentList Ints(string name, params int[] values) =>
        Add(name, "new[] { " + string.Join(", ", Array.ConvertAll(values, v => Format.Int(v))) + " }");

    /// <summary>A <c>double</c> argument, round-trippable (<c>0.99</c>, <c>1E-05</c>, <c>6.0</c>).</summary>
    public ArgumentList Double(string name, double value)
    {
        string text = value.ToString("R", CultureInfo.InvariantCulture);
        if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0) text += ".0";
        return Add(name, text);
    }

    /// <summary>A flag.</summary>
    public ArgumentList Bool(string name, bool value) => Add(name, value ? "true" : "false");

    /// <summary>The fused activation (<c>activation</c>).</summary>
    public ArgumentList Activation(Activation value) => Add("activation", "global::Cnn.Activation." + value);

    /// <summary>The padding mode (<c>padding</c>).</summary>
    public ArgumentList Padding(Padding value) => Add("padding", "global::Cnn.Padding." + value);

    /// <summary>
    /// <c>pads</c> of a window sliding over an image: <c>[top, bottom, left, right]</c>, the zero rows and columns its
    /// padding comes to. The ones after the input are what the last window reaches past it (none for Valid padding, where
    /// the windows may also leave input rows unread).
    /// </summary>
    public ArgumentList Pads2D(TensorShape input, TensorShape output, int spanHeight, int spanWidth, int strideHeight, int strideWidth, int top, int left) =>
        Ints("pads", top, After(input.Height, output.Height, spanHeight, strideHeight, top), left, After(input.Width, output.Width, spanWidth, strideWidth, left));

    /// <summary><c>pads</c> of a window sliding over a sequence: <c>[before, after]</c>.</summary>
    public ArgumentList Pads1D(TensorShape input, TensorShape output, int span, int stride, int before) =>
        Ints("pads", before, After(input.Height, output.Height, span, stride, before));

    // The windows cover (out - 1)·stride + span cells from the first padded one.
    private static int After(int input, int output, int span, int stride, int before) =>
        (int)Math.Max((long)(output - 1) * stride + span - input - before, 0);

    private ArgumentList Add(string name, string literal)
    {
        _items.Add((name, literal));
        return this;
    }
}
