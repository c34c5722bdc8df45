using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

/// <summary>The Digits sample's network (with dropout), trained in the tests.</summary>
[Model(8, 8, 1)]
[Conv2D(16, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[Flatten]
[Dropout(0.2)]
[Dense(10, Activation = Activation.Softmax)]
public partial class DigitsNet;

/// <summary>
/// Tiny VGG (CNN Explainer's model) on 64x64 RGB: one sample's buffers exceed the default 512 KiB stack
/// budget, so the generated code keeps them in per-thread arrays (CNN0007 says so).
/// </summary>
#pragma warning disable CNN0007 // over the stack budget on purpose: this model tests the per-thread buffers
[Model(64, 64, 3)]
[Conv2D(10, 3, Activation = Activation.ReLU)]
[Conv2D(10, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(10, 3, Activation = Activation.ReLU)]
[Conv2D(10, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
public partial class TinyVgg;
#pragma warning restore CNN0007
