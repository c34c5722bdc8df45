using Cnn;

namespace Cnn.Generator.IntegrationTests.Models;

// The models of Fixtures/make_layer_fixtures.py, whose PyTorch outputs and input gradients are in Fixtures/<name>.safetensors.

/// <summary>Fixtures/fixture_image_max: default ZeroPadding2D, ReLU6 reaching its cap, four-sided padding before a convolution (which sees where the zeros are), ReLU with a slope and a cap, LeakyReLU's default, global max pooling.</summary>
[Model(6, 5, 3, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D]
[Conv2D(10, 3, Activation = Activation.ReLU6)]
[ZeroPadding2D(1, 0, 2, 1)]
[ExpectShape(7, 8, 10)]
[Conv2D(12, 2)]
[ReLU(MaxValue = 6.5, NegativeSlope = 0.25)]
[LeakyReLU]
[GlobalMaxPooling2D]
[Dense(4, Activation = Activation.ReLU6)]
[ExpectShape(4)]
public partial class FixtureImageMax;

/// <summary>Fixtures/fixture_image_average: symmetric (height, width) padding, LeakyReLU(0.1), global average pooling.</summary>
[Model(5, 5, 2, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(1, 2)]
[ExpectShape(7, 9, 2)]
[Conv2D(9, 2)]
[LeakyReLU(0.1)]
[GlobalAveragePooling2D]
[Dense(3)]
public partial class FixtureImageAverage;

/// <summary>Fixtures/fixture_sequence_average: Same 1D max and average pooling (windows leaving the sequence), ReLU with a slope, valid max pooling, global average pooling.</summary>
[Model(11, 6, Loss = Loss.MeanSquaredError)]
[MaxPool1D(3, Stride = 2, Padding = Padding.Same)]
[AvgPool1D(2, Stride = 1, Padding = Padding.Same)]
[ReLU(NegativeSlope = 0.1)]
[AvgPool1D(4, Stride = 3, Padding = Padding.Same)]
[ExpectShape(2, 6)]
[MaxPool1D(2)]
[GlobalAveragePooling1D]
[Dense(3)]
public partial class FixtureSequenceAverage;

/// <summary>Fixtures/fixture_sequence_max: overlapping valid average pooling, global max pooling over the steps.</summary>
[Model(10, 4, Loss = Loss.MeanSquaredError)]
[AvgPool1D(3, Stride = 1)]
[ExpectShape(8, 4)]
[GlobalMaxPooling1D]
[Dense(2)]
public partial class FixtureSequenceMax;

/// <summary>Fixtures/fixture_image_flatten: four different paddings read by Flatten, so that their order shows.</summary>
[Model(4, 3, 2, Loss = Loss.MeanSquaredError)]
[ZeroPadding2D(0, 3, 4, 1)]
[Flatten]
[Dense(3)]
public partial class FixtureImageFlatten;
