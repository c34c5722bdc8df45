using System;
using System.Collections.Generic;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Validation;

/// <summary>
/// What a layer kind uses to report its problems: the layer's label for messages, where its attribute is, what
/// produced its input, and the checks that several kinds share. Plain code, no Roslyn types.
/// </summary>
internal sealed class LayerChecker
{
    private readonly List<Problem> _problems;

    /// <summary>Creates a checker for the layer at item <paramref name="itemIndex"/>.</summary>
    public LayerChecker(string label, int itemIndex, string producer, List<Problem> problems)
    {
        Label = label;
        ItemIndex = itemIndex;
        Producer = producer;
        _problems = problems;
    }

    /// <summary>"Layer 3 'dense' (Dense)": how messages name the layer.</summary>
    public string Label { get; }

    /// <summary>The index of the layer's attribute in the model's attribute list.</summary>
    public int ItemIndex { get; }

    /// <summary>What produced the input, for messages: "'conv2d' produces 26x26x32" or "the input is 28x28x1".</summary>
    public string Producer { get; }

    /// <summary>Reports a problem with this layer's attribute (or <paramref name="argument"/> of it).</summary>
    public void Report(string id, string message, string? argument = null) => _problems.Add(new Problem(id, ItemIndex, argument, message));

    /// <summary>CNN0003 on <paramref name="argument"/>.</summary>
    public void OutOfRange(string argument, string message) => Report(DiagnosticIds.ArgumentOutOfRange, $"{Label}: {message}", argument);

    /// <summary>CNN0004: the layer cannot take its input. Returns null, for <c>return check.Mismatch(...)</c> in inference.</summary>
    public LayerSpec? Mismatch(string message, string? argument = null)
    {
        Report(DiagnosticIds.ShapeMismatch, message, argument);
        return null;
    }

    /// <summary>CNN0003 when <paramref name="value"/> is below 1.</summary>
    public void AtLeastOne(int value, string argument, string what)
    {
        if (value < 1) OutOfRange(argument, $"{what} must be at least 1, but is {value}");
    }

    /// <summary>CNN0003 when a window of <paramref name="height"/> x <paramref name="width"/> has more cells than the generator unrolls.</summary>
    public void WindowCells(int height, int width, string argument, string what)
    {
        long cells = (long)height * width;
        if (height >= 1 && width >= 1 && cells > NetworkValidator.MaxWindowCells)
            OutOfRange(argument, $"the {height}x{width} {what} has {Format.Thousands(cells)} cells, more than the {Format.Thousands(NetworkValidator.MaxWindowCells)} this generator unrolls; use a smaller {what}");
    }

    /// <summary>CNN0003 when <paramref name="value"/> is not a member of enum <typeparamref name="T"/> (whose members run from 0 without gaps).</summary>
    public void Enum<T>(int value, string argument) where T : struct => Enum<T>(value, argument, System.Enum.GetValues(typeof(T)).Length);

    /// <summary>CNN0003 when <paramref name="value"/> is not one of the first <paramref name="count"/> members of enum <typeparamref name="T"/>.</summary>
    public void Enum<T>(int value, string argument, int count) where T : struct
    {
        if (value < 0 || value >= count) OutOfRange(argument, $"{value} is not a valid {typeof(T).Name}");
    }

    /// <summary>
    /// CNN0003 when <paramref name="value"/> is not a <see cref="Cnn.Padding"/>, or is <c>Padding.Causal</c> on a layer
    /// other than Conv1D (<paramref name="causal"/> false).
    /// </summary>
    public void Padding(Padding value, string argument, bool causal)
    {
        if (value == Cnn.Padding.Causal && !causal)
            OutOfRange(argument, "Padding.Causal is valid only on [Conv1D]; use Padding.Valid or Padding.Same");
        else if (value < Cnn.Padding.Valid || value > Cnn.Padding.Causal)
            OutOfRange(argument, $"{(int)value} is not a valid Padding");
    }

    /// <summary>CNN0003 when a convolution's dilation is below 1, or above 1 together with a stride above 1 (as Keras).</summary>
    public void Dilation(int dilation, int strideHeight, int strideWidth, string argument)
    {
        if (dilation < 1)
            OutOfRange(argument, $"the dilation rate must be at least 1, but is {dilation}");
        else if (dilation > 1 && (strideHeight > 1 || strideWidth > 1))
            OutOfRange(argument, $"a dilation rate of {dilation} needs a stride of 1, but the stride is {(strideHeight == strideWidth ? $"{strideHeight}" : $"{strideHeight}x{strideWidth}")}: Keras does not allow both above 1");
    }

    /// <summary>CNN0003 when <paramref name="value"/> is not an <see cref="Cnn.Activation"/> member.</summary>
    public void Activation(Activation value, string argument)
    {
        if (!System.Enum.IsDefined(typeof(Activation), value)) OutOfRange(argument, $"{(int)value} is not a valid Activation");
    }

    /// <summary>
    /// CNN0004 unless <paramref name="input"/> is a sequence (steps x channels); for an image the message names the
    /// two-dimensional layer to use instead (<paramref name="imageAlternative"/>), or [Conv2D].
    /// </summary>
    public bool Sequence(TensorShape input, string what, string? imageAlternative = null)
    {
        if (input.IsSequence) return true;
        Mismatch(input.IsImage
            ? imageAlternative is null
                ? $"{Label} expects a sequence (steps x channels), but {Producer}, an image: {what} runs along one axis; use [Conv2D] on images, or [Model(steps, channels)] for sequences"
                : $"{Label} expects a sequence (steps x channels), but {Producer}, an image (height x width x channels): {what} works on sequences; use {imageAlternative} on an image"
            : $"{Label} expects a sequence (steps x channels), but {Producer}, a vector: {what} cannot follow [Flatten], [Dense] or global pooling");
        return false;
    }

    /// <summary>
    /// CNN0004 unless <paramref name="input"/> is an image; the message says what the layer needs, and for a sequence
    /// the one-dimensional layer to use instead (<paramref name="sequenceAlternative"/>), or the 1-D layers in general.
    /// </summary>
    public bool Image(TensorShape input, string what, string? sequenceAlternative = null)
    {
        if (input.IsImage) return true;
        Mismatch(input.IsSequence
            ? $"{Label} expects an image (height x width x channels), but {Producer}, a sequence (steps x channels): {what} works on images; use {sequenceAlternative ?? "the 1-D layers ([Conv1D], [MaxPool1D], ...)"} on a sequence"
            : $"{Label} expects an image (height x width x channels), but {Producer}: {what} cannot follow [Flatten] or [Dense]");
        return false;
    }

    /// <summary>CNN0004 when <paramref name="shape"/> has more values than the generator supports.</summary>
    public bool Size(TensorShape shape)
    {
        long size = NetworkValidator.Multiply(NetworkValidator.Multiply(shape.Height, shape.Width), shape.Channels);
        if (size <= NetworkValidator.MaxValues) return true;
        Mismatch($"{Label} would produce {shape} = {Format.Thousands(size)} values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return false;
    }

    /// <summary>
    /// Output size of a sliding window, as TensorFlow computes it (SPEC §2): Valid gives floor((in - k) / s) + 1;
    /// Same gives ceil(in / s) with total padding max((out - 1)·s + k - in, 0), the smaller half first.
    /// Null, after a CNN0004, when a Valid window is larger than the input.
    /// </summary>
    public WindowGeometry? Window(TensorShape input, int kh, int kw, int sh, int sw, Padding padding, string what)
    {
        if (padding == Cnn.Padding.Same)
        {
            int oh = (int)(((long)input.Height + sh - 1) / sh);
            int ow = (int)(((long)input.Width + sw - 1) / sw);
            return new WindowGeometry(oh, ow,
                (int)(Math.Max((long)(oh - 1) * sh + kh - input.Height, 0) / 2),
                (int)(Math.Max((long)(ow - 1) * sw + kw - input.Width, 0) / 2));
        }
        if (kh > input.Height || kw > input.Width)
        {
            Mismatch($"{Label} has a {kh}x{kw} {what}, larger than its {input.Height}x{input.Width} input ({Producer}): use a smaller {what}, remove a pooling layer above, or Padding = Padding.Same");
            return null;
        }
        return new WindowGeometry((input.Height - kh) / sh + 1, (input.Width - kw) / sw + 1, 0, 0);
    }
}

/// <summary>Where a sliding window lands: the output size and the padding before the input (top, left).</summary>
/// <param name="Height">Output rows.</param>
/// <param name="Width">Output columns.</param>
/// <param name="PadTop">Rows of padding above the input.</param>
/// <param name="PadLeft">Columns of padding left of the input.</param>
internal readonly record struct WindowGeometry(int Height, int Width, int PadTop, int PadLeft);
