using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using Max = Cnn.Attributes.MaxPool1DAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[MaxPool1D]</c> and <c>[AvgPool1D]</c>: pooling over windows of steps of each channel of a sequence (Keras
/// <c>MaxPooling1D</c>, <c>AveragePooling1D</c>). A sequence is laid out as an image one column wide, so a 1D pool
/// is a 2D pool with a window one column wide: the code is <see cref="Pool2DEmitter"/>'s, SIMD kernels included.
/// </summary>
/// <param name="IsMax">Max pooling (true) or average pooling (false).</param>
/// <param name="Size">Window length in steps.</param>
/// <param name="Stride">Stride in steps.</param>
/// <param name="Padding">Valid or Same (padded steps are ignored, never averaged).</param>
internal sealed record Pool1DSpec(bool IsMax, int Size, int Stride, Padding Padding) : LayerSpec
{
    /// <summary>Reads <c>[MaxPool1D(size)]</c>; the stride defaults to the size.</summary>
    public static readonly LayerKind MaxKind = new(nameof(Attributes.MaxPool1DAttribute), static a => Read(a, isMax: true));

    /// <summary>Reads <c>[AvgPool1D(size)]</c>.</summary>
    public static readonly LayerKind AverageKind = new(nameof(Attributes.AvgPool1DAttribute), static a => Read(a, isMax: false));

    // Both attributes name their arguments alike; the max pool's names stand for both.
    private static Pool1DSpec Read(AttributeArguments a, bool isMax) =>
        new(isMax, a.Int(0), a.NamedInt(nameof(Max.Stride)) ?? a.Int(0), (Padding)(a.NamedInt(nameof(Max.Padding)) ?? 0));

    /// <summary>Steps of padding before the sequence (Same padding: the smaller half).</summary>
    public int PadBefore { get; init; }

    /// <inheritdoc/>
    public override string KerasType => IsMax ? "MaxPooling1D" : "AveragePooling1D";

    /// <inheritdoc/>
    public override string DefaultBaseName => IsMax ? "max_pooling1d" : "average_pooling1d";

    /// <inheritdoc/>
    public override string AttributeName => IsMax ? "[MaxPool1D]" : "[AvgPool1D]";

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(Size, "size", "the pool size");
        check.WindowCells(Size, 1, "size", "pool window");
        // The stride defaults to the window: only a stride set apart from it is checked on its own.
        if (Stride != Size) check.AtLeastOne(Stride, nameof(Max.Stride), "the stride");
        check.Enum<Padding>((int)Padding, nameof(Max.Padding), 2);
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!check.Sequence(input, "1D pooling", IsMax ? "[MaxPool2D]" : "[AvgPool2D]")) return null;
        if (Padding == Padding.Valid && Size > input.Height)
            return check.Mismatch($"{check.Label} has a pool window of {Size} steps, longer than its input of {input.Height} steps ({check.Producer}): use a smaller window, remove a pooling layer above, or Padding = Padding.Same");
        if (check.Window(TensorShape.Image(input.Height, 1, input.Channels), Size, 1, Stride, 1, Padding, "pool window") is not { } window) return null;
        return this with { Input = input, Output = TensorShape.Sequence(window.Height, input.Channels), PadBefore = window.PadTop };
    }

    /// <summary>The same pooling on the sequence seen as an image one column wide, which <see cref="Pool2DEmitter"/> writes.</summary>
    private Pool2DSpec AsImagePool => new Pool2DSpec(IsMax, Size, 1, Stride, 1, Padding)
    {
        Name = Name,
        Input = TensorShape.Image(Input.Height, 1, Input.Channels),
        Output = TensorShape.Image(Output.Height, 1, Output.Channels),
        PadTop = PadBefore,
    };

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Name}: {KerasType} {Size} stride {Stride} {(Padding == Padding.Same ? "same" : "valid")}, {Input} -> {Output}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Ints("pool_size", Size).Ints("strides", Stride).Padding(Padding).Pads1D(Input, Output, Size, Stride, PadBefore);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        Pool2DSpec image = AsImagePool;
        Pool2DEmitter.EmitForward(code, context, image);
        code.Line();
        Pool2DEmitter.EmitBackward(code, context, image);
        code.Line();
        Pool2DEmitter.EmitKernels(kernels, context, image);
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}({x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}({call.X}, {call.Dy}, {call.Dx});");
}
