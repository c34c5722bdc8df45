using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using static Cnn.Generator.Emitters.EmitHelpers;

namespace Cnn.Generator.Emitters;

/// <summary>Dense: y = x·W + b with W laid out <c>[in, units]</c> (Keras), so each input scales one contiguous row of W.</summary>
internal static class DenseEmitter
{
    /// <summary>A one-line description for comments.</summary>
    public static string Describe(DenseSpec d) => $"{d.Name}: Dense, {EmitHelpers.Describe(d.Activation)}, {d.Input} -> {d.Output}";

    /// <summary>Emits <c>Forward_{name}(p, x, y)</c>.</summary>
    public static void EmitForward(SourceWriter w, LayerContext context)
    {
        var d = (DenseSpec)context.Layer;
        w.Line($"/// <summary>{Describe(d)}.</summary>");
        using (w.Block($"private static void Forward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.Span} y)"))
        {
            w.Line($"{Names.ReadOnlySpan} kernel = p.Slice({context.ParameterOffset}, {d.KernelSize}); // [{d.Input.Size}, {d.Units}]");
            w.Line(d.UseBias ? $"p.Slice({context.ParameterOffset + d.KernelSize}, {d.Units}).CopyTo(y);" : "y.Clear();");
            w.Line($"{Names.Kernels}.MultiplyAccumulate(x, kernel, y);");
            if (ActivationCall(d.Activation, "y") is { } activation)
                w.Line(activation);
        }
    }

    /// <summary>Emits <c>Backward_{name}(p, x, y, dy, dx, gradients, skipActivation)</c>: dW += xᵀ·dy, db += dy, dx = W·dy.</summary>
    public static void EmitBackward(SourceWriter w, LayerContext context)
    {
        var d = (DenseSpec)context.Layer;
        w.Line($"/// <summary>Backward pass of {d.Name}: adds its parameter gradients into <paramref name=\"gradients\"/> (unless empty) and writes the input gradient into <paramref name=\"dx\"/> (unless empty).</summary>");
        using (w.Block($"private static void Backward_{context.MethodSuffix}({Names.ReadOnlySpan} p, {Names.ReadOnlySpan} x, {Names.ReadOnlySpan} y, {Names.Span} dy, {Names.Span} dx, {Names.Span} gradients, bool skipActivation)"))
        {
            if (ActivationBackwardCall(d.Activation, "y", "dy") is { } backward)
                w.Line($"if (!skipActivation) {backward}");
            using (w.Block("if (!gradients.IsEmpty)"))
            {
                w.Line($"{Names.Kernels}.AccumulateOuter(x, dy, gradients.Slice({context.ParameterOffset}, {d.KernelSize}));");
                if (d.UseBias)
                    w.Line($"{Names.Kernels}.Add(gradients.Slice({context.ParameterOffset + d.KernelSize}, {d.Units}), dy);");
            }
            using (w.Block("if (!dx.IsEmpty)"))
            {
                w.Line("dx.Clear();");
                w.Line($"{Names.Kernels}.MultiplyTransposedAccumulate(p.Slice({context.ParameterOffset}, {d.KernelSize}), dy, dx);");
            }
        }
    }
}
