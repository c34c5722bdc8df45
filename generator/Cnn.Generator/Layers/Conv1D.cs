using System.Collections.Generic;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using A = Cnn.Attributes.Conv1DAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[Conv1D]</c>: a convolution along the steps of a sequence <c>[steps, channels]</c> (Keras <c>Conv1D</c>), kernel
/// <c>[k, inChannels, filters]</c>. A sequence is laid out as an image one column wide, and the kernel
/// <c>[k, in, filters]</c> has the memory of a Conv2D kernel <c>[k, 1, in, filters]</c>: the layer runs as that
/// Conv2D (<see cref="AsConv2D"/>), whose SIMD kernels serve it unchanged.
/// </summary>
/// <param name="Filters">Output channels.</param>
/// <param name="Kernel">Kernel length in steps.</param>
/// <param name="Stride">Stride in steps.</param>
/// <param name="Padding">Valid, Same or Causal (all padding before the sequence).</param>
/// <param name="DilationRate">Spacing of the kernel taps in steps.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per filter is added.</param>
internal sealed record Conv1DSpec(int Filters, int Kernel, int Stride, Padding Padding, int DilationRate, Activation Activation, bool UseBias) : LayerSpec
{
    /// <summary>Reads <c>[Conv1D(filters, kernel)]</c> and its named arguments.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.Conv1DAttribute), static a => new Conv1DSpec(a.Int(0), a.Int(1),
        a.NamedInt(nameof(A.Stride)) ?? 1, (Padding)(a.NamedInt(nameof(A.Padding)) ?? 0), a.NamedInt(nameof(A.DilationRate)) ?? 1,
        (Activation)(a.NamedInt(nameof(A.Activation)) ?? 0), a.NamedBool(nameof(A.UseBias), true)));

    /// <summary>Zero steps added before the sequence (Same: the smaller half; Causal: all of (k - 1)·d).</summary>
    public int PadBefore { get; init; }

    /// <summary>Steps the dilated kernel spans: (k - 1)·d + 1.</summary>
    public int EffectiveKernel => (Kernel - 1) * DilationRate + 1;

    /// <inheritdoc/>
    public override string KerasType => "Conv1D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "conv1d";

    /// <inheritdoc/>
    public override string AttributeName => "[Conv1D]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            // Keras's fans for a [k, in, filters] kernel: the receptive field is k.
            var kernel = ParameterTensor.Glorot("kernel", Kernel * Input.Channels, Kernel * Filters, Kernel, Input.Channels, Filters);
            return UseBias ? new[] { kernel, ParameterTensor.Zeros("bias", Filters) } : new[] { kernel };
        }
    }

    /// <summary>
    /// The same layer as a Conv2D over the sequence seen as a [steps, 1, channels] image, with a k x 1 kernel: what
    /// the emitter writes. Its padding above is <see cref="PadBefore"/>, so Causal needs nothing more.
    /// </summary>
    public Conv2DSpec AsConv2D() => new Conv2DSpec(Filters, Kernel, 1, Stride, 1, Padding, Activation, UseBias, DilationRate)
    {
        Name = Name,
        Input = TensorShape.Image(Input.Height, 1, Input.Channels),
        Output = TensorShape.Image(Output.Height, 1, Output.Channels),
        PadTop = PadBefore,
        Sequence = true,
    };

    /// <inheritdoc/>
    public override long ScratchSize => AsConv2D().ScratchSize;

    /// <inheritdoc/>
    public override bool TakesNormalization => Activation == Activation.None;

    /// <inheritdoc/>
    public override bool TakesResidual => true;

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(Filters, "filters", "the number of filters");
        check.AtLeastOne(Kernel, "kernel", "the kernel size");
        check.WindowCells(Kernel, 1, "kernel", "kernel");
        check.AtLeastOne(Stride, nameof(A.Stride), "the stride");
        check.Padding(Padding, nameof(A.Padding), causal: true);
        check.Activation(Activation, nameof(A.Activation));
        check.Dilation(DilationRate, Stride, Stride, nameof(A.DilationRate));
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!check.Sequence(input, "a 1-D convolution")) return null;
        if (Activation == Activation.Softmax)
            return check.Mismatch($"{check.Label} cannot apply Softmax to a sequence: Softmax needs a vector; use it on a [Dense] layer after [Flatten]", nameof(A.Activation));
        long span = (long)(Kernel - 1) * DilationRate + 1;
        if (span > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} has a dilated kernel of {Format.Thousands(span)} steps, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports", nameof(A.DilationRate));
        int steps, before;
        if (Padding == Padding.Causal)
        {
            // Keras: (k - 1)·d zeros before the sequence, then a valid convolution: ceil(steps / s) outputs.
            before = EffectiveKernel - 1;
            steps = (input.Height - 1) / Stride + 1;
        }
        else
        {
            // Same and Valid as for images, along the steps: a 1-wide kernel over a 1-wide image.
            if (check.Window(TensorShape.Image(input.Height, 1, input.Channels), EffectiveKernel, 1, Stride, 1, Padding,
                    DilationRate > 1 ? "dilated kernel" : "kernel") is not { } window) return null;
            before = window.PadTop;
            steps = window.Height;
        }
        var output = TensorShape.Sequence(steps, Filters);
        if (!check.Size(output)) return null;
        long kernelSize = NetworkValidator.Multiply(Kernel, NetworkValidator.Multiply(input.Channels, Filters));
        if (kernelSize > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} needs {Kernel}x{input.Channels}x{Filters} = {Format.Thousands(kernelSize)} kernel values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return this with { Input = input, Output = output, PadBefore = before };
    }

    /// <inheritdoc/>
    public override string Describe() => Conv2DEmitter.Describe(AsConv2D());

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Int("filters", Filters).Ints("kernel_size", Kernel).Ints("strides", Stride)
        .Padding(Padding).Pads1D(Input, Output, EffectiveKernel, Stride, PadBefore)
        .Ints("dilation_rate", DilationRate).Activation(Activation).Bool("use_bias", UseBias);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        // The Conv2D emitter writes Forward_/Backward_ of this layer's name, with its parameter offsets.
        LayerContext asConv2D = context with { Layer = AsConv2D() };
        Conv2DEmitter.EmitForward(code, kernels, asConv2D);
        code.Line();
        Conv2DEmitter.EmitBackward(code, kernels, asConv2D);
        code.Line();
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}(p, {call.X}, {call.Y}, {call.Dy}, {call.Dx}, {call.Gradients}, {call.SkipActivation});");
}
