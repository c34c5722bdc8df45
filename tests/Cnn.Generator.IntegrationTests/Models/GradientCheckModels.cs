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
