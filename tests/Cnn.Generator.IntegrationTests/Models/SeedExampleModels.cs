using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

/// <summary>Hung-yi Lee's 6x6 image and two 3x3 filters, stride 1, then 2x2 max pooling.</summary>
[Model(6, 6, 1, Loss = Loss.MeanSquaredError)]
[Conv2D(2, 3, UseBias = false)]
[ExpectShape(4, 4, 2)]
[MaxPool2D(2)]
[ExpectShape(2, 2, 2)]
public partial class HungYiLeeStride1;

/// <summary>The same filters with stride 2.</summary>
[Model(6, 6, 1, Loss = Loss.MeanSquaredError)]
[Conv2D(2, 3, Stride = 2, UseBias = false)]
[ExpectShape(2, 2, 2)]
public partial class HungYiLeeStride2;

/// <summary>Brandon Rohrer's 9x9 X with the diagonal, X and anti-diagonal filters (÷9), ReLU, and 2x2 pooling with ceiling.</summary>
[Model(9, 9, 1, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 3, UseBias = false, Activation = Activation.ReLU)]
[ExpectShape(7, 7, 3)]
[MaxPool2D(2, Padding = Padding.Same)]
[ExpectShape(4, 4, 3)]
public partial class RohrerX;
