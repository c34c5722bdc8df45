namespace Cnn.Generator.IntegrationTests.Models;

// Depthwise convolutions with Same padding whose kernel reads its input in place, skipping the taps that fall in the
// padding (SimdKernels.EmitFramedDepthwise): geometries at the edges of that code.

/// <summary>A 5x5 kernel over a 3x2 input: every output column is an edge column and every row is cut at both ends.</summary>
[Model(3, 2, 20, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(5, Padding = Padding.Same, Name = "dw")]
public partial class DepthwiseWiderThanInput;

/// <summary>A dilated 3x5 kernel (windows 5x9) with Same padding on 18 channels (16 + 2 lanes): edge columns with a dilation.</summary>
[Model(9, 11, 18, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(3, 5, DilationRate = 2, Padding = Padding.Same, Activation = Activation.ReLU, Name = "dw")]
public partial class DepthwiseDilatedSame;

/// <summary>An even 4x3 kernel at stride 3, Same padding (one more zero after than before), no bias, 4 channels.</summary>
[Model(10, 13, 4, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(4, 3, Stride = 3, Padding = Padding.Same, UseBias = false, Name = "dw")]
public partial class DepthwiseStridedSame;

// A ZeroPadding2D read by a depthwise convolution alone: in Forward the kernel reads the padding's input in place
// (PaddingFusion), in the other passes the padding runs by itself.

/// <summary>
/// ZeroPadding2D before a Valid stride-2 depthwise convolution, as the importer writes PyTorch's symmetric padding of a
/// stride-2 layer; uneven pads (1 row above, 2 below, 2 columns left, none right), a BatchNormalization and a ReLU fused on
/// the way out too, 20 channels (16 + 4 lanes).
/// </summary>
[Model(9, 10, 20, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(1, 2, 2, 0, Name = "pad")]
[DepthwiseConv2D(3, Stride = 2, Name = "dw")]
[BatchNormalization(Name = "bn")]
[ReLU(Name = "relu")]
public partial class PaddedDepthwise;

/// <summary>
/// Padding wider than the kernel (whole windows of zeros: the bias alone) before a Same depthwise convolution, whose own
/// padding adds to it: 4 rows above, 1 below, none left, 5 columns right, a 3x2 kernel, 3 channels.
/// </summary>
[Model(5, 6, 3, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(4, 1, 0, 5, Name = "pad")]
[DepthwiseConv2D(3, 2, Padding = Padding.Same, Name = "dw")]
public partial class DepthwiseBehindWidePadding;

/// <summary>
/// ZeroPadding2D before a 3x3 max pool of stride 2, as the importer writes resnet18's MaxPool with pads: uneven pads (1
/// row above, 2 below, 1 column left, none right), 21 channels (16 + 4 + 1 lanes); with inputs below 0 a window that
/// meets the padding is 0.
/// </summary>
[Model(7, 8, 21, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(1, 2, 1, 0, Name = "pad")]
[MaxPool2D(3, Stride = 2, Name = "pool")]
public partial class PaddedMaxPool;
