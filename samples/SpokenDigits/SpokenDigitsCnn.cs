using Cnn;

namespace SpokenDigits;

/// <summary>
/// A 1-D CNN for spoken digits: it slides along time over the log-mel spectrogram, the 40 mel bands being the
/// channels of each of the 80 steps (frames). Three convolutions with batch normalisation, then the average over
/// time, then one Dense layer for the ten words.
/// </summary>
[Model(80, 40, Loss = Loss.SparseCategoricalCrossEntropy)]           // steps (frames), channels (mel bands)
[Conv1D(32, 5, Padding = Padding.Same, UseBias = false)]              // filters, kernel (frames); BatchNormalization's beta is the bias
[BatchNormalization]
[ReLU]
[MaxPool1D(2)]
[Conv1D(64, 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[ReLU]
[MaxPool1D(2)]
[Conv1D(64, 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[ReLU]
[ExpectShape(20, 64)]
[GlobalAveragePooling1D]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(26_122)]                                            // Keras count_params(), the 320 moving statistics included
public partial class SpokenDigitsCnn;
