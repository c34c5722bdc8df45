namespace Cnn.Generator.IntegrationTests.Models;

// Models for the ONNX export's flattened images (OnnxExportTests; every model class of this assembly is exported): ONNX
// flattens NCHW, so a flattened image is in CHW order there, which each layer after it must respect.

/// <summary>A flattened image through BatchNormalization (its tensors follow the CHW order), Dropout and LeakyReLU into a Dense.</summary>
[Model(4, 3, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 2, Padding = Padding.Same)]
[Flatten]
[BatchNormalization]
[Dropout(0.3)]
[LeakyReLU(0.1)]
[Dense(5)]
public partial class OnnxFlattenedBatchNorm;

/// <summary>
/// Flattened images meeting other vectors: an Add with a Dense's output (the model's order), an Add of two flattens (the
/// same CHW order), and a Concatenate of all of them with a global pool, into a Dense.
/// </summary>
[Model(3, 2, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(2, 1, Name = "features")]
[Flatten(Name = "flat")]
[Dense(12, Name = "projected")]
[Add("flat", "projected", Name = "mixed")]
[Flatten(Input = "features", Name = "flat2")]
[Add("flat", "flat2", Name = "same")]
[GlobalAveragePooling2D(Input = "features", Name = "pooled")]
[Concatenate("flat2", "pooled", "mixed", "same")]
[Dense(3)]
public partial class OnnxFlattenedMerges;

/// <summary>A model whose output is a flattened image, through a Tanh: the output comes back in the model's order.</summary>
[Model(3, 3, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 2)]
[Flatten]
[Tanh]
public partial class OnnxFlattenedOutput;

/// <summary>A model whose output is the Flatten of an image itself.</summary>
[Model(3, 3, 2, Loss = Loss.MeanSquaredError)]
[Conv2D(3, 2)]
[Flatten]
public partial class OnnxFlattenOutput;
