using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Layers;

/// <summary>
/// The forward pass of a 3x3 stride-1 convolution by Winograd's F(2x2, 3x3) (<c>Cnn.Winograd.Convolve3x3</c> in the
/// runtime): 16 multiplications for each 2x2 output pixels of a filter and channel instead of 36. Its sums differ from
/// the direct convolution's by rounding only; the training passes and <c>LayerOutput</c> call the same forward method, so
/// every pass of a model sees the same values.
/// </summary>
internal static partial class Conv2DEmitter
{
    /// <summary>
    /// Whether <paramref name="c"/>'s forward pass takes Winograd's F(2x2, 3x3): a 3x3 kernel, stride 1, no dilation, an
    /// image (not a sequence), channels and filters multiples of 16, at least 64 of each (below, the direct kernels'
    /// register blocks win) and at most 256x256 of them (a transformed kernel of 16·c·f floats, up to 4 MiB: resnet18's
    /// 512-channel stage, 16 MiB of it for 16 tiles, ran 4x slower than the direct kernels in blocks of 6 tiles; its
    /// 7x7 pixels are below the next limit too), and at least
    /// <see cref="FewestWinogradPixels"/> output pixels (the kernel transform, redone at every call, is paid back by
    /// the tiles: MLPerf Tiny's ResNet-8, 8x8 pixels of 64 channels, went from 0.85-0.88 of ONNX Runtime's time to 1.00).
    /// Measured on imported resnet18 at 224 (12-01, interleaved runs): with the 64- and 128-channel stages 19.4 -> 16.4 ms,
    /// with the 256-channel stage too 16.3 -> 15.8 ms.
    /// </summary>
    public static bool UsesWinograd(Conv2DSpec c) =>
        !c.Sequence && c.KernelHeight == 3 && c.KernelWidth == 3 && c.StrideHeight == 1 && c.StrideWidth == 1 && c.DilationRate == 1
        && c.Input.Channels % WinogradSizes.ChannelMultiple == 0 && c.Filters % WinogradSizes.ChannelMultiple == 0
        && c.Input.Channels >= 64 && c.Filters >= 64 && (long)c.Input.Channels * c.Filters <= MostWinogradWeights
        && (long)c.Output.Height * c.Output.Width >= FewestWinogradPixels && c.PadTop <= 2 && c.PadLeft <= 2;

    /// <summary>The fewest output pixels of a Winograd convolution: 12x12 (36 tiles).</summary>
    private const int FewestWinogradPixels = 144;

    /// <summary>The most channels x filters a Winograd convolution has: 256x256, a 4 MiB transformed kernel.</summary>
    private const long MostWinogradWeights = 256 * 256;

    /// <summary>Floats of the transformed kernel (<see cref="WinogradSizes"/>, shared with the runtime).</summary>
    private static long WinogradKernelLength(Conv2DSpec c) => WinogradSizes.KernelScratch(c.Input.Channels, c.Filters);

    /// <summary>Floats of one block of transformed tiles and products (<see cref="WinogradSizes"/>, shared with the runtime).</summary>
    private static long WinogradTileLength(Conv2DSpec c) => WinogradSizes.TileScratch(c.Output.Height, c.Output.Width, c.Input.Channels, c.Filters);

    /// <summary>The scratch floats the Winograd forward pass needs (0 when it does not apply).</summary>
    public static long WinogradScratch(Conv2DSpec c) => UsesWinograd(c) ? WinogradKernelLength(c) + WinogradTileLength(c) : 0;

    /// <summary>The body of <c>Forward_{name}</c> by Winograd: the kernel transformed at each call, the padding read in place.</summary>
    private static void EmitWinogradForward(SourceWriter w, LayerContext context, Conv2DSpec c, int widest)
    {
        int ch = c.Input.Channels, f = c.Filters;
        w.Line($"// Winograd's F(2x2, 3x3): 4x4 tiles of x and each 3x3 kernel are transformed, multiplied position by position over the");
        w.Line($"// {ch} channels (16 products per 2x2 outputs instead of 36), and transformed back; the zero padding is read in place.");
        w.Line(context.Buffers.DeclareScratch("winogradKernel", WinogradKernelLength(c)));
        w.Line(context.Buffers.DeclareScratch("winogradTiles", WinogradTileLength(c)));
        string bias = c.UseBias ? $"p.Slice({context.Offset("bias")}, {f})" : "default";
        string own = c.Activation == Activation.ReLU ? ", Activation = global::Cnn.OutputActivation.ReLU" : "";
        string plain = $"new() {{ Bias = {bias}{own} }}";
        if (context.Fused is { } fused)
        {
            OutputFusion.EmitNormalization(w, context);
            string parts = fused.Spec is null ? "" : ", Scale = scale, Shift = shift";
            if (fused.Residual is { } add)
            {
                w.Line(OutputFusion.ResidualComment(fused, add) + ".");
                parts += ", Residual = residual";
            }
            if (fused.ReLU is { } relu)
                parts += relu.Plain ? ", Activation = global::Cnn.OutputActivation.ReLU"
                    : $", Activation = global::Cnn.OutputActivation.SlopeAndCap, Slope = {relu.Slope}, Cap = {relu.Cap}";
            w.Line("global::Cnn.ConvolutionOutput output = fused");
            w.Line($"    ? new() {{ Bias = {bias}{parts} }}");
            w.Line($"    : {plain};");
        }
        else w.Line($"global::Cnn.ConvolutionOutput output = {plain};");
        string width = widest >= 512 ? $"{Names.Kernels}.VectorWidth" : $"global::System.Math.Min({Names.Kernels}.VectorWidth, {widest})";
        w.Line($"global::Cnn.Winograd.Convolve3x3(x, height: {c.Input.Height}, width: {c.Input.Width}, channels: {ch}, padTop: {c.PadTop}, padLeft: {c.PadLeft},");
        w.Line($"    p.Slice({context.Offset("kernel")}, {c.KernelSize}), y, outHeight: {c.Output.Height}, outWidth: {c.Output.Width}, filters: {f},");
        w.Line($"    winogradKernel, winogradTiles, output, {width});");
    }
}
