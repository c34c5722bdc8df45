using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using A = Cnn.Attributes.Conv2DAttribute;

namespace Cnn.Generator.Layers;

/// <summary><c>[Conv2D]</c>: a 2D convolution in HWC layout with an HWIO kernel (Keras <c>Conv2D</c>).</summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per filter is added.</param>
/// <param name="DilationRate">The spacing of the kernel taps in both directions (1: adjacent).</param>
internal sealed record Conv2DSpec(int Filters, int KernelHeight, int KernelWidth, int StrideHeight, int StrideWidth,
    Padding Padding, Activation Activation, bool UseBias, int DilationRate = 1) : LayerSpec
{
    /// <summary>Reads <c>[Conv2D(filters, kernel)]</c> or <c>[Conv2D(filters, kernelHeight, kernelWidth)]</c> and its named arguments.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.Conv2DAttribute), static a =>
    {
        int kernelHeight = a.Int(1);
        var o = ConvolutionOptions.Read(a);
        return new Conv2DSpec(a.Int(0), kernelHeight, a.Count > 2 ? a.Int(2) : kernelHeight,
            o.StrideHeight, o.StrideWidth, o.Padding, o.Activation, o.UseBias, o.DilationRate);
    });

    /// <summary>
    /// Set when this spec carries out a <c>[Conv1D]</c> (a sequence laid out as an image one column wide, a k x 1
    /// kernel): the comments then speak of steps.
    /// </summary>
    public bool Sequence { get; init; }

    /// <summary>Rows the dilated kernel spans: (kh - 1)·d + 1.</summary>
    public int EffectiveKernelHeight => (KernelHeight - 1) * DilationRate + 1;

    /// <summary>Columns the dilated kernel spans: (kw - 1)·d + 1.</summary>
    public int EffectiveKernelWidth => (KernelWidth - 1) * DilationRate + 1;

    /// <summary>Zero rows added above the input (Same padding: the smaller half).</summary>
    public int PadTop { get; init; }

    /// <summary>Zero columns added left of the input (Same padding: the smaller half).</summary>
    public int PadLeft { get; init; }

    /// <summary>The number of kernel values: kh·kw·in·filters.</summary>
    public long KernelSize => (long)KernelHeight * KernelWidth * Input.Channels * Filters;

    /// <summary>Rows of the (padded) input the windows cover: (out - 1)·stride + (kh - 1)·dilation + 1.</summary>
    public long PaddedHeight => (long)(Output.Height - 1) * StrideHeight + EffectiveKernelHeight;

    /// <summary>Columns of the (padded) input the windows cover.</summary>
    public long PaddedWidth => (long)(Output.Width - 1) * StrideWidth + EffectiveKernelWidth;

    /// <summary>Floats of the zero-padded copy of the input the convolution reads.</summary>
    public long PaddedSize => PaddedHeight * PaddedWidth * Input.Channels;

    /// <summary>Rows of dy inside its frame of (kh - 1)·d zero rows on each side, for the input gradient (stride 1).</summary>
    public long FramedHeight => Output.Height + 2L * (EffectiveKernelHeight - 1);

    /// <summary>Columns of dy inside its frame of (kw - 1)·d zero columns on each side.</summary>
    public long FramedWidth => Output.Width + 2L * (EffectiveKernelWidth - 1);

    /// <summary>Floats of the framed dy.</summary>
    public long FramedSize => FramedHeight * FramedWidth * Filters;

    /// <inheritdoc/>
    public override string KerasType => "Conv2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "conv2d";

    /// <inheritdoc/>
    public override string AttributeName => "[Conv2D]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override bool TakesNormalization => Activation == Activation.None;

    /// <inheritdoc/>
    public override bool TakesResidual => true;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            var kernel = ParameterTensor.Glorot("kernel", KernelHeight * KernelWidth * Input.Channels, KernelHeight * KernelWidth * Filters,
                KernelHeight, KernelWidth, Input.Channels, Filters);
            return UseBias ? new[] { kernel, ParameterTensor.Zeros("bias", Filters) } : new[] { kernel };
        }
    }

    /// <summary>The backward pass may hold the padded input, its gradient, the flipped kernel and the framed dy at once; a Winograd forward pass its transformed kernel and tiles.</summary>
    public override long ScratchSize => Math.Max(2 * PaddedSize + KernelSize + FramedSize, Conv2DEmitter.WinogradScratch(this));

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(Filters, "filters", "the number of filters");
        check.AtLeastOne(KernelHeight, "kernelHeight", "the kernel height");
        // A square kernel written once is reported once.
        if (KernelWidth != KernelHeight) check.AtLeastOne(KernelWidth, "kernelWidth", "the kernel width");
        check.WindowCells(KernelHeight, KernelWidth, "kernelHeight", "kernel");
        ConvolutionOptions.Check(check, StrideHeight, StrideWidth, Padding, Activation, DilationRate);
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!check.Image(input, "a 2D convolution", "[Conv1D]")) return null;
        if (Activation == Activation.Softmax)
            return check.Mismatch($"{check.Label} cannot apply Softmax to an image: Softmax needs a vector; use it on a [Dense] layer after [Flatten]", nameof(A.Activation));
        // (k - 1)·d + 1 can pass int.MaxValue for absurd arguments: bound it first.
        long spanHeight = (long)(KernelHeight - 1) * DilationRate + 1, spanWidth = (long)(KernelWidth - 1) * DilationRate + 1;
        if (spanHeight > NetworkValidator.MaxValues || spanWidth > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} has a dilated kernel of {Format.Thousands(spanHeight)}x{Format.Thousands(spanWidth)}, more than the {Format.Thousands(NetworkValidator.MaxValues)} cells a side this generator supports", nameof(A.DilationRate));
        if (check.Window(input, EffectiveKernelHeight, EffectiveKernelWidth, StrideHeight, StrideWidth, Padding, DilationRate > 1 ? "dilated kernel" : "kernel") is not { } window) return null;
        var output = TensorShape.Image(window.Height, window.Width, Filters);
        if (!check.Size(output)) return null;
        // kh·kw·in·filters can pass long.MaxValue for absurd arguments: multiply with saturation.
        long kernelSize = NetworkValidator.Multiply(NetworkValidator.Multiply(KernelHeight, KernelWidth), NetworkValidator.Multiply(input.Channels, Filters));
        if (kernelSize > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} needs {KernelHeight}x{KernelWidth}x{input.Channels}x{Filters} = {Format.Thousands(kernelSize)} kernel values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return this with { Input = input, Output = output, PadTop = window.PadTop, PadLeft = window.PadLeft };
    }

    /// <inheritdoc/>
    public override string Describe() => Conv2DEmitter.Describe(this);

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Int("filters", Filters).Ints("kernel_size", KernelHeight, KernelWidth).Ints("strides", StrideHeight, StrideWidth)
        .Padding(Padding).Pads2D(Input, Output, EffectiveKernelHeight, EffectiveKernelWidth, StrideHeight, StrideWidth, PadTop, PadLeft)
        .Ints("dilation_rate", DilationRate, DilationRate).Activation(Activation).Bool("use_bias", UseBias);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        Conv2DEmitter.EmitForward(code, kernels, context);
        code.Line();
        Conv2DEmitter.EmitBackward(code, kernels, context);
        code.Line();
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}(p, {call.X}, {call.Y}, {call.Dy}, {call.Dx}, {call.Gradients}, {call.SkipActivation});");
}

/// <summary>
/// Conv2D in HWC layout with an HWIO kernel: y[oy, ox, f] = b[f] + Σ_ky Σ_kx Σ_c x[oy·s + ky - pt, ox·s + kx - pl, c] · k[ky, kx, c, f].
/// For one output pixel and one kernel row ky, the inputs x[iy + ky, ix .. ix + kw - 1, :] are contiguous, and so
/// are the weights k[ky, :, :, :]: the window is kh runs of kw·c taps. The SIMD kernels (<see cref="SimdKernels"/>)
/// hold a block of output pixels by filters in registers while those taps stream by; Same padding is a copy
/// into a zero frame first, so the kernels never test bounds.
/// </summary>
internal static partial class Conv2DEmitter
{
    /// <summary>A one-line description for comments.</summary>
    public static string Describe(Conv2DSpec c) => c.Sequence
        ? $"{c.Name}: Conv1D {c.KernelHeight} stride {c.StrideHeight}{Dilation(c)} {PaddingName(c.Padding)}, {EmitHelpers.Describe(c.Activation)}, {Shape(c, c.Input)} -> {Shape(c, c.Output)}"
        : $"{c.Name}: Conv2D {c.KernelHeight}x{c.KernelWidth} stride {Stride(c)}{Dilation(c)} {PaddingName(c.Padding)}, {EmitHelpers.Describe(c.Activation)}, {c.Input} -> {c.Output}";

    private static string Stride(Conv2DSpec c) => c.StrideHeight == c.StrideWidth ? Format.Int(c.StrideHeight) : $"{c.StrideHeight}x{c.StrideWidth}";

    private static string Dilation(Conv2DSpec c) => c.DilationRate > 1 ? $" dilation {c.DilationRate}" : "";

    /// <summary>"valid", "same", "causal".</summary>
    public static string PaddingName(Padding padding) => padding switch { Padding.Same => "same", Padding.Causal => "causal", _ => "valid" };

    // A Conv1D's shapes are images one column wide inside; comments show them as sequences.
    private static string Shape(Conv2DSpec c, TensorShape shape) => c.Sequence ? TensorShape.Sequence(shape.Height, shape.Channels).ToString() : shape.ToString();

    // The validator has checked that every buffer, the padded input and the framed dy included, holds at most 2^30 values.
    private static int PaddedHeight(Conv2DSpec c) => (int)c.PaddedHeight;

    private static int PaddedWidth(Conv2DSpec c) => (int)c.PaddedWidth;

    /// <summary>
    /// Whether the input is copied into a zero-padded buffer first (Same padding, or Valid windows that leave
    /// rows or columns unused): the kernels then always see a valid convolution with no bounds to test.
    /// </summary>
    private static bool Padded(Conv2DSpec c) =>
        c.PadTop > 0 || c.PadLeft > 0 || PaddedHeight(c) != c.Input.Height || PaddedWidth(c) != c.Input.Width;

    /// <summary>The valid convolution over the padded input (the kernel gradient's).</summary>
    private static ConvGeometry Geometry(Conv2DSpec c) => new(PaddedHeight(c), PaddedWidth(c), c.Input.Channels,
        c.Output.Height, c.Output.Width, c.Filters, c.KernelHeight, c.KernelWidth, c.StrideHeight, c.StrideWidth, c.DilationRate, c.DilationRate);

    /// <summary>
    /// Whether the forward kernel reads the input itself although it is <see cref="Padded"/>: no window reaches past the
    /// input (no zeros needed), so Valid windows that leave its last rows or columns unused walk the input's own rows.
    /// </summary>
    private static bool ForwardReadsInput(Conv2DSpec c) => c.Input.Contains(c.PadTop, c.PadLeft, c.PaddedHeight, c.PaddedWidth);

    /// <summary>The valid convolution the forward kernel computes: over the input itself or over its padded copy.</summary>
    private static ConvGeometry ForwardGeometry(Conv2DSpec c) =>
        ForwardReadsInput(c) ? Geometry(c) with { InHeight = c.Input.Height, InWidth = c.Input.Width } : Geometry(c);

    /// <summary>
    /// The input gradient as a valid convolution (stride 1 only): dy padded by (kh - 1)·d rows and (kw - 1)·d columns on
    /// every side, convolved with the kernel flipped in both axes and with filters and channels swapped (same dilation).
    /// </summary>
    private static ConvGeometry InputGradientGeometry(Conv2DSpec c) => new((int)c.FramedHeight, (int)c.FramedWidth,
        c.Filters, PaddedHeight(c), PaddedWidth(c), c.Input.Channels, c.KernelHeight, c.KernelWidth, 1, 1, c.DilationRate, c.DilationRate);


    /// <summary>The kernel versions this layer needs on the build's target, widest first.</summary>
    private static List<VectorPath> Paths(LayerContext context, Conv2DSpec c) => SimdKernels.Paths(context.Target, c.Filters, c.Input.Channels);

    private static string Ref(string span) => $"ref MemoryMarshal.GetReference({span})";

    /// <summary>Emits <c>Forward_{name}(p, x, y)</c> and the SIMD kernels it calls.</summary>
    public static void EmitForward(SourceWriter w, SourceWriter k, LayerContext context)
    {
        var c = (Conv2DSpec)context.Layer;
        ConvGeometry g = ForwardGeometry(c);
        w.Line("/// <summary>");
        w.Line($"/// {Describe(c)}.");
        string open = c.Activation == Activation.None ? "" : c.Activation + "(", close = c.Activation == Activation.None ? "" : ")";
        string tap = c.DilationRate > 1 ? $"·{c.DilationRate}" : "";
        w.Line(c.Sequence
            ? $"/// y[t, f] = {open}{(c.UseBias ? "bias[f] + " : "")}Σ_k Σ_c x[t·{c.StrideHeight} + k{tap}{(c.PadTop > 0 ? $" - {c.PadTop}" : "")}, c] · kernel[k, c, f]{close}{(c.PadTop > 0 ? $", x = 0 outside the sequence" : "")}"
            : $"/// y[oy, ox, f] = {open}{(c.UseBias ? "bias[f] + " : "")}Σ_ky Σ_kx Σ_c x[oy·{c.StrideHeight} + ky{tap}{(c.PadTop > 0 ? $" - {c.PadTop}" : "")}, ox·{c.StrideWidth} + kx{tap}{(c.PadLeft > 0 ? $" - {c.PadLeft}" : "")}, c] · kernel[ky, kx, c, f]{close}");
        if (OutputFusion.Summary(context) is { } fusedLine) w.Line($"/// {fusedLine}");
        w.Line("/// </summary>");
        context.EmitSkipLocalsInit(w);
        bool winograd = UsesWinograd(c);
        using (w.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y{OutputFusion.Parameter(context)})"))
        {
            if (winograd) EmitWinogradForward(w, context, c, Paths(context, c)[0].Bits);
            else EmitDirectForward(w, context, c);
            if (c.Activation != Activation.ReLU && ActivationCall(c.Activation, "y") is { } activation)
                w.Line(activation);
        }
        w.Line();
        if (winograd) return; // the runtime's Winograd kernel: no kernels of its own
        foreach (VectorPath path in Paths(context, c))
        {
            SimdKernels.EmitConvolution(k, $"Convolve_{context.MethodSuffix}", g, path, c.UseBias, c.Activation == Activation.ReLU,
                $"The convolution of {c.Name} over the {(Padded(c) && !ForwardReadsInput(c) ? "padded " : "")}input, {g.InHeight}x{g.InWidth}x{g.InChannels} -> {g.OutHeight}x{g.OutWidth}x{g.Filters}{(c.Activation == Activation.ReLU ? ", ReLU applied on the way out" : "")}{(context.Fused is { } f ? $"; when fused, {f.Names} applied on the way out" : "")}",
                epilogue: context.Fused?.Epilogue, wideBlocks: true);
            k.Line();
        }
    }

    /// <summary>The body of <c>Forward_{name}</c> by the generated SIMD kernels: the padded copy if any, then the convolution.</summary>
    private static void EmitDirectForward(SourceWriter w, LayerContext context, Conv2DSpec c)
    {
        w.Line($"ref float kernel = ref Unsafe.Add({Ref("p")}, {context.Offset("kernel")}); // [{c.KernelHeight}, {(c.Sequence ? "" : $"{c.KernelWidth}, ")}{c.Input.Channels}, {c.Filters}]");
        w.Line(c.UseBias
            ? $"ref float bias = ref Unsafe.Add({Ref("p")}, {context.Offset("bias")}); // [{c.Filters}]"
            : "ref float bias = ref kernel; // no bias: not read");
        string source = "x";
        if (Padded(c) && !ForwardReadsInput(c))
        {
            EmitPaddedCopy(w, context, "x", "padded");
            source = "padded";
        }
        string fused = OutputFusion.EmitEpilogueArguments(w, context);
        SimdKernels.EmitDispatch(w, $"Convolve_{context.MethodSuffix}", $"{Ref(source)}, ref kernel, ref bias, {Ref("y")}{fused}", Paths(context, c));
    }


    /// <summary>Copies <paramref name="x"/> into a new zero-padded scratch buffer named <paramref name="padded"/>.</summary>
    private static void EmitPaddedCopy(SourceWriter w, LayerContext context, string x, string padded)
    {
        var c = (Conv2DSpec)context.Layer;
        int hp = PaddedHeight(c), wp = PaddedWidth(c), ch = c.Input.Channels;
        int columns = Math.Min(c.Input.Width, wp - c.PadLeft);
        w.Line(c.Sequence
            ? $"// The sequence after {c.PadTop} zero steps{(hp - c.PadTop > c.Input.Height ? $" and before {hp - c.PadTop - c.Input.Height}" : "")} ({hp} steps), so that every window is whole."
            : $"// The input inside a {hp}x{wp} frame of zeros ({c.PadTop} rows above, {c.PadLeft} columns left), so that every window is whole.");
        w.Line(context.Buffers.DeclareScratch(padded, hp * wp * ch));
        int rows = Math.Min(c.Input.Height, hp - c.PadTop);
        w.Line($"{Names.Kernels}.CopyIntoFrame({x}, {padded}, rows: {rows}, rowLength: {columns * ch}, xRowStride: {c.Input.Width * ch}, paddedRowStride: {wp * ch}, offset: {(c.PadTop * wp + c.PadLeft) * ch});");
    }

    /// <summary>
    /// Emits <c>Backward_{name}(p, x, y, dy, dx, gradients, skipActivation)</c>: dy becomes the gradient before the
    /// activation, then dKernel += Σ_pixels x windowᵀ·dy, dBias += Σ_pixels dy, and dx = the transposed convolution of dy.
    /// </summary>
    public static void EmitBackward(SourceWriter w, SourceWriter k, LayerContext context)
    {
        var c = (Conv2DSpec)context.Layer;
        bool strided = c.StrideHeight != 1 || c.StrideWidth != 1;
        w.Line($"/// <summary>Backward pass of {c.Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).</summary>");
        context.EmitSkipLocalsInit(w);
        using (w.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(c.Activation, "y", "dy") is { } backward)
                w.Line($"if (!skipActivation) {backward}");
            string source = "x";
            if (Padded(c))
            {
                EmitPaddedCopy(w, context, "x", "padded");
                source = "padded";
            }
            using (w.Block("if (!gradients.IsEmpty)"))
            {
                string tap = c.DilationRate > 1 ? $"·{c.DilationRate}" : "";
                w.Line($"// dKernel[ky, kx, c, f] += Σ_oy Σ_ox x[oy·{c.StrideHeight} + ky{tap}, ox·{c.StrideWidth} + kx{tap}, c] · dy[oy, ox, f]{(Padded(c) ? " (x padded)" : "")}");
                SimdKernels.EmitDispatch(w, $"KernelGradient_{context.MethodSuffix}", $"{Ref(source)}, {Ref("dy")}, ref Unsafe.Add({Ref("gradients")}, {context.Offset("kernel")})", Paths(context, c));
                if (c.UseBias)
                {
                    w.Line("// dBias[f] += Σ_oy Σ_ox dy[oy, ox, f]");
                    w.Line($"{Names.Kernels}.AddRows(dy, gradients.Slice({context.Offset("bias")}, {c.Filters}));");
                }
            }
            using (w.Block("if (!dx.IsEmpty)"))
            {
                if (strided) EmitStridedInputGradient(w, context, c);
                else EmitInputGradient(w, context, c);
            }
        }
        w.Line();
        foreach (VectorPath path in Paths(context, c))
        {
            SimdKernels.EmitKernelGradient(k, $"KernelGradient_{context.MethodSuffix}", Geometry(c), path, $"The kernel gradient of {c.Name}");
            k.Line();
        }
        if (strided)
            EmitStridedInputGradientKernels(k, context, c);
        else
        {
            ConvGeometry g = InputGradientGeometry(c);
            foreach (VectorPath path in Paths(context, c))
            {
                SimdKernels.EmitConvolution(k, $"InputGradient_{context.MethodSuffix}", g, path, bias: false, relu: false,
                    $"The input gradient of {c.Name}: the framed dy ({g.InHeight}x{g.InWidth}x{g.InChannels}) convolved with the flipped, transposed kernel -> {g.OutHeight}x{g.OutWidth}x{g.Filters}",
                    zeroRows: c.DilationRate > 1 ? 0 : c.KernelHeight - 1);
                k.Line();
            }
        }
    }

    /// <summary>Stride 1: dx is a convolution of the zero-padded dy with the flipped kernel, channels and filters swapped.</summary>
    private static void EmitInputGradient(SourceWriter w, LayerContext context, Conv2DSpec c)
    {
        ConvGeometry g = InputGradientGeometry(c);
        int kh = c.KernelHeight, kw = c.KernelWidth, f = c.Filters, ch = c.Input.Channels, d = c.DilationRate;
        int frameRows = c.EffectiveKernelHeight - 1, frameColumns = c.EffectiveKernelWidth - 1;
        string tap = d > 1 ? $"·{d}" : "";
        w.Line($"// dx[iy, ix, c] = Σ_ky Σ_kx Σ_f dy[iy - ky{tap}, ix - kx{tap}, f] · kernel[ky, kx, c, f]: a convolution of dy framed by");
        w.Line($"// {frameRows} rows and {frameColumns} columns of zeros with flipped[ky, kx, f, c] = kernel[{kh - 1} - ky, {kw - 1} - kx, c, f]{(d > 1 ? $", dilated by {d} as well" : "")}.");
        w.Line(context.Buffers.DeclareScratch("flipped", c.KernelSize));
        w.Line($"{Names.Kernels}.FlipAndTranspose(p.Slice({context.Offset("kernel")}, {c.KernelSize}), flipped, {kh}, {kw}, {ch}, {f});");
        w.Line(context.Buffers.DeclareScratch("framed", g.InHeight * g.InWidth * f));
        w.Line("framed.Clear();");
        using (w.Block($"for (int oy = 0; oy < {c.Output.Height}; oy++)"))
            w.Line($"dy.Slice(oy * {c.Output.Width * f}, {c.Output.Width * f}).CopyTo(framed.Slice((oy + {frameRows}) * {g.InWidth * f} + {frameColumns * f}, {c.Output.Width * f}));");
        if (!Padded(c))
        {
            SimdKernels.EmitDispatch(w, $"InputGradient_{context.MethodSuffix}", $"{Ref("framed")}, {Ref("flipped")}, {Ref("flipped")}, {Ref("dx")}", Paths(context, c));
            return;
        }
        int hp = PaddedHeight(c), wp = PaddedWidth(c);
        w.Line(context.Buffers.DeclareScratch("paddedGradient", hp * wp * ch));
        SimdKernels.EmitDispatch(w, $"InputGradient_{context.MethodSuffix}", $"{Ref("framed")}, {Ref("flipped")}, {Ref("flipped")}, {Ref("paddedGradient")}", Paths(context, c));
        w.Line("// Drop the padding: the gradient of the zeros around the input goes nowhere.");
        w.Line("dx.Clear();");
        int rows = Math.Min(c.Input.Height, hp - c.PadTop), columns = Math.Min(c.Input.Width, wp - c.PadLeft);
        using (w.Block($"for (int iy = 0; iy < {rows}; iy++)"))
            w.Line($"paddedGradient.Slice((iy + {c.PadTop}) * {wp * ch} + {c.PadLeft * ch}, {columns * ch}).CopyTo(dx.Slice(iy * {c.Input.Width * ch}, {columns * ch}));");
    }

    /// <summary>
    /// One phase of a strided input gradient: the (padded) input positions (<see cref="Row"/> + sh·q,
    /// <see cref="Column"/> + sw·r) for q &lt; <see cref="Rows"/>, r &lt; <see cref="Columns"/>, which meet only the
    /// <see cref="TapRows"/> x <see cref="TapColumns"/> kernel taps ky ≡ Row (mod sh), kx ≡ Column (mod sw).
    /// </summary>
    private readonly record struct StridePhase(int Row, int Column, int TapRows, int TapColumns, int Rows, int Columns)
    {
        public string Name => $"{Row}_{Column}";
    }

    /// <summary>Taps of a kernel axis that meet the positions ≡ phase (mod stride): as <c>Kernels.PhaseTaps</c>.</summary>
    private static int PhaseTaps(int kernelSize, int stride, int phase) => phase >= kernelSize ? 0 : (kernelSize - phase + stride - 1) / stride;

    private static int CeilingDivide(long value, int divisor) => (int)((value + divisor - 1) / divisor);

    /// <summary>
    /// The most phases that get a kernel each (strides up to 3x3): beyond, the generated code would grow by a kernel per
    /// phase and vector width, and the input gradient is computed pixel by pixel instead.
    /// </summary>
    private const int MostStridePhases = 9;

    /// <summary>
    /// The phases of a strided input gradient that meet at least one tap (the others get zeros), each to get its own
    /// kernel; null when there are more than <see cref="MostStridePhases"/>.
    /// </summary>
    private static List<StridePhase>? PhaseKernels(Conv2DSpec c)
    {
        // Phases from the kernel size on meet no tap (a stride may be far larger than the kernel); those below meet some.
        int rows = Math.Min(c.StrideHeight, c.KernelHeight), columns = Math.Min(c.StrideWidth, c.KernelWidth);
        if ((long)rows * columns > MostStridePhases) return null;
        var phases = new List<StridePhase>();
        for (int row = 0; row < rows; row++)
            for (int column = 0; column < columns; column++)
                phases.Add(new StridePhase(row, column, PhaseTaps(c.KernelHeight, c.StrideHeight, row), PhaseTaps(c.KernelWidth, c.StrideWidth, column),
                    CeilingDivide(c.PaddedHeight - row, c.StrideHeight), CeilingDivide(c.PaddedWidth - column, c.StrideWidth)));
        return phases;
    }

    /// <summary>
    /// dy inside the frame every phase reads: ⌈kh / sh⌉ − 1 zero rows above (the most taps a phase has, less one) and
    /// enough below for the phase with the most rows; likewise for columns.
    /// </summary>
    private static (int Height, int Width, int TopRows, int LeftColumns) StrideFrame(Conv2DSpec c)
    {
        int top = PhaseTaps(c.KernelHeight, c.StrideHeight, 0) - 1, left = PhaseTaps(c.KernelWidth, c.StrideWidth, 0) - 1;
        return (CeilingDivide(c.PaddedHeight, c.StrideHeight) + top, CeilingDivide(c.PaddedWidth, c.StrideWidth) + left, top, left);
    }

    /// <summary>A phase as a valid stride-1 convolution of the frame (read from the phase's first row and column on).</summary>
    private static ConvGeometry PhaseGeometry(Conv2DSpec c, StridePhase phase)
    {
        var frame = StrideFrame(c);
        return new ConvGeometry(frame.Height - (frame.TopRows + 1 - phase.TapRows), frame.Width, c.Filters, phase.Rows, phase.Columns, c.Input.Channels,
            phase.TapRows, phase.TapColumns, 1, 1);
    }

    /// <summary>Rows of a phase's input known to be zero at its top and at its bottom (the frame), for the kernel to skip.</summary>
    private static int PhaseZeroRows(Conv2DSpec c, StridePhase phase, ConvGeometry g) =>
        Math.Max(0, Math.Min(phase.TapRows - 1, g.InHeight - (phase.TapRows - 1) - c.Output.Height));

    /// <summary>
    /// Strides above 1: the input gradient split into stride-height x stride-width phases, each a register-blocked stride-1
    /// convolution of the framed dy with the taps that reach it (no multiply by an inserted zero), put in place.
    /// </summary>
    private static void EmitStridedInputGradient(SourceWriter w, LayerContext context, Conv2DSpec c)
    {
        int sh = c.StrideHeight, sw = c.StrideWidth, f = c.Filters, ch = c.Input.Channels;
        if (PhaseKernels(c) is not { } phases)
        {
            EmitStridedInputGradientByPixel(w, context, c);
            return;
        }
        var frame = StrideFrame(c);
        static string Zeros(int count, string what) => $"{count} zero {what}{(count == 1 ? "" : "s")}";
        if (c.Sequence)
        {
            w.Line($"// dx[t, c] = Σ_k Σ_f dy[o, f] · kernel[k, c, f] where t{(c.PadTop > 0 ? $" + {c.PadTop}" : "")} = o·{sh} + k. The (padded) steps t ≡ a (mod {sh}) only");
            w.Line($"// meet the taps k ≡ a: each such phase is a stride-1 convolution of dy, after {Zeros(frame.TopRows, "step")}, with its taps flipped and transposed.");
        }
        else
        {
            w.Line($"// dx[iy, ix, c] = Σ_ky Σ_kx Σ_f dy[oy, ox, f] · kernel[ky, kx, c, f] where iy{(c.PadTop > 0 ? $" + {c.PadTop}" : "")} = oy·{sh} + ky and ix{(c.PadLeft > 0 ? $" + {c.PadLeft}" : "")} = ox·{sw} + kx.");
            w.Line($"// The (padded) input rows ≡ a (mod {sh}) and columns ≡ b (mod {sw}) only meet the taps ky ≡ a, kx ≡ b: each such phase is a");
            w.Line($"// stride-1 convolution of dy, framed by {Zeros(frame.TopRows, "row")} and {Zeros(frame.LeftColumns, "column")}, with its taps flipped and transposed.");
        }
        w.Line(context.Buffers.DeclareScratch("framed", (long)frame.Height * frame.Width * f));
        w.Line($"{Names.Kernels}.CopyIntoFrame(dy, framed, rows: {c.Output.Height}, rowLength: {c.Output.Width * f}, xRowStride: {c.Output.Width * f}, paddedRowStride: {frame.Width * f}, offset: {(frame.TopRows * frame.Width + frame.LeftColumns) * f});");
        w.Line(context.Buffers.DeclareScratch("phaseKernel", phases.Max(q => (long)q.TapRows * q.TapColumns * f * ch)));
        w.Line(context.Buffers.DeclareScratch("phaseGradient", phases.Max(q => (long)q.Rows * q.Columns * ch)));
        // Every input position lies in a phase with taps, and inside the windows, unless a kernel is smaller than its stride
        // or Valid windows leave the last rows or columns out: only then do some positions keep a zero gradient.
        bool covered = phases.Count == (long)sh * sw && c.PaddedHeight - c.PadTop >= c.Input.Height && c.PaddedWidth - c.PadLeft >= c.Input.Width;
        if (!covered) w.Line("dx.Clear();");
        w.Line($"{Names.ReadOnlySpan} kernel = p.Slice({context.Offset("kernel")}, {c.KernelSize}); // [{c.KernelHeight}, {c.KernelWidth}, {ch}, {f}]");
        foreach (StridePhase phase in phases)
        {
            int taps = phase.TapRows * phase.TapColumns * f * ch, pixels = phase.Rows * phase.Columns * ch;
            int start = ((frame.TopRows + 1 - phase.TapRows) * frame.Width + frame.LeftColumns + 1 - phase.TapColumns) * f;
            w.Line(c.Sequence
                ? $"// Phase {phase.Row}: {phase.TapRows} taps, {phase.Rows} steps."
                : $"// Phase ({phase.Row}, {phase.Column}): {phase.TapRows}x{phase.TapColumns} taps, {phase.Rows}x{phase.Columns} input positions.");
            w.Line($"{Names.Kernels}.FlipAndTransposePhase(kernel, phaseKernel.Slice(0, {taps}), {c.KernelHeight}, {c.KernelWidth}, {ch}, {f}, {sh}, {sw}, {phase.Row}, {phase.Column});");
            SimdKernels.EmitDispatch(w, $"PhaseInputGradient_{context.MethodSuffix}_{phase.Name}",
                $"{(start == 0 ? Ref("framed") : $"ref Unsafe.Add({Ref("framed")}, {start})")}, {Ref("phaseKernel")}, {Ref("phaseKernel")}, {Ref("phaseGradient")}", Paths(context, c));
            w.Line($"{Names.Kernels}.ScatterPhase(phaseGradient.Slice(0, {pixels}), dx, {phase.Rows}, {phase.Columns}, {ch}, {phase.Row - c.PadTop}, {phase.Column - c.PadLeft}, {sh}, {sw}, {c.Input.Height}, {c.Input.Width});");
        }
    }

    /// <summary>
    /// Strides above 1 with more than <see cref="MostStridePhases"/> phases: per output pixel and kernel row,
    /// dx row += kernel row · dy (vector dot products), instead of a kernel per phase.
    /// </summary>
    private static void EmitStridedInputGradientByPixel(SourceWriter w, LayerContext context, Conv2DSpec c)
    {
        int h = c.Input.Height, wd = c.Input.Width, ch = c.Input.Channels, f = c.Filters, kw = c.KernelWidth;
        int rowWeights = kw * ch * f;
        bool clips = c.Padding != Padding.Valid;
        w.Line($"{Names.ReadOnlySpan} kernel = p.Slice({context.Offset("kernel")}, {c.KernelSize}); // [{c.KernelHeight}, {c.KernelWidth}, {c.Input.Channels}, {c.Filters}]");
        w.Line("dx.Clear();");
        using (w.Block($"for (int oy = 0; oy < {c.Output.Height}; oy++)"))
        {
            w.Line($"int iy = {Minus(Times("oy", c.StrideHeight), c.PadTop)};");
            using (w.Block($"for (int ox = 0; ox < {c.Output.Width}; ox++)"))
            {
                w.Line($"int ix = {Minus(Times("ox", c.StrideWidth), c.PadLeft)};");
                w.Line($"{Names.ReadOnlySpan} g = dy.Slice((oy * {c.Output.Width} + ox) * {f}, {f});");
                if (clips)
                    w.Line($"int kx0 = {Names.Math}.Max(0, -ix), kx1 = {Names.Math}.Min({kw}, {wd} - ix), columns = kx1 - kx0;");
                for (int ky = 0; ky < c.KernelHeight; ky++)
                {
                    string xStart = clips ? $"{Group(Plus("iy", ky))} * {wd * ch} + (ix + kx0) * {ch}" : $"{Group(Plus("iy", ky))} * {wd * ch} + {Times("ix", ch)}";
                    string xLength = clips ? $"columns * {ch}" : Format.Int(kw * ch);
                    string kStart = clips ? Plus(ky * rowWeights, $"kx0 * {ch * f}") : Format.Int(ky * rowWeights);
                    string kLength = clips ? $"columns * {ch * f}" : Format.Int(rowWeights);
                    string call = $"{Names.Kernels}.MultiplyTransposedAccumulate(kernel.Slice({kStart}, {kLength}), g, dx.Slice({xStart}, {xLength}));";
                    w.Line(clips ? $"if ((uint){Group(Plus("iy", ky))} < {h}u) {call}" : call);
                }
            }
        }
    }

    /// <summary>The kernels of <see cref="EmitStridedInputGradient"/>: one per phase and vector width.</summary>
    private static void EmitStridedInputGradientKernels(SourceWriter k, LayerContext context, Conv2DSpec c)
    {
        foreach (StridePhase phase in PhaseKernels(c) ?? new List<StridePhase>())
        {
            ConvGeometry g = PhaseGeometry(c, phase);
            foreach (VectorPath path in Paths(context, c))
            {
                SimdKernels.EmitConvolution(k, $"PhaseInputGradient_{context.MethodSuffix}_{phase.Name}", g, path, bias: false, relu: false,
                    $"Phase ({phase.Row}, {phase.Column}) of the input gradient of {c.Name}: the framed dy convolved with its {phase.TapRows}x{phase.TapColumns} taps, flipped and transposed -> {g.OutHeight}x{g.OutWidth}x{g.Filters}",
                    zeroRows: PhaseZeroRows(c, phase, g));
                k.Line();
            }
        }
    }
}
