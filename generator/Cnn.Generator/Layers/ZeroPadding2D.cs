using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[ZeroPadding2D]</c>: zero rows above and below an image and zero columns left and right of it (Keras
/// <c>ZeroPadding2D</c>; <c>(padding)</c> on every side, <c>(height, width)</c> symmetric, or <c>(top, bottom, left,
/// right)</c>, Keras's <c>((top, bottom), (left, right))</c>). In HWC layout each input row of w·c values is one
/// contiguous copy; the backward pass copies the same rows back out of dy.
/// </summary>
/// <param name="Top">Zero rows above.</param>
/// <param name="Bottom">Zero rows below.</param>
/// <param name="Left">Zero columns on the left.</param>
/// <param name="Right">Zero columns on the right.</param>
internal sealed record ZeroPadding2DSpec(int Top, int Bottom, int Left, int Right) : LayerSpec
{
    /// <summary>Reads <c>[ZeroPadding2D]</c> (1 on every side), <c>(padding)</c>, <c>(height, width)</c> or <c>(top, bottom, left, right)</c>.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.ZeroPadding2DAttribute), static a => a.Count switch
    {
        0 => new ZeroPadding2DSpec(1, 1, 1, 1) { Form = 0 },
        1 => new ZeroPadding2DSpec(a.Int(0), a.Int(0), a.Int(0), a.Int(0)) { Form = 1 },
        2 => new ZeroPadding2DSpec(a.Int(0), a.Int(0), a.Int(1), a.Int(1)) { Form = 2 },
        _ => new ZeroPadding2DSpec(a.Int(0), a.Int(1), a.Int(2), a.Int(3)) { Form = 4 },
    });

    /// <summary>How many constructor arguments the user wrote (0, 1, 2 or 4), so that messages point at the right one.</summary>
    public int Form { get; init; } = 4;

    /// <inheritdoc/>
    public override string KerasType => "ZeroPadding2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "zero_padding2d";

    /// <inheritdoc/>
    public override string AttributeName => "[ZeroPadding2D]";

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        switch (Form)
        {
            case 1:
                AtLeastZero(check, Top, "padding", "the padding");
                break;
            case 2:
                AtLeastZero(check, Top, "height", "the padding above and below");
                AtLeastZero(check, Left, "width", "the padding left and right");
                break;
            case 4:
                AtLeastZero(check, Top, "top", "the top padding");
                AtLeastZero(check, Bottom, "bottom", "the bottom padding");
                AtLeastZero(check, Left, "left", "the left padding");
                AtLeastZero(check, Right, "right", "the right padding");
                break;
        }
    }

    private static void AtLeastZero(LayerChecker check, int value, string argument, string what)
    {
        if (value < 0) check.OutOfRange(argument, $"{what} must be at least 0 (a number of zero rows or columns), but is {value}");
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!check.Image(input, "ZeroPadding2D")) return null;
        long height = (long)input.Height + Top + Bottom, width = (long)input.Width + Left + Right;
        if (height > int.MaxValue || width > int.MaxValue || NetworkValidator.Multiply(NetworkValidator.Multiply(height, width), input.Channels) > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} would produce {height}x{width}x{input.Channels} values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return this with { Input = input, Output = TensorShape.Image((int)height, (int)width, input.Channels) };
    }

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: ZeroPadding2D top {Top} bottom {Bottom} left {Left} right {Right}, {Input} -> {Output}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments.Ints("padding", Top, Bottom, Left, Right);

    /// <summary>Values in one input row (w·c).</summary>
    private int InRow => Input.Width * Input.Channels;

    /// <summary>Values in one output row.</summary>
    private int OutRow => Output.Width * Output.Channels;

    /// <summary>Where input row <paramref name="row"/> starts in the output, as C#.</summary>
    private string Start(string row) =>
        EmitHelpers.Plus(EmitHelpers.Times(EmitHelpers.Group(EmitHelpers.Plus(row, Top)), OutRow), Left * Input.Channels);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        code.Line("/// <summary>");
        code.Line($"/// {Describe()}.");
        code.Line($"/// y[i + {Top}, j + {Left}, c] = x[i, j, c]; the border is 0.");
        code.Line("/// </summary>");
        using (code.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            if (Left == 0 && Right == 0)
            {
                // Full-width rows: the input is one block in the middle of the output.
                if (Top > 0) code.Line($"y.Slice(0, {Top * OutRow}).Clear();");
                code.Line($"x.CopyTo(y.Slice({Top * OutRow}, {Input.Height * OutRow}));");
                if (Bottom > 0) code.Line($"y.Slice({(Top + Input.Height) * OutRow}).Clear();");
            }
            else
            {
                // Each input row into its place; only the border around them is cleared.
                code.Line($"{Names.Kernels}.CopyIntoFrame(x, y, rows: {Input.Height}, rowLength: {InRow}, xRowStride: {InRow}, paddedRowStride: {OutRow}, offset: {Top * OutRow + Left * Input.Channels});");
            }
        }
        code.Line();
        code.Line($"/// <summary>Backward pass of {Name}: dx is dy without its border (dx[i, j, c] = dy[i + {Top}, j + {Left}, c]).</summary>");
        using (code.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} dy, {Names.Span} dx)"))
        {
            if (Left == 0 && Right == 0)
            {
                code.Line($"dy.Slice({Top * OutRow}, {Input.Height * OutRow}).CopyTo(dx);");
            }
            else
            {
                using (code.Block($"for (int i = 0; i < {Input.Height}; i++)"))
                    code.Line($"dy.Slice({Start("i")}, {InRow}).CopyTo(dx.Slice({EmitHelpers.Times("i", InRow)}, {InRow}));");
            }
        }
        code.Line();
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}({x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}({call.Dy}, {call.Dx});");
}
