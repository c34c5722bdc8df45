// This file is also compiled into the generator (linked), which reads attribute arguments by
// nameof on these very types: renaming an argument here renames it there. In the generator
// (CNN_GENERATOR) the types are nested in an internal class, so no second public Cnn attribute exists.
#if CNN_GENERATOR
using System;
#endif
namespace Cnn;
#if CNN_GENERATOR
internal static partial class Attributes
{
#endif

/// <summary>Base of every layer attribute; the order of layer attributes on the class is the order of the layers.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public abstract class LayerAttribute : Attribute
{
    /// <summary>The layer's name in summaries and weight files; default: Keras's (<c>conv2d</c>, <c>conv2d_1</c>, ...).</summary>
    public string? Name { get; set; }

    /// <summary>
    /// The layer whose output this one takes: the name of a layer above it, or <c>"input"</c> for the model's input.
    /// Default: the layer right above (Keras functional models; merges name their inputs as their arguments).
    /// </summary>
    public string? Input { get; set; }
}

/// <summary>
/// What the 2-D convolutions (<see cref="Conv2DAttribute"/>, <see cref="DepthwiseConv2DAttribute"/> and
/// <see cref="SeparableConv2DAttribute"/>) take alike, as Keras names it: strides, padding, activation, bias, dilation.
/// </summary>
public abstract class Convolution2DAttribute : LayerAttribute
{
    /// <summary>Stride in both directions (default 1); <see cref="StrideHeight"/>/<see cref="StrideWidth"/> override it.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Vertical stride; defaults to <see cref="Stride"/>.</summary>
    public int StrideHeight { get; set; }
    /// <summary>Horizontal stride; defaults to <see cref="Stride"/>.</summary>
    public int StrideWidth { get; set; }
    /// <summary>Border handling (default <see cref="Cnn.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }
    /// <summary>Activation applied to the output (default none).</summary>
    public Activation Activation { get; set; }
    /// <summary>Whether the layer adds a bias per output channel (default true).</summary>
    public bool UseBias { get; set; } = true;
    /// <summary>Dilation in both directions (default 1): kernel taps <c>DilationRate</c> pixels apart, an effective kernel of (k - 1)·d + 1. Above 1 the stride must be 1.</summary>
    public int DilationRate { get; set; } = 1;
}

/// <summary>2D convolution over a <c>[height, width, channels]</c> input (Keras <c>Conv2D</c>).</summary>
public sealed class Conv2DAttribute : Convolution2DAttribute
{
    /// <summary>A square <paramref name="kernel"/> x <paramref name="kernel"/> convolution with <paramref name="filters"/> output channels.</summary>
    public Conv2DAttribute(int filters, int kernel) : this(filters, kernel, kernel) { }

    /// <summary>A <paramref name="kernelHeight"/> x <paramref name="kernelWidth"/> convolution with <paramref name="filters"/> output channels.</summary>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
}

/// <summary>
/// Depthwise 2D convolution (Keras <c>DepthwiseConv2D</c>): each input channel convolved with its own
/// <see cref="DepthMultiplier"/> kernels; output channel ci·m + j. Kernel <c>depthwise_kernel [kh, kw, c, m]</c>, bias <c>[c·m]</c>.
/// </summary>
public sealed class DepthwiseConv2DAttribute : Convolution2DAttribute
{
    /// <summary>A square <paramref name="kernel"/> x <paramref name="kernel"/> depthwise convolution.</summary>
    public DepthwiseConv2DAttribute(int kernel) : this(kernel, kernel) { }

    /// <summary>A <paramref name="kernelHeight"/> x <paramref name="kernelWidth"/> depthwise convolution.</summary>
    public DepthwiseConv2DAttribute(int kernelHeight, int kernelWidth)
    {
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
    /// <summary>Output channels per input channel (default 1).</summary>
    public int DepthMultiplier { get; set; } = 1;
}

/// <summary>
/// Depthwise separable 2D convolution (Keras <c>SeparableConv2D</c>): a depthwise convolution
/// (<see cref="DepthMultiplier"/>, no bias), then a 1x1 convolution to <see cref="Filters"/> channels, then the bias and
/// the activation. Tensors <c>depthwise_kernel [kh, kw, c, m]</c>, <c>pointwise_kernel [1, 1, c·m, filters]</c>, <c>bias [filters]</c>.
/// </summary>
public sealed class SeparableConv2DAttribute : Convolution2DAttribute
{
    /// <summary>A square <paramref name="kernel"/> x <paramref name="kernel"/> separable convolution with <paramref name="filters"/> output channels.</summary>
    public SeparableConv2DAttribute(int filters, int kernel) : this(filters, kernel, kernel) { }

    /// <summary>A <paramref name="kernelHeight"/> x <paramref name="kernelWidth"/> separable convolution with <paramref name="filters"/> output channels.</summary>
    public SeparableConv2DAttribute(int filters, int kernelHeight, int kernelWidth)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Kernel height.</summary>
    public int KernelHeight { get; }
    /// <summary>Kernel width.</summary>
    public int KernelWidth { get; }
    /// <summary>Depthwise channels per input channel (default 1).</summary>
    public int DepthMultiplier { get; set; } = 1;
}

/// <summary>
/// 1D convolution over a sequence <c>[steps, channels]</c> (Keras <c>Conv1D</c>): kernel <c>[k, inChannels, filters]</c>,
/// bias <c>[filters]</c>. <see cref="Cnn.Padding.Causal"/> puts all the padding before the sequence.
/// </summary>
public sealed class Conv1DAttribute : LayerAttribute
{
    /// <summary>A convolution of <paramref name="kernel"/> steps with <paramref name="filters"/> output channels.</summary>
    public Conv1DAttribute(int filters, int kernel)
    {
        Filters = filters;
        Kernel = kernel;
    }

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }
    /// <summary>Kernel length in steps.</summary>
    public int Kernel { get; }
    /// <summary>Stride in steps (default 1).</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Border handling: <see cref="Cnn.Padding.Valid"/> (default), <see cref="Cnn.Padding.Same"/> or <see cref="Cnn.Padding.Causal"/>.</summary>
    public Padding Padding { get; set; }
    /// <summary>Dilation (default 1); above 1 the stride must be 1.</summary>
    public int DilationRate { get; set; } = 1;
    /// <summary>Activation applied to the output (default none).</summary>
    public Activation Activation { get; set; }
    /// <summary>Whether the layer adds a bias per filter (default true).</summary>
    public bool UseBias { get; set; } = true;
}

/// <summary>Max pooling (Keras <c>MaxPooling2D</c>); padded cells are ignored.</summary>
public sealed class MaxPool2DAttribute : LayerAttribute
{
    /// <summary>A <paramref name="size"/> x <paramref name="size"/> window; the stride defaults to the size.</summary>
    public MaxPool2DAttribute(int size) : this(size, size) { }
    /// <summary>A <paramref name="height"/> x <paramref name="width"/> window; the stride defaults to the window.</summary>
    public MaxPool2DAttribute(int height, int width) { PoolHeight = height; PoolWidth = width; }
    /// <summary>Window height.</summary>
    public int PoolHeight { get; }
    /// <summary>Window width.</summary>
    public int PoolWidth { get; }
    /// <summary>Stride in both directions; defaults to the window size.</summary>
    public int Stride { get; set; }
    /// <summary>Border handling (default <see cref="Cnn.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }
}

/// <summary>Average pooling (Keras <c>AveragePooling2D</c>); divides by the cells inside the input.</summary>
public sealed class AvgPool2DAttribute : LayerAttribute
{
    /// <summary>A <paramref name="size"/> x <paramref name="size"/> window; the stride defaults to the size.</summary>
    public AvgPool2DAttribute(int size) : this(size, size) { }
    /// <summary>A <paramref name="height"/> x <paramref name="width"/> window; the stride defaults to the window.</summary>
    public AvgPool2DAttribute(int height, int width) { PoolHeight = height; PoolWidth = width; }
    /// <summary>Window height.</summary>
    public int PoolHeight { get; }
    /// <summary>Window width.</summary>
    public int PoolWidth { get; }
    /// <summary>Stride in both directions; defaults to the window size.</summary>
    public int Stride { get; set; }
    /// <summary>Border handling (default <see cref="Cnn.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }
}

/// <summary>Fully connected layer over a vector (Keras <c>Dense</c>).</summary>
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>A layer with <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;
    /// <summary>Number of outputs.</summary>
    public int Units { get; }
    /// <summary>Activation applied to the output (default none).</summary>
    public Activation Activation { get; set; }
    /// <summary>Whether the layer adds a bias per unit (default true).</summary>
    public bool UseBias { get; set; } = true;
}

/// <summary>Flattens <c>[h, w, c]</c> into a vector of h·w·c values, row-major (Keras <c>Flatten</c>).</summary>
public sealed class FlattenAttribute : LayerAttribute;

/// <summary>Drops a fraction of values while training, scaling the rest by 1 / (1 - rate); the identity at inference.</summary>
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Drops each value with probability <paramref name="rate"/> (in [0, 1)).</summary>
    public DropoutAttribute(double rate) => Rate = rate;
    /// <summary>The probability of dropping a value.</summary>
    public double Rate { get; }
}

/// <summary>
/// Batch normalization over the last axis (Keras <c>BatchNormalization</c>): the batch's mean and biased variance while
/// training with the batch step, the moving statistics in every other pass:
/// <c>gamma·(x − mean)/sqrt(variance + Epsilon) + beta</c>.
/// </summary>
public sealed class BatchNormalizationAttribute : LayerAttribute
{
    /// <summary>How much of the moving statistics each batch keeps: moving = Momentum·moving + (1 − Momentum)·batch (default 0.99).</summary>
    public double Momentum { get; set; } = 0.99;
    /// <summary>Added to the variance before its square root (default 0.001).</summary>
    public double Epsilon { get; set; } = 0.001;
    /// <summary>Whether the layer has a trainable offset <c>beta</c> (default true).</summary>
    public bool Center { get; set; } = true;
    /// <summary>Whether the layer has a trainable scale <c>gamma</c> (default true).</summary>
    public bool Scale { get; set; } = true;
}

/// <summary>
/// Standalone ReLU layer (Keras <c>ReLU</c>): <c>x &lt; 0 ? NegativeSlope·x : min(x, MaxValue)</c>; plain <c>max(0, x)</c>
/// with the defaults.
/// </summary>
public sealed class ReLUAttribute : LayerAttribute
{
    /// <summary>The cap on the output (at least 0); default: no cap (positive infinity).</summary>
    public double MaxValue { get; set; } = double.PositiveInfinity;
    /// <summary>The slope below 0 (at least 0); default 0.</summary>
    public double NegativeSlope { get; set; }
}
/// <summary>Leaky ReLU layer (Keras <c>LeakyReLU</c>): <c>x &lt; 0 ? alpha·x : x</c>.</summary>
public sealed class LeakyReLUAttribute : LayerAttribute
{
    /// <summary>A leaky ReLU with slope <paramref name="alpha"/> (at least 0) below 0.</summary>
    public LeakyReLUAttribute(double alpha = 0.3) => Alpha = alpha;
    /// <summary>The slope below 0.</summary>
    public double Alpha { get; }
}
/// <summary>Standalone sigmoid layer (Keras <c>Activation("sigmoid")</c>).</summary>
public sealed class SigmoidAttribute : LayerAttribute;
/// <summary>Standalone tanh layer (Keras <c>Activation("tanh")</c>).</summary>
public sealed class TanhAttribute : LayerAttribute;
/// <summary>Standalone softmax layer over a vector (Keras <c>Softmax</c>).</summary>
public sealed class SoftmaxAttribute : LayerAttribute;

/// <summary>Element-wise sum of two or more earlier layers' outputs of the same shape (Keras <c>Add</c>): a skip connection.</summary>
public sealed class AddAttribute : LayerAttribute
{
    /// <summary>Sums the outputs of the layers named <paramref name="inputs"/> (<c>"input"</c>: the model's input).</summary>
    public AddAttribute(params string[] inputs) => Inputs = inputs;
    /// <summary>The names of the layers summed.</summary>
    public string[] Inputs { get; }
}

/// <summary>Joins two or more earlier layers' outputs along the channel axis (Keras <c>Concatenate</c>); other dimensions must be equal.</summary>
public sealed class ConcatenateAttribute : LayerAttribute
{
    /// <summary>Joins the outputs of the layers named <paramref name="inputs"/>, channels in this order.</summary>
    public ConcatenateAttribute(params string[] inputs) => Inputs = inputs;
    /// <summary>The names of the layers joined, in channel order.</summary>
    public string[] Inputs { get; }
}

/// <summary>Global average pooling over an image (Keras <c>GlobalAveragePooling2D</c>): <c>[h, w, c] → [c]</c>, the mean of each channel.</summary>
public sealed class GlobalAveragePooling2DAttribute : LayerAttribute;
/// <summary>Global max pooling over an image (Keras <c>GlobalMaxPooling2D</c>): <c>[h, w, c] → [c]</c>, the maximum of each channel.</summary>
public sealed class GlobalMaxPooling2DAttribute : LayerAttribute;
/// <summary>Global average pooling over a sequence (Keras <c>GlobalAveragePooling1D</c>): <c>[steps, c] → [c]</c>.</summary>
public sealed class GlobalAveragePooling1DAttribute : LayerAttribute;
/// <summary>Global max pooling over a sequence (Keras <c>GlobalMaxPooling1D</c>): <c>[steps, c] → [c]</c>.</summary>
public sealed class GlobalMaxPooling1DAttribute : LayerAttribute;

/// <summary>Zero rows and columns around an image (Keras <c>ZeroPadding2D</c>).</summary>
public sealed class ZeroPadding2DAttribute : LayerAttribute
{
    /// <summary>One zero row or column on every side (Keras's default).</summary>
    public ZeroPadding2DAttribute() : this(1) { }
    /// <summary><paramref name="padding"/> zero rows or columns on every side.</summary>
    public ZeroPadding2DAttribute(int padding) : this(padding, padding, padding, padding) { }
    /// <summary><paramref name="height"/> zero rows above and below, <paramref name="width"/> zero columns left and right (Keras <c>padding=(h, w)</c>).</summary>
    public ZeroPadding2DAttribute(int height, int width) : this(height, height, width, width) { }
    /// <summary>Zero rows above and below and columns left and right (Keras <c>padding=((top, bottom), (left, right))</c>).</summary>
    public ZeroPadding2DAttribute(int top, int bottom, int left, int right) { Top = top; Bottom = bottom; Left = left; Right = right; }
    /// <summary>Zero rows above the image.</summary>
    public int Top { get; }
    /// <summary>Zero rows below the image.</summary>
    public int Bottom { get; }
    /// <summary>Zero columns left of the image.</summary>
    public int Left { get; }
    /// <summary>Zero columns right of the image.</summary>
    public int Right { get; }
}

/// <summary>Max pooling over a sequence (Keras <c>MaxPooling1D</c>); padded steps are ignored.</summary>
public sealed class MaxPool1DAttribute : LayerAttribute
{
    /// <summary>A window of <paramref name="size"/> steps; the stride defaults to the size.</summary>
    public MaxPool1DAttribute(int size) => PoolSize = size;
    /// <summary>Window length in steps.</summary>
    public int PoolSize { get; }
    /// <summary>Stride in steps; defaults to the window size.</summary>
    public int Stride { get; set; }
    /// <summary>Border handling (default <see cref="Cnn.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }
}

/// <summary>Average pooling over a sequence (Keras <c>AveragePooling1D</c>); divides by the steps inside the input.</summary>
public sealed class AvgPool1DAttribute : LayerAttribute
{
    /// <summary>A window of <paramref name="size"/> steps; the stride defaults to the size.</summary>
    public AvgPool1DAttribute(int size) => PoolSize = size;
    /// <summary>Window length in steps.</summary>
    public int PoolSize { get; }
    /// <summary>Stride in steps; defaults to the window size.</summary>
    public int Stride { get; set; }
    /// <summary>Border handling (default <see cref="Cnn.Padding.Valid"/>).</summary>
    public Padding Padding { get; set; }
}

/// <summary>Build-time assertion: the shape produced by the layers above this attribute.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ExpectShapeAttribute : Attribute
{
    /// <summary>The expected shape: (height, width, channels) or (features).</summary>
    public ExpectShapeAttribute(params int[] dims) => Dims = dims;
    /// <summary>The expected dimensions.</summary>
    public int[] Dims { get; }
}

/// <summary>Build-time assertion on the model's total parameter count (Keras <c>count_params()</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ExpectParametersAttribute : Attribute
{
    /// <summary>The expected total.</summary>
    public ExpectParametersAttribute(int count) => Count = count;
    /// <summary>The expected total.</summary>
    public int Count { get; }
}

/// <summary>
/// Compiles a safetensors weight file into the model (path relative to the project, passed to the
/// generator as an AdditionalFile). The generator checks it against the network at build time (CNN0009).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class EmbeddedWeightsAttribute : Attribute
{
    /// <summary>The weight file, relative to the project.</summary>
    public EmbeddedWeightsAttribute(string path) => Path = path;
    /// <summary>The weight file, relative to the project.</summary>
    public string Path { get; }
}
#if CNN_GENERATOR
}
#endif
