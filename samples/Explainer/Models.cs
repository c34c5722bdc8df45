using Cnn;

namespace Explainer;

/// <summary>
/// The seed model (the course's Keras MNIST CNN, as samples/FashionMnist trains it) with the Fashion-MNIST weights of
/// samples/Inference compiled in.
/// </summary>
[Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[Flatten]
[Dense(64, Activation = Activation.ReLU)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(93_322)]
[EmbeddedWeights("../Inference/weights/fashion-mnist-cnn.safetensors")]
public partial class FashionCnn;

/// <summary>The small CNN of samples/Digits for the UCI 8x8 digits, with weights trained by that sample compiled in.</summary>
[Model(8, 8, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(16, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[ExpectShape(2, 2, 32)]
[Flatten]
[Dropout(0.2)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(6_090)]
[EmbeddedWeights("weights/digits-cnn.safetensors")]
public partial class DigitsCnn;
