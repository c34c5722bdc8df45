using System.Numerics;
using System.Numerics.Tensors;

namespace Cnn;

/// <summary>Updates parameters from the batch-mean gradient. Implementations keep their state per parameter.</summary>
public interface IOptimizer
{
    /// <summary>The step size.</summary>
    float LearningRate { get; set; }

    /// <summary>Applies one update to <paramref name="parameters"/> from the mean gradient <paramref name="gradients"/>.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Forgets the state (velocities, moments, step count).</summary>
    void Reset();

    /// <summary>
    /// Applies one update to the trainable entries of <paramref name="parameters"/> only: the entries of every tensor of
    /// <paramref name="tensors"/> that is not trainable (BatchNormalization's moving statistics) keep their values, whatever
    /// their gradient. The trainer steps through this overload.
    /// </summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients, IReadOnlyList<ParameterTensorInfo> tensors)
    {
        int frozen = 0;
        foreach (ParameterTensorInfo tensor in tensors)
            if (!tensor.Trainable) frozen += tensor.Length;
        if (frozen == 0)
        {
            Step(parameters, gradients);
            return;
        }
        float[] kept = System.Buffers.ArrayPool<float>.Shared.Rent(frozen);
        int at = 0;
        foreach (ParameterTensorInfo tensor in tensors)
            if (!tensor.Trainable)
            {
                parameters.Slice(tensor.Offset, tensor.Length).CopyTo(kept.AsSpan(at));
                at += tensor.Length;
            }
        Step(parameters, gradients);
        at = 0;
        foreach (ParameterTensorInfo tensor in tensors)
            if (!tensor.Trainable)
            {
                kept.AsSpan(at, tensor.Length).CopyTo(parameters.Slice(tensor.Offset, tensor.Length));
                at += tensor.Length;
            }
        System.Buffers.ArrayPool<float>.Shared.Return(kept);
    }
}

/// <summary>
/// Stochastic gradient descent with optional momentum and Nesterov momentum, as Keras's <c>SGD</c>:
/// v = momentum·v - lr·g; p += v (Nesterov: p += momentum·v - lr·g).
/// </summary>
public sealed class Sgd(float learningRate = 0.01f, float momentum = 0f, bool nesterov = false) : IOptimizer
{
    private float[]? _velocity;

    /// <inheritdoc/>
    public float LearningRate { get; set; } = learningRate;

    /// <summary>The momentum factor in [0, 1).</summary>
    public float Momentum { get; } = momentum is >= 0f and < 1f ? momentum : throw new ArgumentOutOfRangeException(nameof(momentum));

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; } = nesterov;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Kernels.CheckLength(gradients.Length, parameters.Length, nameof(gradients));
        if (Momentum == 0f)
        {
            TensorPrimitives.MultiplyAdd(gradients, -LearningRate, parameters, parameters);
            return;
        }
        _velocity ??= new float[parameters.Length];
        Span<float> v = _velocity;
        int i = 0;
        // Vectors, then the rest one by one: the same operations in the same order, so the same results.
        Vector<float> momentumV = new(Momentum), rate = new(LearningRate);
        for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> g = new(gradients.Slice(i));
            Vector<float> velocity = momentumV * new Vector<float>(v.Slice(i)) - rate * g;
            velocity.CopyTo(v.Slice(i));
            (new Vector<float>(parameters.Slice(i)) + (Nesterov ? momentumV * velocity - rate * g : velocity)).CopyTo(parameters.Slice(i));
        }
        for (; i < parameters.Length; i++)
        {
            v[i] = Momentum * v[i] - LearningRate * gradients[i];
            parameters[i] += Nesterov ? Momentum * v[i] - LearningRate * gradients[i] : v[i];
        }
    }

    /// <inheritdoc/>
    public void Reset() => _velocity = null;
}

/// <summary>
/// RMSprop as Keras's defaults (Hinton, Lecture 6e): ms = ρ·ms + (1 - ρ)·g²; p -= lr·g / (√ms + ε),
/// with lr = 0.001, ρ = 0.9, ε = 1e-7.
/// </summary>
public sealed class RmsProp(float learningRate = 0.001f, float rho = 0.9f, float epsilon = 1e-7f) : IOptimizer
{
    private float[]? _meanSquare;

    /// <inheritdoc/>
    public float LearningRate { get; set; } = learningRate;

    /// <summary>The decay of the running mean of squared gradients.</summary>
    public float Rho { get; } = rho;

    /// <summary>Added to the root mean square for stability.</summary>
    public float Epsilon { get; } = epsilon;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Kernels.CheckLength(gradients.Length, parameters.Length, nameof(gradients));
        _meanSquare ??= new float[parameters.Length];
        Span<float> ms = _meanSquare;
        int i = 0;
        Vector<float> rho = new(Rho), rest = new(1f - Rho), rate = new(LearningRate), epsilonV = new(Epsilon);
        for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> g = new(gradients.Slice(i));
            Vector<float> meanSquare = rho * new Vector<float>(ms.Slice(i)) + rest * g * g;
            meanSquare.CopyTo(ms.Slice(i));
            (new Vector<float>(parameters.Slice(i)) - rate * g / (Vector.SquareRoot(meanSquare) + epsilonV)).CopyTo(parameters.Slice(i));
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            ms[i] = Rho * ms[i] + (1f - Rho) * g * g;
            parameters[i] -= LearningRate * g / (MathF.Sqrt(ms[i]) + Epsilon);
        }
    }

    /// <inheritdoc/>
    public void Reset() => _meanSquare = null;
}

/// <summary>
/// Adam as Keras's defaults (Kingma and Ba, 2015): m = β1·m + (1 - β1)·g; v = β2·v + (1 - β2)·g²;
/// p -= lr·m̂ / (√v̂ + ε) with the bias corrections m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t).
/// </summary>
public sealed class Adam(float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f) : IOptimizer
{
    private float[]? _m, _v;
    private int _t;

    /// <inheritdoc/>
    public float LearningRate { get; set; } = learningRate;

    /// <summary>The decay of the first moment.</summary>
    public float Beta1 { get; } = beta1;

    /// <summary>The decay of the second moment.</summary>
    public float Beta2 { get; } = beta2;

    /// <summary>Added to the root of the second moment for stability.</summary>
    public float Epsilon { get; } = epsilon;

    /// <inheritdoc/>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        Kernels.CheckLength(gradients.Length, parameters.Length, nameof(gradients));
        _m ??= new float[parameters.Length];
        _v ??= new float[parameters.Length];
        _t++;
        float correction1 = 1f - MathF.Pow(Beta1, _t), correction2 = 1f - MathF.Pow(Beta2, _t);
        Span<float> m = _m, v = _v;
        int i = 0;
        Vector<float> beta1 = new(Beta1), rest1 = new(1f - Beta1), beta2 = new(Beta2), rest2 = new(1f - Beta2);
        Vector<float> rate = new(LearningRate), epsilonV = new(Epsilon), c1 = new(correction1), c2 = new(correction2);
        for (; i <= parameters.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            Vector<float> g = new(gradients.Slice(i));
            Vector<float> first = beta1 * new Vector<float>(m.Slice(i)) + rest1 * g;
            Vector<float> second = beta2 * new Vector<float>(v.Slice(i)) + rest2 * g * g;
            first.CopyTo(m.Slice(i));
            second.CopyTo(v.Slice(i));
            (new Vector<float>(parameters.Slice(i)) - rate * (first / c1) / (Vector.SquareRoot(second / c2) + epsilonV)).CopyTo(parameters.Slice(i));
        }
        for (; i < parameters.Length; i++)
        {
            float g = gradients[i];
            m[i] = Beta1 * m[i] + (1f - Beta1) * g;
            v[i] = Beta2 * v[i] + (1f - Beta2) * g * g;
            parameters[i] -= LearningRate * (m[i] / correction1) / (MathF.Sqrt(v[i] / correction2) + Epsilon);
        }
    }

    /// <inheritdoc/>
    public void Reset()
    {
        _m = _v = null;
        _t = 0;
    }
}
