using System.Reflection;
using Cnn;

namespace Explainer;

/// <summary>
/// How one value of a convolution's feature map is made, as the course slides show it: the window of the layer's
/// input under the kernel, the kernel, the sum of their products per input channel, the bias and the activation.
/// </summary>
/// <param name="Row">The map row of the value.</param>
/// <param name="Column">The map column of the value.</param>
/// <param name="Top">The input row of the window's top edge (negative inside same padding).</param>
/// <param name="Left">The input column of the window's left edge.</param>
/// <param name="Window">The input under the kernel, <c>[channel][dy, dx]</c>; 0 where the window lies in the padding.</param>
/// <param name="Kernel">The filter's weights, <c>[channel][dy, dx]</c>.</param>
/// <param name="ChannelSums">Σ window·kernel for each input channel.</param>
/// <param name="Bias">The filter's bias (0 without one).</param>
/// <param name="Sum">Σ of the channel sums plus the bias: the value before the activation.</param>
/// <param name="Activation">The layer's activation function.</param>
/// <param name="Activated">The activation of <paramref name="Sum"/>: what the feature map should hold.</param>
/// <param name="MapValue">The value the generated code computed (<see cref="ICnnModel.LayerOutput"/>).</param>
public sealed record ConvolutionCell(int Row, int Column, int Top, int Left, float[][,] Window, float[][,] Kernel,
    float[] ChannelSums, float Bias, float Sum, Activation Activation, float Activated, float MapValue)
{
    /// <summary>
    /// Works out value (<paramref name="row"/>, <paramref name="column"/>) of channel <paramref name="channel"/> of
    /// convolution layer <paramref name="layer"/> by hand from the layer's input and parameters.
    /// </summary>
    /// <param name="model">The model; its class carries the layer attributes (stride, padding, activation).</param>
    /// <param name="input">The model input.</param>
    /// <param name="layer">The index of a Conv2D layer in <see cref="ICnnModel.Layers"/>.</param>
    /// <param name="channel">The filter.</param>
    /// <param name="row">The output row.</param>
    /// <param name="column">The output column.</param>
    /// <exception cref="ArgumentException">The layer is not a convolution, or a coordinate is outside its output.</exception>
    public static ConvolutionCell Compute(ICnnModel model, ReadOnlySpan<float> input, int layer, int channel, int row, int column)
    {
        Conv2DAttribute conv = Convolution(model, layer);
        int[] inputShape = layer == 0 ? model.InputShape.ToArray() : model.Layers[layer - 1].OutputShape;
        int[] outputShape = model.Layers[layer].OutputShape;
        (int height, int width, int channels) = (inputShape[0], inputShape[1], inputShape[2]);
        (int outHeight, int outWidth, int filters) = (outputShape[0], outputShape[1], outputShape[2]);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, filters);
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, outHeight);
        ArgumentOutOfRangeException.ThrowIfNegative(column);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(column, outWidth);

        // The layer's input: the model input, or the previous layer's output.
        float[] x = new float[height * width * channels];
        if (layer == 0) input.CopyTo(x);
        else model.LayerOutput(input, layer - 1, x);
        float[] y = new float[outHeight * outWidth * filters];
        model.LayerOutput(input, layer, y);

        (int kh, int kw) = (conv.KernelHeight, conv.KernelWidth);
        int strideH = conv.StrideHeight > 0 ? conv.StrideHeight : conv.Stride;
        int strideW = conv.StrideWidth > 0 ? conv.StrideWidth : conv.Stride;
        // TensorFlow's SAME padding puts the odd pixel of padding at the bottom and right.
        int padTop = conv.Padding == Padding.Same ? Math.Max((outHeight - 1) * strideH + kh - height, 0) / 2 : 0;
        int padLeft = conv.Padding == Padding.Same ? Math.Max((outWidth - 1) * strideW + kw - width, 0) / 2 : 0;
        int top = row * strideH - padTop, left = column * strideW - padLeft;

        string name = model.Layers[layer].Name;
        ReadOnlySpan<float> kernel = Tensor(model, name + ".kernel"); // [kh, kw, channels, filters]
        float bias = conv.UseBias ? Tensor(model, name + ".bias")[channel] : 0f;

        var window = new float[channels][,];
        var weights = new float[channels][,];
        var channelSums = new float[channels];
        float sum = bias;
        for (int c = 0; c < channels; c++)
        {
            window[c] = new float[kh, kw];
            weights[c] = new float[kh, kw];
            for (int dy = 0; dy < kh; dy++)
            {
                for (int dx = 0; dx < kw; dx++)
                {
                    int iy = top + dy, ix = left + dx;
                    float value = iy >= 0 && iy < height && ix >= 0 && ix < width ? x[(iy * width + ix) * channels + c] : 0f;
                    float weight = kernel[((dy * kw + dx) * channels + c) * filters + channel];
                    window[c][dy, dx] = value;
                    weights[c][dy, dx] = weight;
                    channelSums[c] += value * weight;
                }
            }
            sum += channelSums[c];
        }
        float activated = conv.Activation switch
        {
            Activation.None => sum,
            Activation.ReLU => Math.Max(sum, 0f),
            Activation.Sigmoid => 1f / (1f + MathF.Exp(-sum)),
            Activation.Tanh => MathF.Tanh(sum),
            _ => throw new NotSupportedException($"Layer '{name}' has activation {conv.Activation}, which a convolution cell cannot show on its own."),
        };
        return new ConvolutionCell(row, column, top, left, window, weights, channelSums, bias, sum, conv.Activation, activated,
            y[(row * outWidth + column) * filters + channel]);
    }

    /// <summary>Whether layer <paramref name="layer"/> is a convolution (the only layers whose cells this explains).</summary>
    public static bool IsConvolution(ICnnModel model, int layer) => model.Layers[layer].Type == "Conv2D";

    /// <summary>The [Conv2D] attribute of layer <paramref name="layer"/>: layer attributes are on the class in layer order.</summary>
    private static Conv2DAttribute Convolution(ICnnModel model, int layer)
    {
        LayerAttribute[] layers = model.GetType().GetCustomAttributes<LayerAttribute>(inherit: false).ToArray();
        if (layers.Length != model.Layers.Count)
            throw new InvalidOperationException($"{model.GetType().Name} has {layers.Length} layer attributes but {model.Layers.Count} layers.");
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, layers.Length);
        return layers[layer] as Conv2DAttribute
            ?? throw new ArgumentException($"Layer {layer} '{model.Layers[layer].Name}' is a {model.Layers[layer].Type}, not a convolution.", nameof(layer));
    }

    private static ReadOnlySpan<float> Tensor(ICnnModel model, string name)
    {
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
            if (tensor.Name == name) return model.Parameters.Slice(tensor.Offset, tensor.Length);
        throw new InvalidOperationException($"{model.GetType().Name} has no parameter tensor '{name}'.");
    }
}
