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

/// <summary>
/// A small vector model whose weight file lists its tensors in the model's own order (SPEC §2): its
/// CreateWithEmbeddedWeights() reads them in place. The files of Models/weights hold the same values, entry k of the
/// parameters being k·0.125 - 1; the other lists each layer's bias before its kernel.
/// </summary>
[Model(4, Loss = Loss.MeanSquaredError)]
[Dense(3, Activation = Activation.Tanh)]
[Dense(2)]
[EmbeddedWeights("Models/weights/tiny-in-order.safetensors")]
public partial class TinyInOrder;

/// <summary>The same model with the bias-first file: its tensors are not where the parameters have them, so they are copied.</summary>
[Model(4, Loss = Loss.MeanSquaredError)]
[Dense(3, Activation = Activation.Tanh)]
[Dense(2)]
[EmbeddedWeights("Models/weights/tiny-out-of-order.safetensors")]
public partial class TinyOutOfOrder;
