using Cnn;

namespace FashionMnist;

/// <summary>The Keras MNIST CNN of the course (TensorFlow's "Convolutional Neural Network" tutorial).</summary>
[Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]   // input height, width, channels
[Conv2D(32, 3, Activation = Activation.ReLU)]                     // filters, kernel size
[MaxPool2D(2)]                                                    // pool size; stride defaults to it
[Conv2D(64, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[ExpectShape(3, 3, 64)]                                           // build-time assertion at this point
[Flatten]
[Dense(64, Activation = Activation.ReLU)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(93_322)]                                        // build-time assertion on the total
public partial class MnistCnn;
