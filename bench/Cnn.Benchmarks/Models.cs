using Cnn;

namespace Cnn.Benchmarks;

/// <summary>The seed model (SPEC §1): the Keras MNIST CNN whose weights are in data/keras_mnist.safetensors and data/keras_mnist.onnx.</summary>
[Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[ExpectShape(3, 3, 64)]
[Flatten]
[Dense(64, Activation = Activation.ReLU)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(93_322)]
public partial class MnistCnn;

// Single-layer models with the seed model's layer shapes, timed one by one for GFLOP/s per layer type.
// Their loss is irrelevant (only Forward is timed); MeanSquaredError keeps the generator from asking for a softmax.

/// <summary>The seed model's first convolution: 28×28×1 → 26×26×32.</summary>
[Model(28, 28, 1, Loss = Loss.MeanSquaredError)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
public partial class Conv1Layer;

/// <summary>The seed model's second convolution (80 % of its work): 13×13×32 → 11×11×64.</summary>
[Model(13, 13, 32, Loss = Loss.MeanSquaredError)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
public partial class Conv2Layer;

/// <summary>The seed model's third convolution: 5×5×64 → 3×3×64.</summary>
[Model(5, 5, 64, Loss = Loss.MeanSquaredError)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
public partial class Conv3Layer;

/// <summary>The seed model's first max pooling: 26×26×32 → 13×13×32.</summary>
[Model(26, 26, 32, Loss = Loss.MeanSquaredError)]
[MaxPool2D(2)]
public partial class Pool1Layer;

/// <summary>The seed model's second max pooling: 11×11×64 → 5×5×64.</summary>
[Model(11, 11, 64, Loss = Loss.MeanSquaredError)]
[MaxPool2D(2)]
public partial class Pool2Layer;

/// <summary>The seed model's first dense layer: 576 → 64.</summary>
[Model(576, Loss = Loss.MeanSquaredError)]
[Dense(64, Activation = Activation.ReLU)]
public partial class Dense1Layer;

/// <summary>The seed model's last dense layer with its softmax: 64 → 10.</summary>
[Model(64, Loss = Loss.SparseCategoricalCrossEntropy)]
[Dense(10, Activation = Activation.Softmax)]
public partial class Dense2Layer;
