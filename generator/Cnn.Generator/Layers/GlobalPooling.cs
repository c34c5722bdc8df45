using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[GlobalAveragePooling2D]</c>, <c>[GlobalMaxPooling2D]</c> (<c>[h, w, c] → [c]</c>) and <c>[GlobalAveragePooling1D]</c>,
/// <c>[GlobalMaxPooling1D]</c> (<c>[steps, c] → [c]</c>): the mean or the maximum of each channel over every pixel or
/// step. In HWC layout the input is rows of c channels, one row per pixel, so both are column reductions
/// (<c>Kernels.AddRows</c>, <c>Kernels.MaxOfRows</c>): one vector of channels held in a register down all the rows.
/// </summary>
/// <param name="IsMax">Max (true) or average (false).</param>
/// <param name="OneDimensional">Over a sequence (the 1D layers) or an image (the 2D ones).</param>
internal sealed record GlobalPoolSpec(bool IsMax, bool OneDimensional) : LayerSpec
{
    /// <summary>Reads <c>[GlobalAveragePooling2D]</c>.</summary>
    public static readonly LayerKind Average2DKind = new(nameof(Attributes.GlobalAveragePooling2DAttribute), static _ => new GlobalPoolSpec(false, false));

    /// <summary>Reads <c>[GlobalMaxPooling2D]</c>.</summary>
    public static readonly LayerKind Max2DKind = new(nameof(Attributes.GlobalMaxPooling2DAttribute), static _ => new GlobalPoolSpec(true, false));

    /// <summary>Reads <c>[GlobalAveragePooling1D]</c>.</summary>
    public static readonly LayerKind Average1DKind = new(nameof(Attributes.GlobalAveragePooling1DAttribute), static _ => new GlobalPoolSpec(false, true));

    /// <summary>Reads <c>[GlobalMaxPooling1D]</c>.</summary>
    public static readonly LayerKind Max1DKind = new(nameof(Attributes.GlobalMaxPooling1DAttribute), static _ => new GlobalPoolSpec(true, true));

    /// <inheritdoc/>
    public override string KerasType => (IsMax ? "GlobalMaxPooling" : "GlobalAveragePooling") + (OneDimensional ? "1D" : "2D");

    /// <inheritdoc/>
    public override string DefaultBaseName => (IsMax ? "global_max_pooling" : "global_average_pooling") + (OneDimensional ? "1d" : "2d");

    /// <inheritdoc/>
    public override string AttributeName => $"[{KerasType}]";

    /// <summary>The same layer for the other kind of input (the 1D one for an image's 2D, and back), for messages.</summary>
    private string Other => $"[{(IsMax ? "GlobalMaxPooling" : "GlobalAveragePooling")}{(OneDimensional ? "2D" : "1D")}]";

    /// <summary>The pixels (or steps) each channel is pooled over.</summary>
    private int Cells => Input.Height * Input.Width;

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        bool fits = OneDimensional
            ? check.Sequence(input, "global 1D pooling", Other)
            : check.Image(input, "global 2D pooling", Other);
        return fits ? this with { Input = input, Output = TensorShape.Vector(input.Channels) } : null;
    }

    /// <inheritdoc/>
    public override string Describe() => $"{Name}: {KerasType}, {Input} -> {Output}";

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        string over = OneDimensional ? "Σ_t x[t, c]" : "Σ_y Σ_x x[y, x, c]";
        string maxOver = OneDimensional ? "max_t x[t, c]" : "max_y max_x x[y, x, c]";
        code.Line("/// <summary>");
        code.Line($"/// {Describe()}.");
        code.Line(IsMax ? $"/// y[c] = {maxOver}" : $"/// y[c] = {over} / {Cells}");
        code.Line("/// </summary>");
        using (code.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            if (IsMax)
            {
                code.Line($"{Names.Kernels}.MaxOfRows(x, y); // the {Cells} rows of {Input.Channels} channels, one vector of channels at a time");
            }
            else
            {
                code.Line("y.Clear();");
                code.Line($"{Names.Kernels}.AddRows(x, y); // the {Cells} rows of {Input.Channels} channels summed, one vector of channels at a time");
                code.Line($"{Names.Kernels}.Scale(y, {Format.Float(1.0 / Cells)});");
            }
        }
        code.Line();
        code.Line(IsMax
            ? $"/// <summary>Backward pass of {Name}: each channel's gradient goes to the first {(OneDimensional ? "step" : "pixel (row-major)")} that holds its maximum, as PyTorch does.</summary>"
            : $"/// <summary>Backward pass of {Name}: dx[{(OneDimensional ? "t" : "y, x")}, c] = dy[c] / {Cells}.</summary>");
        using (code.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} x, {Names.ReadOnlySpan} dy, {Names.Span} dx)"))
        {
            code.Line(IsMax
                ? $"{Names.Kernels}.MaxOfRowsBackward(x, dy, dx);"
                : $"{Names.Kernels}.BroadcastRows(dy, {Format.Float(1.0 / Cells)}, dx);");
        }
        code.Line();
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}({x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}({call.X}, {call.Dy}, {call.Dx});");
}
