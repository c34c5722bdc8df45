using System.Collections.Generic;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using A = Cnn.Attributes.SeparableConv2DAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[SeparableConv2D]</c> (Keras <c>SeparableConv2D</c>): a depthwise convolution with <see cref="DepthMultiplier"/>
/// and no bias, then a 1x1 convolution of its c·m channels to <see cref="Filters"/>, then the bias and the activation.
/// Tensors <c>depthwise_kernel [kh, kw, c, m]</c>, <c>pointwise_kernel [1, 1, c·m, filters]</c>, <c>bias [filters]</c>.
/// </summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelHeight">Kernel rows.</param>
/// <param name="KernelWidth">Kernel columns.</param>
/// <param name="DepthMultiplier">Depthwise channels per input channel.</param>
/// <param name="StrideHeight">Vertical stride.</param>
/// <param name="StrideWidth">Horizontal stride.</param>
/// <param name="Padding">Valid or Same.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per filter is added.</param>
/// <param name="DilationRate">The spacing of the depthwise kernel's taps.</param>
internal sealed record SeparableConv2DSpec(int Filters, int KernelHeight, int KernelWidth, int DepthMultiplier, int StrideHeight, int StrideWidth,
    Padding Padding, Activation Activation, bool UseBias, int DilationRate) : LayerSpec
{
    /// <summary>Reads <c>[SeparableConv2D(filters, kernel)]</c> or <c>[SeparableConv2D(filters, kernelHeight, kernelWidth)]</c> and its named arguments.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.SeparableConv2DAttribute), static a =>
    {
        int kernelHeight = a.Int(1);
        var o = ConvolutionOptions.Read(a);
        return new SeparableConv2DSpec(a.Int(0), kernelHeight, a.Count > 2 ? a.Int(2) : kernelHeight, a.NamedInt(nameof(A.DepthMultiplier)) ?? 1,
            o.StrideHeight, o.StrideWidth, o.Padding, o.Activation, o.UseBias, o.DilationRate);
    });

    /// <summary>Where the depthwise windows land (set by <see cref="Infer"/>).</summary>
    public DepthwisePlan Plan { get; init; }

    /// <inheritdoc/>
    public override string KerasType => "SeparableConv2D";

    /// <inheritdoc/>
    public override string DefaultBaseName => "separable_conv2d";

    /// <inheritdoc/>
    public override string AttributeName => "[SeparableConv2D]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            int cm = Input.Channels * DepthMultiplier;
            var tensors = new List<ParameterTensor>
            {
                DepthwiseEmitter.KernelTensor(KernelHeight, KernelWidth, Input.Channels, DepthMultiplier),
                // Keras's fans for [1, 1, c·m, filters]: c·m in, filters out.
                ParameterTensor.Glorot("pointwise_kernel", cm, Filters, 1, 1, cm, Filters),
            };
            if (UseBias) tensors.Add(ParameterTensor.Zeros("bias", Filters));
            return tensors;
        }
    }

    /// <summary>
    /// The backward pass holds the depthwise part's scratch, the depthwise output recomputed and its gradient, and the
    /// transposed pointwise kernel.
    /// </summary>
    public override long ScratchSize => Plan.ScratchSize + 2 * Plan.OutputSize + (long)Plan.Channels * Filters;

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(Filters, "filters", "the number of filters");
        DepthwiseEmitter.CheckArguments(check, KernelHeight, KernelWidth, DepthMultiplier, StrideHeight, StrideWidth, Padding, Activation, DilationRate);
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (DepthwiseEmitter.Infer(input, check, KernelHeight, KernelWidth, DepthMultiplier, StrideHeight, StrideWidth, Padding, Activation, DilationRate) is not { } plan)
            return null;
        var output = TensorShape.Image(plan.OutHeight, plan.OutWidth, Filters);
        if (!check.Size(output) || !check.Size(TensorShape.Image(plan.OutHeight, plan.OutWidth, plan.Channels))) return null;
        long pointwise = NetworkValidator.Multiply(plan.Channels, Filters);
        if (pointwise > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} needs {plan.Channels}x{Filters} = {Format.Thousands(pointwise)} pointwise kernel values, more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return this with { Input = input, Output = output, Plan = plan };
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Name}: SeparableConv2D {KernelHeight}x{KernelWidth}{(DepthMultiplier > 1 ? $" x{DepthMultiplier}" : "")} {DepthwiseEmitter.Describe(Plan, Padding)}, {EmitHelpers.Describe(Activation)}, {Input} -> depthwise {Plan.OutHeight}x{Plan.OutWidth}x{Plan.Channels} -> pointwise {Output}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Int("filters", Filters).Ints("kernel_size", KernelHeight, KernelWidth).Ints("strides", StrideHeight, StrideWidth).Padding(Padding)
        .Pads2D(Input, Output, (KernelHeight - 1) * DilationRate + 1, (KernelWidth - 1) * DilationRate + 1, StrideHeight, StrideWidth, Plan.PadTop, Plan.PadLeft)
        .Int("depth_multiplier", DepthMultiplier).Ints("dilation_rate", DilationRate, DilationRate).Activation(Activation).Bool("use_bias", UseBias);

    /// <summary>The pointwise convolution: a 1x1 convolution of the depthwise output's c·m channels to the filters.</summary>
    private ConvGeometry Pointwise => new(Plan.OutHeight, Plan.OutWidth, Plan.Channels, Plan.OutHeight, Plan.OutWidth, Filters, 1, 1, 1, 1);

    /// <summary>The pointwise input gradient: dy times the transposed pointwise kernel, a 1x1 convolution of the filters back to c·m.</summary>
    private ConvGeometry PointwiseBack => new(Plan.OutHeight, Plan.OutWidth, Filters, Plan.OutHeight, Plan.OutWidth, Plan.Channels, 1, 1, 1, 1);

    private List<VectorPath> Paths(LayerContext context) => SimdKernels.Paths(context.Target, Filters, Plan.Channels);


    private static string Ref(string span) => $"ref MemoryMarshal.GetReference({span})";

    /// <summary>The depthwise half of the forward pass into <c>depthwise</c>, as in <c>Forward_</c> and again in <c>Backward_</c>.</summary>
    private void EmitDepthwise(SourceWriter w, LayerContext context, string direction)
    {
        string source = DepthwiseEmitter.EmitSource(w, context, Plan, "x", direction);
        // The forward kernel walks the input itself unless channels are repeated, skipping the taps of a Same padding's
        // zeros (the backward pass still copies it into its frame, for the kernel gradient's geometry).
        if (Plan.ForwardReadsInput) source = "x";
        w.Line("// The depthwise half: each channel with its own kernels, no bias.");
        w.Line(context.Buffers.DeclareScratch("depthwise", Plan.OutputSize));
        SimdKernels.EmitDispatch(w, $"DepthwiseConvolve_{context.MethodSuffix}", $"{Ref(source)}, ref depthwiseKernel, ref depthwiseKernel, {Ref("depthwise")}", Plan.Paths(context.Target));
    }

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        string suffix = context.MethodSuffix;
        int m = DepthMultiplier, cm = Plan.Channels;
        bool relu = Activation == Activation.ReLU;
        string open = Activation == Activation.None ? "" : Activation + "(", close = Activation == Activation.None ? "" : ")";

        code.Line("/// <summary>");
        code.Line($"/// {Describe()}.");
        code.Line($"/// depthwise[oy, ox, {(m > 1 ? $"ci·{m} + j" : "ci")}] = Σ_ky Σ_kx {Plan.Tap("x")} · depthwise_kernel[ky, kx, ci, {(m > 1 ? "j" : "0")}]");
        code.Line($"/// y[oy, ox, f] = {open}{(UseBias ? "bias[f] + " : "")}Σ_o depthwise[oy, ox, o] · pointwise_kernel[0, 0, o, f]{close}");
        code.Line("/// </summary>");
        context.EmitSkipLocalsInit(code);
        using (code.Block($"private static void Forward_{suffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            code.Line($"ref float depthwiseKernel = ref Unsafe.Add({Ref("p")}, {context.Offset("depthwise_kernel")}); // [{KernelHeight}, {KernelWidth}, {Input.Channels}, {m}]");
            code.Line($"ref float pointwiseKernel = ref Unsafe.Add({Ref("p")}, {context.Offset("pointwise_kernel")}); // [1, 1, {cm}, {Filters}]");
            code.Line(UseBias
                ? $"ref float bias = ref Unsafe.Add({Ref("p")}, {context.Offset("bias")}); // [{Filters}]"
                : "ref float bias = ref pointwiseKernel; // no bias: not read");
            EmitDepthwise(code, context, "forward");
            code.Line($"// The pointwise half: a 1x1 convolution of the {cm} depthwise channels to {Filters} filters{(UseBias ? ", plus the bias" : "")}.");
            SimdKernels.EmitDispatch(code, $"Pointwise_{suffix}", $"{Ref("depthwise")}, ref pointwiseKernel, ref bias, {Ref("y")}", Paths(context));
            if (!relu && ActivationCall(Activation, "y") is { } activation)
                code.Line(activation);
        }
        code.Line();
        DepthwiseEmitter.EmitForwardKernels(kernels, context, Plan, $"DepthwiseConvolve_{suffix}", bias: false, relu: false, Name);
        foreach (VectorPath width in Paths(context))
        {
            SimdKernels.EmitConvolution(kernels, $"Pointwise_{suffix}", Pointwise, width, UseBias, relu,
                $"The pointwise (1x1) convolution of {Name}, {Plan.OutHeight}x{Plan.OutWidth}x{cm} -> {Plan.OutHeight}x{Plan.OutWidth}x{Filters}{(relu ? ", ReLU applied on the way out" : "")}");
            kernels.Line();
        }

        code.Line($"/// <summary>");
        code.Line($"/// Backward pass of {Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).");
        code.Line("/// The depthwise output is computed again (the pass keeps only the layer's input and output), then dy goes back through the pointwise and the depthwise halves in turn.");
        code.Line("/// </summary>");
        context.EmitSkipLocalsInit(code);
        using (code.Block($"private static void Backward_{suffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(Activation, "y", "dy") is { } backward)
                code.Line($"if (!skipActivation) {backward}");
            code.Line($"ref float depthwiseKernel = ref Unsafe.Add({Ref("p")}, {context.Offset("depthwise_kernel")});");
            EmitDepthwise(code, context, "backward");
            using (code.Block("if (!gradients.IsEmpty)"))
            {
                code.Line("// dPointwise[o, f] += Σ_oy Σ_ox depthwise[oy, ox, o] · dy[oy, ox, f]");
                SimdKernels.EmitDispatch(code, $"PointwiseKernelGradient_{suffix}", $"{Ref("depthwise")}, {Ref("dy")}, ref Unsafe.Add({Ref("gradients")}, {context.Offset("pointwise_kernel")})", Paths(context));
                if (UseBias)
                {
                    code.Line("// dBias[f] += Σ_oy Σ_ox dy[oy, ox, f]");
                    code.Line($"{Names.Kernels}.AddRows(dy, gradients.Slice({context.Offset("bias")}, {Filters}));");
                }
            }
            code.Line($"// ddepthwise[oy, ox, o] = Σ_f dy[oy, ox, f] · pointwise_kernel[0, 0, o, f]: a 1x1 convolution with the transposed kernel");
            code.Line(context.Buffers.DeclareScratch("transposed", (long)cm * Filters));
            code.Line($"{Names.Kernels}.FlipAndTranspose(p.Slice({context.Offset("pointwise_kernel")}, {cm * Filters}), transposed, 1, 1, {cm}, {Filters});");
            code.Line(context.Buffers.DeclareScratch("ddepthwise", Plan.OutputSize));
            SimdKernels.EmitDispatch(code, $"PointwiseInputGradient_{suffix}", $"{Ref("dy")}, {Ref("transposed")}, {Ref("transposed")}, {Ref("ddepthwise")}", Paths(context));
            using (code.Block("if (!gradients.IsEmpty)"))
                DepthwiseEmitter.EmitKernelGradientCall(code, context, Plan, Plan.Copied ? "source" : "x", "ddepthwise", "depthwise_kernel");
            using (code.Block("if (!dx.IsEmpty)"))
                DepthwiseEmitter.EmitInputGradient(code, context, Plan, "ddepthwise", "depthwise_kernel", "dx");
        }
        code.Line();
        foreach (VectorPath width in Paths(context))
        {
            SimdKernels.EmitKernelGradient(kernels, $"PointwiseKernelGradient_{suffix}", Pointwise, width, $"The pointwise kernel gradient of {Name}");
            kernels.Line();
            SimdKernels.EmitConvolution(kernels, $"PointwiseInputGradient_{suffix}", PointwiseBack, width, bias: false, relu: false,
                $"The gradient of {Name}'s depthwise output: dy ({Plan.OutHeight}x{Plan.OutWidth}x{Filters}) times the transposed pointwise kernel -> {Plan.OutHeight}x{Plan.OutWidth}x{cm}");
            kernels.Line();
        }
        DepthwiseEmitter.EmitBackwardKernels(kernels, context, Plan, suffix, Name);
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}(p, {call.X}, {call.Y}, {call.Dy}, {call.Dx}, {call.Gradients}, {call.SkipActivation});");
}
