using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// CheckConvSame cut in two after its pooling layer: feeding the head's output to the tail must give the
// whole model's output, and the head's LayerOutput must be the whole model's LayerOutput of layer 1.

/// <summary>The first layer of <see cref="CheckConvSame"/> on its own.</summary>
[Model(6, 5, 1, Loss = Loss.MeanSquaredError)]
[Conv2D(2, 3, Padding = Padding.Same, Activation = Activation.Sigmoid, UseBias = false)]
public partial class ExplainConvOnly;

/// <summary>The layers of <see cref="CheckConvSame"/> after its average pooling, on their own.</summary>
[Model(3, 2, 2, Loss = Loss.CategoricalCrossEntropy)]
[Conv2D(3, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[Flatten]
[Dense(4)]
[Softmax]
public partial class ExplainTail;

/// <summary>Smooth activations, a Dropout between convolutions (identity here), a standalone Tanh on an image.</summary>
[Model(7, 7, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(4, 3, Activation = Activation.Tanh)]
[Dropout(0.5)]
[AvgPool2D(2, Stride = 1)]
[Conv2D(3, 2, Padding = Padding.Same)]
[Tanh]
[Flatten]
[Dense(5, Activation = Activation.Sigmoid)]
[Dense(3, Activation = Activation.Softmax)]
public partial class ExplainSmooth;
