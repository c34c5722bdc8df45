using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using static Cnn.Generator.Emitters.EmitHelpers;
using A = Cnn.Attributes.DenseAttribute;

namespace Cnn.Generator.Layers;

/// <summary><c>[Dense]</c>: y = x·W + b over a vector, W laid out <c>[in, units]</c> (Keras <c>Dense</c>).</summary>
/// <param name="Units">Outputs.</param>
/// <param name="Activation">The fused activation.</param>
/// <param name="UseBias">Whether a bias per unit is added.</param>
internal sealed record DenseSpec(int Units, Activation Activation, bool UseBias) : LayerSpec
{
    /// <summary>Reads <c>[Dense(units)]</c> and its named arguments.</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.DenseAttribute), static a =>
        new DenseSpec(a.Int(0), (Activation)(a.NamedInt(nameof(A.Activation)) ?? 0), a.NamedBool(nameof(A.UseBias), true)));

    /// <summary>The number of kernel values: in·units.</summary>
    public long KernelSize => (long)Input.Size * Units;

    /// <inheritdoc/>
    public override string KerasType => "Dense";

    /// <inheritdoc/>
    public override string DefaultBaseName => "dense";

    /// <inheritdoc/>
    public override string AttributeName => "[Dense]";

    /// <inheritdoc/>
    public override Activation FinalActivation => Activation;

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            var kernel = ParameterTensor.Glorot("kernel", Input.Size, Units, Input.Size, Units);
            return UseBias ? new[] { kernel, ParameterTensor.Zeros("bias", Units) } : new[] { kernel };
        }
    }

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        check.AtLeastOne(Units, "units", "the number of units");
        check.Enum<Activation>((int)Activation, nameof(A.Activation));
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check)
    {
        if (!input.IsVector)
            return check.Mismatch($"{check.Label} expects a vector, but {check.Producer}: insert [Flatten] before it{(input.IsSequence ? ", or reduce the sequence with [GlobalAveragePooling1D] or [GlobalMaxPooling1D]" : "")}");
        long kernelSize = NetworkValidator.Multiply(input.Size, Units);
        if (kernelSize > NetworkValidator.MaxValues)
            return check.Mismatch($"{check.Label} needs {Format.Thousands(kernelSize)} kernel values ({input.Size} x {Units}), more than the {Format.Thousands(NetworkValidator.MaxValues)} this generator supports");
        return this with { Input = input, Output = TensorShape.Vector(Units) };
    }

    /// <inheritdoc/>
    public override string Describe() => DenseEmitter.Describe(this);

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Int("units", Units).Activation(Activation).Bool("use_bias", UseBias);

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        DenseEmitter.EmitForward(code, kernels, context);
        code.Line();
        DenseEmitter.EmitBackward(code, kernels, context);
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
/// Dense: y = x·W + b with W laid out <c>[in, units]</c> (Keras), so each input scales one contiguous row of W.
/// It is the 1x1 case of a convolution, and uses the same SIMD kernels: the units are held in vector registers
/// while the inputs stream by.
/// </summary>
internal static class DenseEmitter
{
    /// <summary>A one-line description for comments.</summary>
    public static string Describe(DenseSpec d) => $"{d.Name}: Dense, {EmitHelpers.Describe(d.Activation)}, {d.Input} -> {d.Output}";

    private static ConvGeometry Geometry(DenseSpec d) => new(1, 1, d.Input.Size, 1, 1, d.Units, 1, 1, 1, 1);



    /// <summary>The kernel versions this layer needs on the build's target, widest first.</summary>
    private static List<VectorPath> Paths(LayerContext context, DenseSpec d) => SimdKernels.Paths(context.Target, d.Units);

    private static string Ref(string span) => $"ref MemoryMarshal.GetReference({span})";

    /// <summary>Emits <c>Forward_{name}(p, x, y)</c> and its SIMD kernels.</summary>
    public static void EmitForward(SourceWriter w, SourceWriter k, LayerContext context)
    {
        var d = (DenseSpec)context.Layer;
        w.Line("/// <summary>");
        w.Line($"/// {Describe(d)}.");
        w.Line($"/// y[j] = {(d.Activation == Activation.None ? "" : d.Activation + "(")}{(d.UseBias ? "bias[j] + " : "")}Σ_i x[i] · kernel[i, j]{(d.Activation == Activation.None ? "" : ")")}");
        w.Line("/// </summary>");
        using (w.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            w.Line($"ref float kernel = ref Unsafe.Add({Ref("p")}, {context.Offset("kernel")}); // [{d.Input.Size}, {d.Units}]");
            w.Line(d.UseBias
                ? $"ref float bias = ref Unsafe.Add({Ref("p")}, {context.Offset("bias")}); // [{d.Units}]"
                : "ref float bias = ref kernel; // no bias: not read");
            SimdKernels.EmitDispatch(w, $"Multiply_{context.MethodSuffix}", $"{Ref("x")}, ref kernel, ref bias, {Ref("y")}", Paths(context, d));
            if (d.Activation != Activation.ReLU && ActivationCall(d.Activation, "y") is { } activation)
                w.Line(activation);
        }
        w.Line();
        foreach (VectorPath path in Paths(context, d))
        {
            SimdKernels.EmitConvolution(k, $"Multiply_{context.MethodSuffix}", Geometry(d), path, d.UseBias, d.Activation == Activation.ReLU,
                $"x·kernel{(d.UseBias ? " + bias" : "")} for {d.Name}{(d.Activation == Activation.ReLU ? ", ReLU applied on the way out" : "")}");
            k.Line();
        }
    }

    /// <summary>Emits <c>Backward_{name}(p, x, y, dy, dx, gradients, skipActivation)</c>: dW += xᵀ·dy, db += dy, dx = W·dy.</summary>
    public static void EmitBackward(SourceWriter w, SourceWriter k, LayerContext context)
    {
        var d = (DenseSpec)context.Layer;
        w.Line($"/// <summary>Backward pass of {d.Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).</summary>");
        using (w.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(d.Activation, "y", "dy") is { } backward)
                w.Line($"if (!skipActivation) {backward}");
            using (w.Block("if (!gradients.IsEmpty)"))
            {
                w.Line("// dKernel[i, j] += x[i] · dy[j]");
                SimdKernels.EmitDispatch(w, $"KernelGradient_{context.MethodSuffix}", $"{Ref("x")}, {Ref("dy")}, ref Unsafe.Add({Ref("gradients")}, {context.Offset("kernel")})", Paths(context, d));
                if (d.UseBias)
                    w.Line($"{Names.Kernels}.Add(gradients.Slice({context.Offset("bias")}, {d.Units}), dy); // dBias += dy");
            }
            using (w.Block("if (!dx.IsEmpty)"))
            {
                w.Line("// dx[i] = Σ_j kernel[i, j] · dy[j]: one dot product per row of the kernel");
                w.Line($"{Names.ReadOnlySpan} kernel = p.Slice({context.Offset("kernel")}, {d.KernelSize});");
                w.Line("dx.Clear();");
                w.Line($"{Names.Kernels}.MultiplyTransposedAccumulate(kernel, dy, dx);");
            }
        }
        w.Line();
        foreach (VectorPath path in Paths(context, d))
        {
            SimdKernels.EmitKernelGradient(k, $"KernelGradient_{context.MethodSuffix}", Geometry(d), path, $"The kernel gradient of {d.Name}");
            k.Line();
        }
    }
}
