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
