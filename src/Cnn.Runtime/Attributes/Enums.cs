// This file is also compiled into the generator (linked), so the generator and the runtime agree on
// the numeric values of every enum member. Keep it free of anything netstandard2.0 lacks. In the
// generator (CNN_GENERATOR) the enums are internal, so that no second public Cnn.Activation exists.
namespace Cnn;

/// <summary>The activation function applied after a layer (Keras <c>activation=</c>).</summary>
#if CNN_GENERATOR
internal
#else
public
#endif
enum Activation
{
    /// <summary>No activation: the layer is linear.</summary>
    None = 0,
    /// <summary>max(0, x).</summary>
    ReLU = 1,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid = 2,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 3,
    /// <summary>e^x_i / Σ e^x_j over the layer's outputs (a vector).</summary>
    Softmax = 4,
    /// <summary>min(max(x, 0), 6) (MobileNet's capped ReLU). Its derivative is 1 strictly between 0 and 6, else 0.</summary>
    ReLU6 = 5,
}

/// <summary>How a convolution or pooling window treats the borders (Keras <c>padding=</c>).</summary>
#if CNN_GENERATOR
internal
#else
public
#endif
enum Padding
{
    /// <summary>No padding: output = floor((in - k) / s) + 1.</summary>
    Valid = 0,
    /// <summary>Zero padding as TensorFlow does it: output = ceil(in / s), the smaller half of the padding before.</summary>
    Same = 1,
    /// <summary>
    /// Conv1D only (Keras <c>padding="causal"</c>): (k - 1)·dilation zeros before the sequence and none after, so
    /// output step t sees input steps up to t and never the future; output = ceil(steps / s).
    /// </summary>
    Causal = 2,
}

/// <summary>The loss a model is trained with (Keras <c>loss=</c>).</summary>
#if CNN_GENERATOR
internal
#else
public
#endif
enum Loss
{
    /// <summary>Cross-entropy against a class index; expects Softmax probabilities.</summary>
    SparseCategoricalCrossEntropy = 0,
    /// <summary>Cross-entropy against a one-hot (or soft) target vector; expects Softmax probabilities.</summary>
    CategoricalCrossEntropy = 1,
    /// <summary>Mean over the outputs of (output - target)².</summary>
    MeanSquaredError = 2,
    /// <summary>Mean over the outputs of -(t·log p + (1 - t)·log(1 - p)); expects Sigmoid probabilities.</summary>
    BinaryCrossEntropy = 3,
}
