using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using static Cnn.Generator.Emitters.EmitHelpers;

namespace Cnn.Generator.Emitters;

/// <summary>
/// Conv2D in HWC layout with an HWIO kernel: y[oy, ox, f] = b[f] + Σ_ky Σ_kx Σ_c x[oy·s + ky - pt, ox·s + kx - pl, c] · k[ky, kx, c, f].
/// For one output pixel and one kernel row ky, the inputs x[iy + ky, ix .. ix + kw - 1, :] are contiguous, and so
/// are the weights k[ky, :, :, :]: each kernel row is one vector-matrix product (<c>Kernels.MultiplyAccumulate</c>),
/// and the kernel rows are unrolled with constant offsets.
/// </summary>
internal static class Conv2DEmitter
{
    /// <summary>A one-line description for comments.</summary>
    public static string Describe(Conv2DSpec c) =>
        $"{c.Name}: Conv2D {c.KernelHeight}x{c.KernelWidth} stride {Stride(c)} {(c.Padding == Padding.Same ? "same" : "valid")}, {EmitHelpers.Describe(c.Activation)}, {c.Input} -> {c.Output}";

    private static string Stride(Conv2DSpec c) => c.StrideHeight == c.StrideWidth ? Format.Int(c.StrideHeight) : $"{c.StrideHeight}x{c.StrideWidth}";

    /// <summary>Whether any window reaches into the zero padding (Same padding with a non-zero total).</summary>
    private static bool Clips(Conv2DSpec c) => c.Padding == Padding.Same &&
        ((c.Output.Height - 1) * c.StrideHeight + c.KernelHeight > c.Input.Height || (c.Output.Width - 1) * c.StrideWidth + c.KernelWidth > c.Input.Width);

    /// <summary>Emits <c>Forward_{name}(p, x, y)</c>.</summary>
    public static void EmitForward(SourceWriter w, LayerContext context)
    {
        var c = (Conv2DSpec)context.Layer;
        int h = c.Input.Height, wd = c.Input.Width, ch = c.Input.Channels, f = c.Filters, kw = c.KernelWidth;
        int rowWeights = kw * ch * f;
        w.Line($"/// <summary>{Describe(c)}.</summary>");
        using (w.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            EmitParameterSlices(w, context, c);
            using (w.Block($"for (int oy = 0; oy < {c.Output.Height}; oy++)"))
            {
                w.Line($"int iy = {Minus(Times("oy", c.StrideHeight), c.PadTop)};");
                using (w.Block($"for (int ox = 0; ox < {c.Output.Width}; ox++)"))
                {
                    w.Line($"int ix = {Minus(Times("ox", c.StrideWidth), c.PadLeft)};");
                    w.Line($"{Names.Span} o = y.Slice((oy * {c.Output.Width} + ox) * {f}, {f});");
                    w.Line(c.UseBias ? "bias.CopyTo(o);" : "o.Clear();");
                    if (!Clips(c))
                    {
                        for (int ky = 0; ky < c.KernelHeight; ky++)
                        {
                            w.Line($"// kernel row {ky}: x[iy + {ky}, ix .. ix + {kw - 1}, 0 .. {ch - 1}] times kernel[{ky}, .., .., ..]");
                            w.Line($"{Names.Kernels}.MultiplyAccumulate(x.Slice({Group(Plus("iy", ky))} * {wd * ch} + {Times("ix", ch)}, {kw * ch}), kernel.Slice({ky * rowWeights}, {rowWeights}), o);");
                        }
                    }
                    else
                    {
                        w.Line("// Same padding: keep only the kernel columns kx0 .. kx1 - 1 that fall inside the input (padding adds zeros).");
                        w.Line($"int kx0 = {Names.Math}.Max(0, -ix), kx1 = {Names.Math}.Min({kw}, {wd} - ix), columns = kx1 - kx0;");
                        for (int ky = 0; ky < c.KernelHeight; ky++)
                        {
                            w.Line($"if ((uint){Group(Plus("iy", ky))} < {h}u)");
                            using (w.Indent())
                                w.Line($"{Names.Kernels}.MultiplyAccumulate(x.Slice({Group(Plus("iy", ky))} * {wd * ch} + (ix + kx0) * {ch}, columns * {ch}), kernel.Slice({Plus(ky * rowWeights, $"kx0 * {ch * f}")}, columns * {ch * f}), o);");
                        }
                    }
                }
            }
            if (ActivationCall(c.Activation, "y") is { } activation)
                w.Line(activation);
        }
    }

    /// <summary>
    /// Emits <c>Backward_{name}(p, x, y, dy, dx, gradients, skipActivation)</c>: dy becomes the gradient before the
    /// activation, then per pixel and kernel row dK += xᵀ·dy, db += dy, dx += K·dy.
    /// </summary>
    public static void EmitBackward(SourceWriter w, LayerContext context)
    {
        var c = (Conv2DSpec)context.Layer;
        int h = c.Input.Height, wd = c.Input.Width, ch = c.Input.Channels, f = c.Filters, kw = c.KernelWidth;
        int rowWeights = kw * ch * f;
        w.Line($"/// <summary>Backward pass of {c.Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).</summary>");
        using (w.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(c.Activation, "y", "dy") is { } backward)
                w.Line($"if (!skipActivation) {backward}");
            EmitParameterSlices(w, context, c, gradients: true);
            w.Line("bool accumulate = !gradients.IsEmpty, propagate = !dx.IsEmpty;");
            w.Line("if (propagate) dx.Clear();");
            using (w.Block($"for (int oy = 0; oy < {c.Output.Height}; oy++)"))
            {
                w.Line($"int iy = {Minus(Times("oy", c.StrideHeight), c.PadTop)};");
                using (w.Block($"for (int ox = 0; ox < {c.Output.Width}; ox++)"))
                {
                    w.Line($"int ix = {Minus(Times("ox", c.StrideWidth), c.PadLeft)};");
                    w.Line($"{Names.ReadOnlySpan} g = dy.Slice((oy * {c.Output.Width} + ox) * {f}, {f});");
                    if (c.UseBias) w.Line($"if (accumulate) {Names.Kernels}.Add(dBias, g);");
                    bool clips = Clips(c);
                    if (clips)
                        w.Line($"int kx0 = {Names.Math}.Max(0, -ix), kx1 = {Names.Math}.Min({kw}, {wd} - ix), columns = kx1 - kx0;");
                    for (int ky = 0; ky < c.KernelHeight; ky++)
                    {
                        string xStart = clips ? $"{Group(Plus("iy", ky))} * {wd * ch} + (ix + kx0) * {ch}" : $"{Group(Plus("iy", ky))} * {wd * ch} + {Times("ix", ch)}";
                        string xLength = clips ? $"columns * {ch}" : Format.Int(kw * ch);
                        string kStart = clips ? Plus(ky * rowWeights, $"kx0 * {ch * f}") : Format.Int(ky * rowWeights);
                        string kLength = clips ? $"columns * {ch * f}" : Format.Int(rowWeights);
                        string accumulate = $"if (accumulate) {Names.Kernels}.AccumulateOuter(x.Slice({xStart}, {xLength}), g, dKernel.Slice({kStart}, {kLength}));";
                        string propagate = $"if (propagate) {Names.Kernels}.MultiplyTransposedAccumulate(kernel.Slice({kStart}, {kLength}), g, dx.Slice({xStart}, {xLength}));";
                        w.Line($"// kernel row {ky}: dKernel[{ky}] += x rowᵀ · g, dx row += kernel[{ky}] · g");
                        if (!clips)
                        {
                            w.Line(accumulate);
                            w.Line(propagate);
                            continue;
                        }
                        using (w.Block($"if ((uint){Group(Plus("iy", ky))} < {h}u)"))
                        {
                            w.Line(accumulate);
                            w.Line(propagate);
                        }
                    }
                }
            }
        }
    }

    private static void EmitParameterSlices(SourceWriter w, LayerContext context, Conv2DSpec c, bool gradients = false)
    {
        int kernelSize = (int)c.KernelSize;
        w.Line($"{Names.ReadOnlySpan} kernel = p.Slice({context.ParameterOffset}, {kernelSize}); // [{c.KernelHeight}, {c.KernelWidth}, {c.Input.Channels}, {c.Filters}]");
        if (gradients)
        {
            w.Line($"{Names.Span} dKernel = gradients.IsEmpty ? default : gradients.Slice({context.ParameterOffset}, {kernelSize});");
            if (c.UseBias)
                w.Line($"{Names.Span} dBias = gradients.IsEmpty ? default : gradients.Slice({context.ParameterOffset + kernelSize}, {c.Filters});");
        }
        else if (c.UseBias)
        {
            w.Line($"{Names.ReadOnlySpan} bias = p.Slice({context.ParameterOffset + kernelSize}, {c.Filters});");
        }
    }
}
