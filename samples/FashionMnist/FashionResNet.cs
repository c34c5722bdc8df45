using Cnn;

namespace FashionMnist;

// One sample's training buffers (every layer's output is kept for the backward pass) exceed the 512 KiB stack budget:
// the generated code keeps them in per-thread arrays, as CNN0007 says; that is fine here, so the warning is off.
#pragma warning disable CNN0007

/// <summary>
/// A small ResNet for Fashion-MNIST (<c>--model resnet</c>): MLPerf Tiny's ResNet-8 (samples/TinyMLPerf) on 28x28x1 —
/// a stem convolution, three stages of two 3x3 convolutions with BatchNormalization joined to the stage's input by Add
/// (the second and third halve the image with a stride of 2 and project their input with a 1x1 convolution), global
/// average pooling, and the 10 classes. Its BatchNormalization layers keep moving statistics with momentum 0.9 (PyTorch's
/// default 0.1), not Keras's 0.99: with RMSprop at 0.001 the weights move faster than statistics with a memory of 100
/// steps follow, and the test accuracy (which uses them) then swung by several points from epoch to epoch and seed to
/// seed (README, "A small ResNet on Fashion-MNIST").
/// </summary>
[Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU(Name = "stem_out")]
// Stage 1: 28x28x16, the identity as the shortcut.
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[Conv2D(16, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9, Name = "stage1_bn2")]
[Add("stem_out", "stage1_bn2")]
[ReLU(Name = "stage1_out")]
// Stage 2: 14x14x32.
[Conv2D(32, 3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[Conv2D(32, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9, Name = "stage2_bn2")]
[Conv2D(32, 1, Stride = 2, Padding = Padding.Same, Input = "stage1_out", Name = "stage2_shortcut")]
[Add("stage2_shortcut", "stage2_bn2")]
[ReLU(Name = "stage2_out")]
// Stage 3: 7x7x64.
[Conv2D(64, 3, Stride = 2, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[Conv2D(64, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9, Name = "stage3_bn2")]
[Conv2D(64, 1, Stride = 2, Padding = Padding.Same, Input = "stage2_out", Name = "stage3_shortcut")]
[Add("stage3_shortcut", "stage3_bn2")]
[ReLU]
[ExpectShape(7, 7, 64)]
[GlobalAveragePooling2D]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(78_378)]
public partial class FashionResNet;
