using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// BatchNormalization on images, sequences and vectors, with and without Scale and Center, first, in the middle and
// last, for the finite-difference checks of both modes (moving statistics per sample, batch statistics per batch).

/// <summary>Conv2D, BatchNormalization, ReLU, Flatten, Dense softmax: the usual block.</summary>
[Model(5, 4, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(3, 2)]
[BatchNormalization]
[ReLU]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
[ExpectParameters(3 * 2 * 2 * 2 + 3 + 4 * 3 + 4 * 3 * 3 * 3 + 3)]
public partial class CheckBatchNormImage;

/// <summary>On vectors: no center after a Dense, then no scale as the last layer (mean squared error).</summary>
[Model(4, Loss = Loss.MeanSquaredError)]
[Dense(5)]
[BatchNormalization(Center = false, Momentum = 0.9)]
[Tanh]
[Dense(3)]
[BatchNormalization(Scale = false, Epsilon = 0.01)]
public partial class CheckBatchNormVector;

/// <summary>On a sequence, straight on the input; dropout (the identity in the batch step); neither scale nor center.</summary>
[Model(6, 3, Loss = Loss.CategoricalCrossEntropy)]
[BatchNormalization(Momentum = 0.5)]
[Flatten]
[Dropout(0.3)]
[Dense(4)]
[BatchNormalization(Center = false, Scale = false)]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckBatchNormSequence;

/// <summary>BatchNormalization alone, to check the inference formula value by value.</summary>
[Model(3, 2, 4, Loss = Loss.MeanSquaredError)]
[BatchNormalization(Epsilon = 0.01)]
public partial class BatchNormOnly;

/// <summary>A digits classifier with BatchNormalization, for the trainer's batch path (a short momentum: few batches).</summary>
[Model(8, 8, 1)]
[Conv2D(8, 3)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[MaxPool2D(2)]
[Flatten]
[Dense(10, Activation = Activation.Softmax)]
public partial class DigitsBatchNorm;

/// <summary>The model of Fixtures/bn_batch.safetensors (PyTorch float64, written by Fixtures/bn_batch.py).</summary>
[Model(6, 6, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(4, 3, Padding = Padding.Same)]
[BatchNormalization(Momentum = 0.9)]
[ReLU]
[Conv2D(3, 3, Stride = 2)]
[BatchNormalization(Epsilon = 0.01, Scale = false)]
[ReLU]
[Flatten]
[Dense(3, Activation = Activation.Softmax)]
[ExpectParameters(251)]
public partial class BnBatchFixture;
