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

/// <summary>
/// A graph with BatchNormalization everywhere the batch step of a graph can trip: on the model's input (which two
/// layers take), after a convolution whose output two layers take, in a residual branch, after an Add of three
/// values, directly after another BatchNormalization (no per-sample layer between them), and last-but-one.
/// </summary>
[Model(5, 5, 2, Loss = Loss.SparseCategoricalCrossEntropy)]
[BatchNormalization(Name = "bn_in")]
[Conv2D(3, 3, Padding = Padding.Same, Name = "c1")]
[BatchNormalization(Name = "bn1")]
[ReLU(Name = "r1")]
[Conv2D(3, 3, Padding = Padding.Same, Name = "c2")]
[BatchNormalization(Name = "bn2", Scale = false)]
[Conv2D(3, 1, Input = "bn_in", Name = "shortcut")]
[Add("bn2", "shortcut", "r1", Name = "sum")]
[BatchNormalization(Name = "bn3")]
[BatchNormalization(Name = "bn4", Center = false)]
[GlobalAveragePooling2D]
[Dense(4, Name = "d1")]
[BatchNormalization(Name = "bn5")]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckBatchNormGraph;

/// <summary>A sequence graph: two branches concatenated, BatchNormalization of the concatenation, dropout, and a branch BatchNormalization taken again further down.</summary>
[Model(6, 3, Loss = Loss.CategoricalCrossEntropy)]
[Conv1D(4, 3, Padding = Padding.Same, Name = "a")]
[Conv1D(2, 1, Input = "input", Name = "b")]
[BatchNormalization(Name = "bn_b")]
[Concatenate("a", "bn_b", Name = "cat")]
[BatchNormalization(Name = "bn")]
[Dropout(0.3)]
[Conv1D(2, 2, Name = "c")]
[Conv1D(2, 2, Input = "bn_b", Name = "d")]
[Add("c", "d")]
[GlobalAveragePooling1D]
[Dense(3, Activation = Activation.Softmax)]
public partial class CheckBatchNormConcatenate;
