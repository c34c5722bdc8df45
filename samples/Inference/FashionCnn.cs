using Cnn;

namespace Inference;

/// <summary>
/// The seed model (the course's Keras MNIST CNN, as in samples/FashionMnist) with its Fashion-MNIST weights
/// compiled in: <see cref="CreateWithEmbeddedWeights"/> needs no file at run time.
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
[EmbeddedWeights("weights/fashion-mnist-cnn.safetensors")]
public partial class FashionCnn
{
    /// <summary>The Fashion-MNIST class names, by label.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
}
