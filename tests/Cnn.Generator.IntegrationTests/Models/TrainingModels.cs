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
