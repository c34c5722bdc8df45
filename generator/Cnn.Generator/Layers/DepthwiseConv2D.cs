using System;
using System.Collections.Generic;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using A = Cnn.Attributes.DepthwiseConv2DAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[DepthwiseConv2D]</c>: each input channel convolved with its own <see cref="DepthMultiplier"/> kernels (Keras
/// <c>DepthwiseConv2D</c>); tensors <c>depthwise_kernel [kh, kw, c, m]</c> and <c>bias [c·m]</c>, output channel ci·m + j.
/// </summary>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="DepthMultiplier">Output channels per input channel.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per output channel is added.</param>
/// <param name="DilationRate">The spacing of the kernel taps in both directions.</param>
internal sealed record DepthwiseConv2DSpec(int KernelHeight, int KernelWidth, int DepthMultiplier, int StrideHeight, int StrideWidth,
    Padding Padding, Activation Activation, bool UseBias, int DilationRate) : LayerSpec
{
    /// <summary>Reads <c>[DepthwiseConv2D(kernel)]</c> or <c>[DepthwiseConv2D(kernelHeight, kernelWidth)]</c> and its named arguments.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.DepthwiseConv2DAttribute), static a =>
    {
        int kernelHeight = a.Int(0);
        var o = ConvolutionOptions.Read(a);
        return new DepthwiseConv2DSpec(kernelHeight, a.Count > 1 ? a.Int(1) : kernelHeight, a.NamedInt(nameof(A.DepthMultiplier)) ?? 1,
            o.StrideHeight, o.StrideWidth, o.Padding, o.Activation, o.UseBias, o.DilationRate);
    });

    /// <summary>Where the windows land (set by <see cref="Infer"/>).</summary>
    public DepthwisePlan Plan { get; init; }

    /// <inheritdoc/>
    public override string KerasType => "DepthwiseConv2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "depthwise_conv2d";

    /// <inheritdoc/>
    public override string AttributeName => "[DepthwiseConv2D]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override bool TakesNormalization => Activation == Activation.None;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            var kernel = DepthwiseEmitter.KernelTensor(KernelHeight, KernelWidth, Input.Channels, DepthMultiplier);
            return UseBias ? new[] { kernel, ParameterTensor.Zeros("bias", Input.Channels * DepthMultiplier) } : new[] { kernel };
        }
    }

    /// <inheritdoc/>
    public override long ScratchSize => Plan.ScratchSize;

    /// <inheritdoc/>
    public override bool ReadsPaddingInPlace => Plan.ForwardReadsInput;

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check) =>
        DepthwiseEmitter.CheckArguments(check, KernelHeight, KernelWidth, DepthMultiplier, StrideHeight, StrideWidth, Padding, Activation, DilationRate);

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (DepthwiseEmitter.Infer(input, check, KernelHeight, KernelWidth, DepthMultiplier, StrideHeight, StrideWidth, Padding, Activation, DilationRate) is not { } plan)
            return null;
        var output = TensorShape.Image(plan.OutHeight, plan.OutWidth, plan.Channels);
        if (!check.Size(output)) return null;
        return this with { Input = input, Output = output, Plan = plan };
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Name}: DepthwiseConv2D {KernelHeight}x{KernelWidth}{(DepthMultiplier > 1 ? $" x{DepthMultiplier}" : "")} {DepthwiseEmitter.Describe(Plan, Padding)}, {EmitHelpers.Describe(Activation)}, {Input} -> {Output}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Ints("kernel_size", KernelHeight, KernelWidth).Ints("strides", StrideHeight, StrideWidth).Padding(Padding)
        .Pads2D(Input, Output, (KernelHeight - 1) * DilationRate + 1, (KernelWidth - 1) * DilationRate + 1, StrideHeight, StrideWidth, Plan.PadTop, Plan.PadLeft)
        .Int("depth_multiplier", DepthMultiplier).Ints("dilation_rate", DilationRate, DilationRate).Activation(Activation).Bool("use_bias", UseBias);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        string suffix = context.MethodSuffix;
        DepthwisePlan plan = Plan;
        bool relu = Activation == Activation.ReLU;
        string open = Activation == Activation.None ? "" : Activation + "(", close = Activation == Activation.None ? "" : ")";

        code.Line("/// <summary>");
        code.Line($"/// {Describe()}.");
        string o = DepthMultiplier > 1 ? $"ci·{DepthMultiplier} + j" : "ci", j = DepthMultiplier > 1 ? "j" : "0";
        code.Line($"/// y[oy, ox, {o}] = {open}{(UseBias ? $"bias[{o}] + " : "")}Σ_ky Σ_kx {plan.Tap("x")} · depthwise_kernel[ky, kx, ci, {j}]{close}");
        if (OutputFusion.Summary(context) is { } fusedLine) code.Line($"/// {fusedLine}");
        code.Line("/// </summary>");
        context.EmitSkipLocalsInit(code);
        using (code.Block($"private static void Forward_{suffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y{OutputFusion.Parameter(context)})"))
        {
            code.Line($"ref float kernel = ref Unsafe.Add(ref MemoryMarshal.GetReference(p), {context.Offset("depthwise_kernel")}); // [{KernelHeight}, {KernelWidth}, {Input.Channels}, {DepthMultiplier}]");
            code.Line(UseBias
                ? $"ref float bias = ref Unsafe.Add(ref MemoryMarshal.GetReference(p), {context.Offset("bias")}); // [{plan.Channels}]"
                : "ref float bias = ref kernel; // no bias: not read");
            string source = DepthwiseEmitter.EmitSource(code, context, plan, "x", "forward");
            string fused = OutputFusion.EmitEpilogueArguments(code, context);
            string arguments = $"ref MemoryMarshal.GetReference({source}), ref kernel, ref bias, ref MemoryMarshal.GetReference(y){fused}";
            DepthwiseGeometry behind = context.FusedPadding is { } padding ? Behind(padding) : default;
            PaddingFusion.EmitDispatch(code, context, $"DepthwiseConvolve_{suffix}", arguments, plan.Paths(context.Target), behind.PadTop, behind.PadLeft);
            if (!relu && ActivationCall(Activation, "y") is { } activation)
                code.Line(activation);
        }
        code.Line();
        DepthwiseEmitter.EmitForwardKernels(kernels, context, plan, $"DepthwiseConvolve_{suffix}", UseBias, relu, Name, context.Fused);
        if (context.FusedPadding is { } fusedPadding)
            DepthwiseEmitter.EmitForwardKernels(kernels, context, plan, PaddingFusion.Unpadded($"DepthwiseConvolve_{suffix}"), UseBias, relu, Name, context.Fused, Behind(fusedPadding));

        code.Line($"/// <summary>Backward pass of {Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).</summary>");
        context.EmitSkipLocalsInit(code);
        using (code.Block($"private static void Backward_{suffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(Activation, "y", "dy") is { } backward)
                code.Line($"if (!skipActivation) {backward}");
            using (code.Block("if (!gradients.IsEmpty)"))
            {
                string source = DepthwiseEmitter.EmitSource(code, context, plan, "x", "backward");
                DepthwiseEmitter.EmitKernelGradientCall(code, context, plan, source, "dy", "depthwise_kernel");
                if (UseBias)
                {
                    code.Line($"// dBias[o] += Σ_oy Σ_ox dy[oy, ox, o]");
                    code.Line($"{Names.Kernels}.AddRows(dy, gradients.Slice({context.Offset("bias")}, {plan.Channels}));");
                }
            }
            using (code.Block("if (!dx.IsEmpty)"))
                DepthwiseEmitter.EmitInputGradient(code, context, plan, "dy", "depthwise_kernel", "dx");
        }
        code.Line();
        DepthwiseEmitter.EmitBackwardKernels(kernels, context, plan, suffix, Name);
    }

    /// <summary>The forward kernel's geometry over the input of the ZeroPadding2D <paramref name="padding"/> before the layer.</summary>
    private DepthwiseGeometry Behind(LayerContext padding) => Plan.ForwardGeometryBehind((ZeroPadding2DSpec)padding.Layer);

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}(p, {call.X}, {call.Y}, {call.Dy}, {call.Dx}, {call.Gradients}, {call.SkipActivation});");
}

/// <summary>
/// The geometry of a depthwise convolution (of <c>[DepthwiseConv2D]</c>, or the first half of <c>[SeparableConv2D]</c>):
/// the input, the depth multiplier, the kernel, strides, dilation, padding and output size.
/// </summary>
internal readonly record struct DepthwisePlan(TensorShape Input, int Multiplier, int KernelHeight, int KernelWidth,
    int StrideHeight, int StrideWidth, int Dilation, int PadTop, int PadLeft, int OutHeight, int OutWidth)
{
    /// <summary>Output channels: c·m.</summary>
    public int Channels => Input.Channels * Multiplier;

    /// <summary>Rows of the (padded) input the windows cover: (out - 1)·s + (kh - 1)·d + 1.</summary>
    public int PaddedHeight => (OutHeight - 1) * StrideHeight + (KernelHeight - 1) * Dilation + 1;

    /// <summary>Columns of the (padded) input the windows cover.</summary>
    public int PaddedWidth => (OutWidth - 1) * StrideWidth + (KernelWidth - 1) * Dilation + 1;

    /// <summary>Whether the input needs a zero frame (Same padding, or Valid windows that leave rows or columns unused).</summary>
    public bool Padded => PadTop > 0 || PadLeft > 0 || PaddedHeight != Input.Height || PaddedWidth != Input.Width;

    /// <summary>Whether the kernels read a copy of the input: framed, or with each channel repeated m times.</summary>
    public bool Copied => Padded || Multiplier > 1;

    /// <summary>
    /// Whether the forward kernel reads the input itself: no channel is repeated. Valid windows that leave its last rows or
    /// columns unused walk the input's own rows; windows that reach past it (Same padding) skip the taps outside, which
    /// would have read zeros, instead of reading a copy in a frame of zeros (mobilenet_v2 at 224 spent 11 % of its time in
    /// those copies).
    /// </summary>
    public bool ForwardReadsInput => Multiplier == 1;

    /// <summary>The forward kernel's geometry: over the input itself (<see cref="ForwardReadsInput"/>) or over the copy.</summary>
    public DepthwiseGeometry ForwardGeometry => ForwardReadsInput
        ? Geometry with { InHeight = Input.Height, InWidth = Input.Width, PadTop = PadTop, PadLeft = PadLeft }
        : Geometry;

    /// <summary>
    /// The forward kernel's geometry over the input of a ZeroPadding2D before the layer (<see cref="ForwardReadsInput"/>):
    /// the padding's rows and columns added to the windows' own offsets, its zeros skipped as the Same padding's are.
    /// </summary>
    public DepthwiseGeometry ForwardGeometryBehind(ZeroPadding2DSpec padding) => ForwardGeometry with
    {
        InHeight = padding.Input.Height, InWidth = padding.Input.Width, PadTop = PadTop + padding.Top, PadLeft = PadLeft + padding.Left,
    };

    /// <summary>Whether a stride is above 1 (the input gradient is then scattered, not gathered).</summary>
    public bool Strided => StrideHeight > 1 || StrideWidth > 1;

    /// <summary>Floats of the kernel: kh·kw·c·m.</summary>
    public long KernelSize => (long)KernelHeight * KernelWidth * Channels;

    /// <summary>Floats of the copied input: Hp·Wp·c·m.</summary>
    public long CopySize => (long)PaddedHeight * PaddedWidth * Channels;

    /// <summary>Rows of dy in its frame of (kh - 1)·d zero rows on each side (the stride-1 input gradient).</summary>
    public int FramedHeight => OutHeight + 2 * (KernelHeight - 1) * Dilation;

    /// <summary>Columns of dy in its frame.</summary>
    public int FramedWidth => OutWidth + 2 * (KernelWidth - 1) * Dilation;

    /// <summary>Floats of the depthwise output: oh·ow·c·m.</summary>
    public long OutputSize => (long)OutHeight * OutWidth * Channels;

    /// <summary>Floats the backward pass may hold at once: the copied input, its gradient, the flipped kernel and the framed dy.</summary>
    public long ScratchSize => 2 * CopySize + KernelSize + (long)FramedHeight * FramedWidth * Channels;

    /// <summary>Whether the Vector512 and Vector256 kernels would be the same code.</summary>
    public List<VectorPath> Paths(KernelTarget target) => SimdKernels.Paths(target, Channels);

    /// <summary>The valid depthwise convolution over the copied input.</summary>
    public DepthwiseGeometry Geometry => new(PaddedHeight, PaddedWidth, Channels, OutHeight, OutWidth, KernelHeight, KernelWidth,
        StrideHeight, StrideWidth, Dilation, Dilation);

    /// <summary>The stride-1 input gradient: the framed dy convolved with the flipped kernel, onto the copied input's shape.</summary>
    public DepthwiseGeometry InputGradientGeometry => new(FramedHeight, FramedWidth, Channels, PaddedHeight, PaddedWidth, KernelHeight, KernelWidth,
        1, 1, Dilation, Dilation);

    /// <summary>"x[oy·1 + ky·3 - 3, ox·1 + kx·3 - 3, ci]": the input value a tap reads, for comments.</summary>
    public string Tap(string x)
    {
        string d = Dilation > 1 ? $"·{Dilation}" : "";
        return $"{x}[oy·{StrideHeight} + ky{d}{(PadTop > 0 ? $" - {PadTop}" : "")}, ox·{StrideWidth} + kx{d}{(PadLeft > 0 ? $" - {PadLeft}" : "")}, ci]";
    }
}

/// <summary>
/// The depthwise convolution shared by <c>[DepthwiseConv2D]</c> and <c>[SeparableConv2D]</c>, in HWC layout. Output channel
/// o = ci·m + j reads input channel ci: the input is first copied with each channel repeated m times (and inside its
/// zero frame when padded), so that every output pixel's c·m channels, the kernel tap's c·m weights and the copied
/// input's c·m values are contiguous runs and the SIMD kernels (<see cref="SimdKernels.EmitDepthwise"/>) multiply them
/// lane by lane. It is not a Conv2D with zeros: each output value costs kh·kw multiply-adds, not kh·kw·c.
/// </summary>
internal static class DepthwiseEmitter
{
    /// <summary>The <c>depthwise_kernel [kh, kw, c, m]</c> tensor, with Keras's fans: receptive field kh·kw, fan in c·kh·kw, fan out m·kh·kw.</summary>
    public static ParameterTensor KernelTensor(int kh, int kw, int channels, int multiplier) =>
        ParameterTensor.Glorot("depthwise_kernel", kh * kw * channels, kh * kw * multiplier, kh, kw, channels, multiplier);

    /// <summary>The argument checks of a depthwise convolution (CNN0003).</summary>
    public static void CheckArguments(LayerChecker check, int kh, int kw, int multiplier, int sh, int sw, Padding padding, Activation activation, int dilation)
    {
        check.AtLeastOne(kh, "kernelHeight", "the kernel height");
        if (kw != kh) check.AtLeastOne(kw, "kernelWidth", "the kernel width");
        check.WindowCells(kh, kw, "kernelHeight", "kernel");
        check.AtLeastOne(multiplier, nameof(A.DepthMultiplier), "the depth multiplier");
        ConvolutionOptions.Check(check, sh, sw, padding, activation, dilation);
    }

    /// <summary>Shape inference of a depthwise convolution, or null after a CNN0004.</summary>
    public static DepthwisePlan? Infer(TensorShape input, LayerChecker check, int kh, int kw, int multiplier, int sh, int sw, Padding padding, Activation activation, int dilation)
    {
        if (!check.Image(input, "a convolution")) return null;
        if (activation == Activation.Softmax)
        {
            check.Mismatch($"{check.Label} cannot apply Softmax to an image: Softmax needs a vector; use it on a [Dense] layer after [Flatten]", nameof(A.Activation));
            return null;
        }
        long channels = NetworkValidator.Multiply(input.Channels, multiplier);
        long kernelSize = NetworkValidator.Multiply(NetworkValidator.Multiply(kh, kw), channels);
        if (kernelSize > NetworkValidator.MaxValues)
        {
            check.Mismatch($"{check.Label} needs {kh}x{kw}x{input.Channels}x{multiplier} = {Format.Thousands(kernelSize)} kernel values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
            return null;
        }
        long ekh = (long)(kh - 1) * dilation + 1, ekw = (long)(kw - 1) * dilation + 1;
        if (ekh > NetworkValidator.MaxValues || ekw > NetworkValidator.MaxValues)
        {
            check.Mismatch($"{check.Label} has a dilated kernel of {Format.Thousands(ekh)}x{Format.Thousands(ekw)}, more than the {Format.Thousands(NetworkValidator.MaxValues)} cells a side this generator supports", nameof(A.DilationRate));
            return null;
        }
        if (check.Window(input, (int)ekh, (int)ekw, sh, sw, padding, dilation > 1 ? "dilated kernel" : "kernel") is not { } window) return null;
        var plan = new DepthwisePlan(input, multiplier, kh, kw, sh, sw, dilation, window.PadTop, window.PadLeft, window.Height, window.Width);
        // The copies the kernels read must fit too.
        if (plan.CopySize > NetworkValidator.MaxValues || (long)plan.FramedHeight * plan.FramedWidth * plan.Channels > NetworkValidator.MaxValues)
        {
            check.Mismatch($"{check.Label} would need a copy of its input of more than the {Format.Thousands(NetworkValidator.MaxValues)} values this generator supports");
            return null;
        }
        return plan;
    }

    /// <summary>"stride 2 same", "stride 1 dilation 2 valid": for descriptions.</summary>
    public static string Describe(DepthwisePlan plan, Padding padding) =>
        $"stride {(plan.StrideHeight == plan.StrideWidth ? Format.Int(plan.StrideHeight) : $"{plan.StrideHeight}x{plan.StrideWidth}")}{(plan.Dilation > 1 ? $" dilation {plan.Dilation}" : "")} {(padding == Padding.Same ? "same" : "valid")}";


    /// <summary>
    /// Writes the copy of <paramref name="x"/> the kernels read, when one is needed (padding, or m &gt; 1), and returns the
    /// span to read: <c>source</c> or <paramref name="x"/> itself.
    /// </summary>
    public static string EmitSource(SourceWriter w, LayerContext context, DepthwisePlan plan, string x, string direction)
    {
        if (!plan.Copied || (direction == "forward" && plan.ForwardReadsInput)) return x;
        int c = plan.Input.Channels, m = plan.Multiplier, cm = plan.Channels, wp = plan.PaddedWidth;
        int rows = Math.Min(plan.Input.Height, plan.PaddedHeight - plan.PadTop), columns = Math.Min(plan.Input.Width, wp - plan.PadLeft);
        string frame = plan.Padded ? $" inside a {plan.PaddedHeight}x{wp} frame of zeros ({plan.PadTop} rows above, {plan.PadLeft} columns left)" : "";
        w.Line(m > 1
            ? $"// The input with each channel repeated {m} times (output channel ci·{m} + j reads input channel ci){frame}."
            : $"// The input{frame}, so that every window is whole.");
        w.Line(context.Buffers.DeclareScratch("source", plan.CopySize));
        if (m == 1)
        {
            w.Line($"{Names.Kernels}.CopyIntoFrame({x}, source, rows: {rows}, rowLength: {columns * c}, xRowStride: {plan.Input.Width * c}, paddedRowStride: {wp * cm}, offset: {(plan.PadTop * wp + plan.PadLeft) * cm});");
            return "source";
        }
        if (plan.Padded) w.Line("source.Clear();");
        using (w.Block($"for (int iy = 0; iy < {rows}; iy++)"))
        {
            using (w.Block($"for (int ix = 0; ix < {columns}; ix++)"))
            {
                w.Line($"{Names.ReadOnlySpan} pixel = {x}.Slice((iy * {plan.Input.Width} + ix) * {c}, {c});");
                w.Line($"{Names.Span} target = source.Slice({Plus($"(iy * {wp} + ix) * {cm}", (plan.PadTop * wp + plan.PadLeft) * cm)}, {cm});");
                w.Line($"for (int ci = 0; ci < {c}; ci++) target.Slice(ci * {m}, {m}).Fill(pixel[ci]);");
            }
        }
        return "source";
    }

    /// <summary>
    /// Writes the kernels of the forward pass: over the layer's own input, or with <paramref name="behind"/> over the input of
    /// the ZeroPadding2D before it (<see cref="DepthwisePlan.ForwardGeometryBehind"/>).
    /// </summary>
    public static void EmitForwardKernels(SourceWriter k, LayerContext context, DepthwisePlan plan, string name, bool bias, bool relu, string layer, FusedOutput? fused = null,
        DepthwiseGeometry? behind = null)
    {
        DepthwiseGeometry g = behind ?? plan.ForwardGeometry;
        string over = behind is not null ? $"input of {context.FusedPadding?.Layer.Name} (its zeros skipped)" : plan.Copied && !plan.ForwardReadsInput ? "copied input" : "input";
        foreach (VectorPath width in plan.Paths(context.Target))
        {
            SimdKernels.EmitDepthwise(k, name, g, width, bias, relu,
                $"The depthwise convolution of {layer} over the {over}, {g.InHeight}x{g.InWidth}x{g.Channels} -> {g.OutHeight}x{g.OutWidth}x{g.Channels}{(relu ? ", ReLU applied on the way out" : "")}{(fused is null ? "" : $"; when fused, {fused.Names} applied on the way out")}",
                fused?.Epilogue);
            k.Line();
        }
    }

    /// <summary>Writes <c>dKernel += ...</c> for the depthwise kernel tensor <paramref name="tensor"/>, from the input copy and <paramref name="dy"/>.</summary>
    public static void EmitKernelGradientCall(SourceWriter w, LayerContext context, DepthwisePlan plan, string source, string dy, string tensor)
    {
        string d = plan.Dilation > 1 ? $"·{plan.Dilation}" : "";
        w.Line($"// d{tensor}[ky, kx, ci, j] += Σ_oy Σ_ox x[oy·{plan.StrideHeight} + ky{d}, ox·{plan.StrideWidth} + kx{d}, ci] · {dy}[oy, ox, ci·{plan.Multiplier} + j]{(plan.Padded ? " (x padded)" : "")}");
        SimdKernels.EmitDispatch(w, $"DepthwiseKernelGradient_{context.MethodSuffix}",
            $"ref MemoryMarshal.GetReference({source}), ref MemoryMarshal.GetReference({dy}), ref Unsafe.Add(ref MemoryMarshal.GetReference(gradients), {context.Offset(tensor)})", plan.Paths(context.Target));
    }

    /// <summary>
    /// Writes the input gradient <paramref name="dx"/> from <paramref name="dy"/>: the gradient of the input copy (a depthwise
    /// convolution of the framed dy with the flipped kernel at stride 1, scattered window by window at larger strides),
    /// then the frame dropped and the m copies of each channel summed.
    /// </summary>
    public static void EmitInputGradient(SourceWriter w, LayerContext context, DepthwisePlan plan, string dy, string tensor, string dx)
    {
        int c = plan.Input.Channels, m = plan.Multiplier, cm = plan.Channels, wp = plan.PaddedWidth;
        string target = plan.Copied ? "dsource" : dx;
        if (plan.Copied) w.Line(context.Buffers.DeclareScratch("dsource", plan.CopySize));
        string kernelSpan = $"p.Slice({context.Offset(tensor)}, {plan.KernelSize})";
        if (plan.Strided)
        {
            w.Line($"// dsource[oy·{plan.StrideHeight} + ky, ox·{plan.StrideWidth} + kx, o] += {dy}[oy, ox, o] · kernel[ky, kx, o], window by window");
            w.Line($"{target}.Clear();");
            SimdKernels.EmitDispatch(w, $"DepthwiseInputGradient_{context.MethodSuffix}",
                $"ref MemoryMarshal.GetReference({dy}), ref MemoryMarshal.GetReference({kernelSpan}), ref MemoryMarshal.GetReference({target})", plan.Paths(context.Target));
        }
        else
        {
            int frameRows = (plan.KernelHeight - 1) * plan.Dilation, frameColumns = (plan.KernelWidth - 1) * plan.Dilation;
            string d = plan.Dilation > 1 ? $"·{plan.Dilation}" : "";
            w.Line($"// dsource[iy, ix, o] = Σ_ky Σ_kx {dy}[iy - ky{d}, ix - kx{d}, o] · kernel[ky, kx, o]: a depthwise convolution of {dy} framed by");
            w.Line($"// {frameRows} rows and {frameColumns} columns of zeros with flipped[ky, kx, o] = kernel[{plan.KernelHeight - 1} - ky, {plan.KernelWidth - 1} - kx, o].");
            w.Line(context.Buffers.DeclareScratch("flipped", plan.KernelSize));
            w.Line($"{Names.Kernels}.FlipAndTranspose({kernelSpan}, flipped, {plan.KernelHeight}, {plan.KernelWidth}, 1, {cm});");
            w.Line(context.Buffers.DeclareScratch("framed", (long)plan.FramedHeight * plan.FramedWidth * cm));
            w.Line("framed.Clear();");
            using (w.Block($"for (int oy = 0; oy < {plan.OutHeight}; oy++)"))
                w.Line($"{dy}.Slice(oy * {plan.OutWidth * cm}, {plan.OutWidth * cm}).CopyTo(framed.Slice((oy + {frameRows}) * {plan.FramedWidth * cm} + {frameColumns * cm}, {plan.OutWidth * cm}));");
            SimdKernels.EmitDispatch(w, $"DepthwiseInputGradient_{context.MethodSuffix}",
                $"ref MemoryMarshal.GetReference(framed), ref MemoryMarshal.GetReference(flipped), ref MemoryMarshal.GetReference(flipped), ref MemoryMarshal.GetReference({target})", plan.Paths(context.Target));
        }
        if (!plan.Copied) return;
        int rows = Math.Min(plan.Input.Height, plan.PaddedHeight - plan.PadTop), columns = Math.Min(plan.Input.Width, wp - plan.PadLeft);
        w.Line(m > 1
            ? $"// dx[iy, ix, ci] = Σ_j dsource[iy{(plan.PadTop > 0 ? $" + {plan.PadTop}" : "")}, ix{(plan.PadLeft > 0 ? $" + {plan.PadLeft}" : "")}, ci·{m} + j]: the frame dropped, the {m} copies of each channel summed."
            : "// Drop the frame: the gradient of the zeros around the input goes nowhere.");
        if (rows < plan.Input.Height || columns < plan.Input.Width) w.Line($"{dx}.Clear();");
        using (w.Block($"for (int iy = 0; iy < {rows}; iy++)"))
        {
            if (m == 1)
            {
                w.Line($"dsource.Slice({Plus(Times("iy", wp * cm), (plan.PadTop * wp + plan.PadLeft) * cm)}, {columns * c}).CopyTo({dx}.Slice(iy * {plan.Input.Width * c}, {columns * c}));");
                return;
            }
            using (w.Block($"for (int ix = 0; ix < {columns}; ix++)"))
            {
                w.Line($"{Names.ReadOnlySpan} copies = dsource.Slice({Plus($"(iy * {wp} + ix) * {cm}", (plan.PadTop * wp + plan.PadLeft) * cm)}, {cm});");
                w.Line($"{Names.Span} pixel = {dx}.Slice((iy * {plan.Input.Width} + ix) * {c}, {c});");
                using (w.Block($"for (int ci = 0; ci < {c}; ci++)"))
                {
                    w.Line("float sum = 0f;");
                    w.Line($"for (int j = 0; j < {m}; j++) sum += copies[ci * {m} + j];");
                    w.Line("pixel[ci] = sum;");
                }
            }
        }
    }

    /// <summary>Writes the kernels of the backward pass: the kernel gradient and the input gradient.</summary>
    public static void EmitBackwardKernels(SourceWriter k, LayerContext context, DepthwisePlan plan, string suffix, string layer)
    {
        foreach (VectorPath width in plan.Paths(context.Target))
        {
            SimdKernels.EmitDepthwiseKernelGradient(k, $"DepthwiseKernelGradient_{suffix}", plan.Geometry, width, $"The depthwise kernel gradient of {layer}");
            k.Line();
        }
        foreach (VectorPath width in plan.Paths(context.Target))
        {
            if (plan.Strided)
            {
                SimdKernels.EmitDepthwiseScatter(k, $"DepthwiseInputGradient_{suffix}", plan.Geometry, width,
                    $"The input gradient of {layer}: each output pixel's dy times the kernel, added onto its window of the {(plan.Copied ? "copied " : "")}input");
            }
            else
            {
                DepthwiseGeometry g = plan.InputGradientGeometry;
                SimdKernels.EmitDepthwise(k, $"DepthwiseInputGradient_{suffix}", g, width, bias: false, relu: false,
                    $"The input gradient of {layer}: the framed dy ({g.InHeight}x{g.InWidth}x{g.Channels}) convolved with the flipped kernel -> {g.OutHeight}x{g.OutWidth}x{g.Channels}");
            }
            k.Line();
        }
    }
}
