using Cnn;

namespace Digits;

/// <summary>A small CNN for the UCI 8x8 handwritten digits.</summary>
[Model(8, 8, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(16, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[ExpectShape(2, 2, 32)]
[Flatten]
[Dropout(0.2)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(6_090)]
public partial class DigitsCnn;
