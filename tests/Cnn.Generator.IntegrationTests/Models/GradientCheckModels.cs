using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// Small models that together cover every layer kind, stride, padding, bias on and off, every
// activation (fused and standalone) and every loss, for the finite-difference gradient checks.

/// <summary>Non-square kernel, different strides per axis, Same max pooling, a bias-free Dense.</summary>
[Model(7, 6, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(3, 3, 2, StrideHeight = 2, StrideWidth = 1, Activation = Activation.Tanh)]
[MaxPool2D(2, Padding = Padding.Same)]
[Flatten]
[Dense(5, Activation = Activation.Sigmoid, UseBias = false)]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckConvStrided;

/// <summary>Same convolutions with and without stride, average pooling, standalone Softmax, categorical cross-entropy.</summary>
[Model(6, 5, 1, Loss = Loss.CategoricalCrossEntropy)]
[Conv2D(2, 3, Padding = Padding.Same, Activation = Activation.Sigmoid, UseBias = false)]
[AvgPool2D(2)]
[Conv2D(3, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
[Dense(4)]
[Softmax]
public partial class CheckConvSame;

/// <summary>Standalone Tanh, Sigmoid and ReLU layers on vectors, mean squared error, a linear output.</summary>
[Model(5, Loss = Loss.MeanSquaredError)]
[Dense(6)]
[Tanh]
[Dense(5)]
[Sigmoid]
[Dense(4)]
[ReLU]
[Dense(3)]
public partial class CheckStandaloneActivations;

/// <summary>Standalone ReLU on an image, overlapping max pooling (stride 1), average pooling with Same padding, dropout, binary cross-entropy.</summary>
[Model(5, 5, 2, Loss = Loss.BinaryCrossEntropy)]
[Conv2D(3, 2)]
[ReLU]
[MaxPool2D(2, Stride = 1)]
[AvgPool2D(3, Stride = 2, Padding = Padding.Same)]
[Flatten]
[Dropout(0.25)]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class CheckPoolingDropout;

/// <summary>A non-square pool window, a 1x1 ReLU convolution, Softmax differentiated without cross-entropy (MSE).</summary>
// CNN0008 warns that Softmax with MeanSquaredError trains poorly; here it is on purpose, and a warning
// at a real source location can be silenced like any other.
#pragma warning disable CNN0008
[Model(6, 7, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(4, 1, Activation = Activation.ReLU)]
[MaxPool2D(2, 3)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
#pragma warning restore CNN0008
public partial class CheckNonSquarePool;

/// <summary>
/// Wide layers for the SIMD kernels: channel counts that fill several vector registers and leave narrower
/// leftovers (20 = 16 + 4 lanes), several register blocks of filters (80), Same padding at stride 1 (the
/// input gradient through the padded frame), vector average pooling. Smooth activations and no max pooling:
/// finite differences across a kink would not test anything.
/// </summary>
[Model(6, 6, 3, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(20, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[AvgPool2D(2)]
[Conv2D(80, 2, Activation = Activation.Sigmoid)]
[AvgPool2D(2)]
[Flatten]
[Dense(36, Activation = Activation.Tanh)]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckWide;

/// <summary>Wide Same convolutions at stride 1 and 2 and a 3x3 average pool with stride 2, 17 input channels.</summary>
[Model(7, 7, 17, Loss = Loss.MeanSquaredError)]
[Conv2D(24, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[AvgPool2D(3, Stride = 2)]
[Conv2D(9, 2, Stride = 2, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class CheckWideInput;

/// <summary>Max pooling alone on 20 channels (a 16-lane and a 4-lane group), for the exact first-maximum test.</summary>
[Model(4, 6, 20, Loss = Loss.MeanSquaredError)]
[MaxPool2D(2)]
public partial class WideMaxPool;

/// <summary>
/// Layers wide enough that the generated kernels loop over runs of identical filter blocks instead of writing
/// each block out: 336 filters (21 blocks of 16 at Vector256, 5 of 64 and one of 16 at Vector512), an input
/// gradient onto 336 channels, and 1,300 dense units (13 blocks of 96, or 5 of 256).
/// </summary>
[Model(3, 3, 3, Loss = Loss.MeanSquaredError)]
[Conv2D(336, 2, Activation = Activation.Tanh)]
[Conv2D(4, 2, Activation = Activation.Tanh)]
[Flatten]
[Dense(1300, Activation = Activation.Tanh)]
[Dense(2)]
public partial class CheckManyFilters;

/// <summary>Average pooling with a 5x5 window, over 16 cells: the window is a loop, not unrolled; 23 channels (16 + 4 + 1 + 1 + 1 lanes).</summary>
[Model(10, 10, 23, Loss = Loss.MeanSquaredError)]
[AvgPool2D(5)]
[Flatten]
[Dense(2, Activation = Activation.Tanh)]
public partial class CheckBigWindow;

/// <summary>Max pooling alone with a 5x6 window (a loop) on 23 channels, for the exact first-maximum test.</summary>
[Model(10, 12, 23, Loss = Loss.MeanSquaredError)]
[MaxPool2D(5, 6)]
public partial class BigWindowMaxPool;

/// <summary>
/// A graph (SPEC §7): a branch from the model's input, an Add of three inputs, a Concatenate of three, a standalone
/// activation and pooling on branches, and a Flatten that two layers take (its gradient gathers from both).
/// </summary>
[Model(6, 6, 2, Loss = Loss.CategoricalCrossEntropy)]
[Conv2D(3, 3, Padding = Padding.Same, Activation = Activation.Tanh, Name = "a")]
[Conv2D(3, 1, Input = "input", Name = "b")]
[Tanh(Input = "a", Name = "c")]
[Add("a", "b", "c", Name = "sum")]
[Conv2D(2, 2, Stride = 2, Input = "a", Name = "d")]
[MaxPool2D(2, Input = "sum", Name = "e")]
[AvgPool2D(2, Input = "b", Name = "f")]
[Concatenate("d", "e", "f")]
[Flatten]
[Dense(4, Activation = Activation.Sigmoid, Name = "h")]
[Dense(4, Input = "flatten", Name = "g")]
[Add("h", "g", Name = "logits")]
[Softmax]
[ExpectShape(4)]
public partial class CheckGraph;

// ---- The convolutions of SPEC §7: dilation, depthwise, separable, 1-D (causal padding).

/// <summary>Dilated Conv2D: Same padding (a 5x5 effective window in a frame of 2) and Valid, a non-square dilated kernel.</summary>
[Model(7, 7, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Conv2D(2, 2, 3, DilationRate = 2, Activation = Activation.Sigmoid)]
[Flatten]
[Dense(2)]
public partial class CheckDilatedConv;

/// <summary>Dilated Conv2D on wide channels (20 = 16 + 4 lanes, 17 input channels), dilation 3 without padding.</summary>
[Model(7, 7, 17, Loss = Loss.MeanSquaredError)]
[Conv2D(20, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Conv2D(6, 2, DilationRate = 3, UseBias = false)]
[Flatten]
[Dense(2)]
public partial class CheckDilatedConvWide;

/// <summary>
/// DepthwiseConv2D: a depth multiplier of 2 with Same padding, a dilated non-square kernel without bias, a stride of 2
/// (the scattered input gradient), then categorical cross-entropy.
/// </summary>
[Model(6, 6, 3, Loss = Loss.CategoricalCrossEntropy)]
[DepthwiseConv2D(3, DepthMultiplier = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[DepthwiseConv2D(3, 2, DilationRate = 2, Padding = Padding.Same, UseBias = false, Activation = Activation.Tanh)]
[DepthwiseConv2D(2, Stride = 2, Activation = Activation.Sigmoid)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckDepthwise;

/// <summary>
/// DepthwiseConv2D on wide channels: 10 channels times 2 = 20 (16 + 4 lanes) at stride 2 with Same padding (windows
/// clipped at the border), then times 3 = 60 (a loop over channel blocks), and a 2x9 kernel (a loop over its columns).
/// </summary>
[Model(5, 9, 10, Loss = Loss.MeanSquaredError)]
[DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[DepthwiseConv2D(2, DepthMultiplier = 3, Activation = Activation.Tanh)]
[DepthwiseConv2D(1, 9, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class CheckDepthwiseWide;

/// <summary>
/// SeparableConv2D: depth multiplier 2 with Same padding, a stride of 2 without bias (its windows leave the 7x7 input's
/// last row and column unused: the forward kernel reads the input itself, the backward pass a copy), a dilated one;
/// sparse cross-entropy.
/// </summary>
[Model(7, 7, 3, Loss = Loss.SparseCategoricalCrossEntropy)]
[SeparableConv2D(4, 3, DepthMultiplier = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[SeparableConv2D(5, 2, Stride = 2, UseBias = false, Activation = Activation.Sigmoid)]
[SeparableConv2D(6, 2, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckSeparable;

/// <summary>SeparableConv2D on wide channels: 9·2 = 18 depthwise channels to 20 filters, then 20 to 17 at stride 2.</summary>
[Model(5, 5, 9, Loss = Loss.MeanSquaredError)]
[SeparableConv2D(20, 3, DepthMultiplier = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[SeparableConv2D(17, 3, Stride = 2, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class CheckSeparableWide;

/// <summary>Conv1D: causal with dilation 2, Same at stride 2, causal at stride 2, Valid without bias; then Flatten.</summary>
[Model(10, 3, Loss = Loss.MeanSquaredError)]
[Conv1D(4, 3, Padding = Padding.Causal, DilationRate = 2, Activation = Activation.Tanh)]
[Conv1D(5, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Conv1D(3, 3, Stride = 2, Padding = Padding.Causal, Activation = Activation.Sigmoid)]
[Conv1D(2, 2, UseBias = false)]
[Flatten]
[Dense(2)]
public partial class CheckConv1D;

/// <summary>Conv1D on wide channels: 17 in, 20 out (16 + 4 lanes) causal, then dilation 3 Same.</summary>
[Model(9, 17, Loss = Loss.MeanSquaredError)]
[Conv1D(20, 3, Padding = Padding.Causal, Activation = Activation.Tanh)]
[Conv1D(6, 2, DilationRate = 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
[Dense(2)]
public partial class CheckConv1DWide;

/// ZeroPadding2D of whole rows (one block copy) and on all sides but one (a row at a time), ReLU6 fused into a
/// convolution and a Dense layer, a ReLU layer with a slope and a cap (0.5, so that many values are capped), global
/// average pooling over 20 channels (a 16-lane and a 4-lane group, or 8 + 8 + 4). No maximum follows the cap or
/// the padding: a maximum over capped values or padded zeros would tie, and finite differences would cross its kinks.
/// </summary>
[Model(5, 4, 3, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(2, 1, 0, 0)]
[Conv2D(20, 2, Padding = Padding.Same, Activation = Activation.ReLU6)]
[ReLU(MaxValue = 0.5, NegativeSlope = 0.1)]
[ZeroPadding2D(1, 2, 0, 1)]
[GlobalAveragePooling2D]
[Dense(3, Activation = Activation.ReLU6)]
public partial class CheckReLUVariants;

/// <summary>Symmetric ZeroPadding2D (height, width), LeakyReLU, global max pooling over 27 channels (16 + 8 + 3).</summary>
[Model(4, 5, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[ZeroPadding2D(1, 2)]
[Conv2D(27, 3, Activation = Activation.Tanh)]
[LeakyReLU(0.2)]
[GlobalMaxPooling2D]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckGlobalMax;

/// <summary>
/// A sequence of 13 steps of 20 channels: Same max pooling whose windows leave the sequence (the bounds-checked
/// code), overlapping average pooling (the SIMD kernels), a ReLU with a slope, global average pooling over the steps.
/// </summary>
[Model(13, 20, Loss = Loss.MeanSquaredError)]
[MaxPool1D(3, Stride = 2, Padding = Padding.Same)]
[AvgPool1D(2, Stride = 1)]
[ReLU(NegativeSlope = 0.05)]
[GlobalAveragePooling1D]
[Dense(3)]
public partial class CheckSequencePooling;

/// <summary>Same average pooling whose windows leave the sequence on both ends, max pooling (SIMD), LeakyReLU with its default, global max pooling over the steps.</summary>
[Model(13, 9, Loss = Loss.BinaryCrossEntropy)]
[AvgPool1D(4, Stride = 3, Padding = Padding.Same)]
[LeakyReLU]
[MaxPool1D(2)]
[GlobalMaxPooling1D]
[Dense(2, Activation = Activation.Sigmoid)]
public partial class CheckSequenceMaxPooling;

/// <summary>Global max pooling alone over 20 channels (16 + 4 lanes, or 8 + 8 + 4), for the exact first-maximum test.</summary>
[Model(3, 4, 20, Loss = Loss.MeanSquaredError)]
[GlobalMaxPooling2D]
public partial class WideGlobalMaxPool;

/// <summary>1D max pooling alone on 27 channels (the SIMD kernels), for the exact first-maximum test.</summary>
[Model(8, 27, Loss = Loss.MeanSquaredError)]
[MaxPool1D(2)]
public partial class WideMaxPool1D;

/// <summary>
/// Valid windows with a stride that leave the input's last rows and columns unused (Conv2D 3x3 stride 2 on 8x8,
/// DepthwiseConv2D 2x2 stride 2 on 3x3): the forward kernels read the input itself, the backward passes a copy.
/// </summary>
[Model(8, 8, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 3, Stride = 2, Activation = Activation.Tanh)]
[DepthwiseConv2D(2, Stride = 2, Activation = Activation.Sigmoid)]
[Flatten]
[Dense(2)]
public partial class CheckUnusedEdges;

/// <summary>
/// The phases of a strided input gradient: a 5x5 kernel with stride 3 meets each input position with 2 or 1 taps per
/// axis (phases of 2x2, 2x1, 1x2 and 1x1 taps), Valid windows leave the last rows and columns out, and 20 input
/// channels make the phase kernels' filters more than one vector (with a remainder); a 1x1 kernel with stride 2
/// leaves three of its four phases without taps.
/// </summary>
[Model(13, 12, 3, Loss = Loss.MeanSquaredError)]
[Conv2D(20, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[Conv2D(6, 5, Stride = 3, Activation = Activation.Tanh)]
[Conv2D(5, 1, Stride = 2, Padding = Padding.Same)]
[Flatten]
[Dense(2)]
public partial class CheckStridePhases;

/// <summary>A 4x4 kernel with stride 4: sixteen phases, more than get a kernel each, so the input gradient goes pixel by pixel.</summary>
[Model(9, 10, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 4, Stride = 4, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
[Dense(2)]
public partial class CheckStrideByPixel;

/// <summary>
/// A 3x3 convolution of 64 channels onto 64 filters, whose forward pass is Winograd's F(2x2, 3x3) (13x12 pixels: tiles
/// reaching past the output), against the backward pass of the direct formula. Its scratch (the transformed kernel alone
/// is 256 KiB) is over the stack budget: per-thread arrays, as CNN0007 says.
/// </summary>
#pragma warning disable CNN0007
[Model(13, 12, 64, Loss = Loss.MeanSquaredError)]
[Conv2D(64, 3, Padding = Padding.Same, Activation = Activation.Tanh)]
[GlobalAveragePooling2D]
[Dense(2)]
public partial class CheckWinograd;
#pragma warning restore CNN0007
