using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// The four models of ../shared/golden/*.safetensors, attribute lists copied from each file's metadata.

/// <summary>golden/keras_mnist: the Keras MNIST CNN of the course.</summary>
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
[ExpectParameters(93322)]
public partial class KerasMnist;

/// <summary>golden/tiny_conv.</summary>
[Model(8, 8, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(4, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(10, Activation = Activation.Softmax)]
public partial class TinyConv;

/// <summary>golden/strided_same: stride 2, Same padding, average pooling, a non-square kernel, standalone Softmax.</summary>
[Model(9, 9, 3, Loss = Loss.CategoricalCrossEntropy)]
[Conv2D(6, 3, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh)]
[AvgPool2D(2, Padding = Padding.Same)]
[Conv2D(5, 2, 3, Activation = Activation.Sigmoid)]
[Flatten]
[Dense(4)]
[Softmax]
public partial class StridedSame;

/// <summary>golden/iris_mlp: a rank-1 input, sigmoid outputs and mean squared error.</summary>
[Model(4, Loss = Loss.MeanSquaredError)]
[Dense(8, Activation = Activation.Sigmoid)]
[Dense(3, Activation = Activation.Sigmoid)]
public partial class IrisMlp;

/// <summary>golden/residual (SPEC §7 graphs): a projected skip connection joined by Add, and a side branch joined by Concatenate.</summary>
[Model(10, 10, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(6, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[Conv2D(8, 3, Stride = 2, Padding = Padding.Same)]
[ReLU]
[Conv2D(8, 3, Padding = Padding.Same, Name = "main")]
[Conv2D(8, 1, Stride = 2, Input = "conv2d", Name = "shortcut")]
[Add("main", "shortcut")]
[ReLU(Name = "block_out")]
[Conv2D(4, 1, Input = "re_lu", Name = "side")]
[Concatenate("block_out", "side")]
[MaxPool2D(2, Padding = Padding.Same)]
[Flatten]
[Dense(5, Activation = Activation.Softmax)]
[ExpectParameters(1775)]
public partial class Residual;

/// <summary>golden/bn_cnn (SPEC §7 batch format): BatchNormalization in training mode over a batch of 4, global average pooling.</summary>
[Model(12, 12, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(6, 3, Padding = Padding.Same)]
[BatchNormalization]
[ReLU]
[MaxPool2D(2)]
[Conv2D(8, 3)]
[BatchNormalization]
[ReLU]
[GlobalAveragePooling2D]
[Dense(5, Activation = Activation.Softmax)]
[ExpectParameters(655)]
public partial class BnCnn;

/// <summary>golden/depthwise_separable: ReLU6, depthwise with a depth multiplier and stride, separable, zero padding, dilation, global max pooling.</summary>
[Model(16, 16, 3, Loss = Loss.CategoricalCrossEntropy)]
[Conv2D(4, 3, Padding = Padding.Same, Activation = Activation.ReLU6)]
[DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same)]
[ReLU(MaxValue = 6)]
[SeparableConv2D(12, 3, Padding = Padding.Same, Activation = Activation.ReLU6)]
[ZeroPadding2D(2)]
[Conv2D(10, 3, DilationRate = 2, Activation = Activation.ReLU)]
[GlobalMaxPooling2D]
[Dense(6, Activation = Activation.Softmax)]
[ExpectParameters(1528)]
public partial class DepthwiseSeparable;

/// <summary>golden/conv1d: a sequence model with Same and causal dilated Conv1D, 1-D pooling, LeakyReLU and global average pooling.</summary>
[Model(32, 3, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv1D(8, 4, Padding = Padding.Same, Activation = Activation.ReLU)]
[MaxPool1D(2)]
[Conv1D(8, 3, Padding = Padding.Causal, DilationRate = 2)]
[LeakyReLU(0.2)]
[AvgPool1D(3, Stride = 2, Padding = Padding.Same)]
[GlobalAveragePooling1D]
[Dense(4, Activation = Activation.Softmax)]
[ExpectParameters(340)]
public partial class Conv1dGolden;
