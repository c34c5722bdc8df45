namespace Cnn.Generator.IntegrationTests.Models;

/// <summary>The seed model with the Inference sample's trained Fashion-MNIST weights compiled in.</summary>
[Model(28, 28, 1)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[Flatten]
[Dense(64, Activation = Activation.ReLU)]
[Dense(10, Activation = Activation.Softmax)]
[EmbeddedWeights("../../samples/Inference/weights/fashion-mnist-cnn.safetensors")]
public partial class EmbeddedFashionCnn;
