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
