using System.Numerics;

namespace Cnn;

/// <summary>
/// Loss functions on one sample, as Keras computes them: probabilities are clipped to
/// [1e-7, 1 - 1e-7] inside logarithms, and MSE and BCE are means over the outputs.
/// Each <c>...Gradient</c> method writes d(loss)/d(output) into <c>gradient</c>.
/// </summary>
public static class Losses
{
    /// <summary>Keras's <c>epsilon()</c>: the clip for probabilities inside logarithms.</summary>
    public const float Epsilon = 1e-7f;

    private static float Clip(float p) => Math.Clamp(p, Epsilon, 1f - Epsilon);

    /// <summary>The loss of <paramref name="output"/> against a class index or target vector, for any <see cref="Loss"/>.</summary>
    public static float Compute(Loss loss, ReadOnlySpan<float> output, int target, ReadOnlySpan<float> targets) => loss switch
    {
        Loss.SparseCategoricalCrossEntropy => SparseCategoricalCrossEntropy(output, target),
        Loss.CategoricalCrossEntropy => CategoricalCrossEntropy(output, targets),
        Loss.MeanSquaredError => MeanSquaredError(output, targets),
        Loss.BinaryCrossEntropy => BinaryCrossEntropy(output, targets),
        _ => throw new ArgumentOutOfRangeException(nameof(loss)),
    };

    /// <summary>-log p[target].</summary>
    public static float SparseCategoricalCrossEntropy(ReadOnlySpan<float> probabilities, int target)
    {
        Kernels.CheckIndex(target, probabilities.Length, nameof(target));
        return -MathF.Log(Clip(probabilities[target]));
    }

    /// <summary>-Σ t_i·log p_i.</summary>
    public static float CategoricalCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets)
    {
        Kernels.CheckLength(targets.Length, probabilities.Length, nameof(targets));
        float sum = 0f;
        for (int i = 0; i < probabilities.Length; i++)
            if (targets[i] != 0f) sum -= targets[i] * MathF.Log(Clip(probabilities[i]));
        return sum;
    }

    /// <summary>mean_i (o_i - t_i)².</summary>
    public static float MeanSquaredError(ReadOnlySpan<float> output, ReadOnlySpan<float> targets)
    {
        Kernels.CheckLength(targets.Length, output.Length, nameof(targets));
        // Four vector sums in flight: one serial float sum over a large output (an image) costs more than its layer.
        int lanes = Vector<float>.Count, i = 0;
        Vector<float> s0 = Vector<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (; i <= output.Length - 4 * lanes; i += 4 * lanes)
        {
            Vector<float> d0 = new Vector<float>(output.Slice(i)) - new Vector<float>(targets.Slice(i));
            Vector<float> d1 = new Vector<float>(output.Slice(i + lanes)) - new Vector<float>(targets.Slice(i + lanes));
            Vector<float> d2 = new Vector<float>(output.Slice(i + 2 * lanes)) - new Vector<float>(targets.Slice(i + 2 * lanes));
            Vector<float> d3 = new Vector<float>(output.Slice(i + 3 * lanes)) - new Vector<float>(targets.Slice(i + 3 * lanes));
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
        }
        float sum = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < output.Length; i++)
        {
            float d = output[i] - targets[i];
            sum += d * d;
        }
        return sum / output.Length;
    }

    /// <summary>mean_i -(t_i·log p_i + (1 - t_i)·log(1 - p_i)).</summary>
    public static float BinaryCrossEntropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets)
    {
        Kernels.CheckLength(targets.Length, probabilities.Length, nameof(targets));
        float sum = 0f;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float p = Clip(probabilities[i]);
            sum -= targets[i] * MathF.Log(p) + (1f - targets[i]) * MathF.Log(1f - p);
        }
        return sum / probabilities.Length;
    }

    /// <summary>d(-log p[target])/dp.</summary>
    public static void SparseCategoricalCrossEntropyGradient(ReadOnlySpan<float> probabilities, int target, Span<float> gradient)
    {
        gradient.Clear();
        gradient[target] = -1f / Clip(probabilities[target]);
    }

    /// <summary>d(-Σ t·log p)/dp = -t / p.</summary>
    public static void CategoricalCrossEntropyGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        for (int i = 0; i < gradient.Length; i++) gradient[i] = -targets[i] / Clip(probabilities[i]);
    }

    /// <summary>d(mean (o - t)²)/do = 2(o - t) / n.</summary>
    public static void MeanSquaredErrorGradient(ReadOnlySpan<float> output, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        float scale = 2f / output.Length;
        for (int i = 0; i < gradient.Length; i++) gradient[i] = scale * (output[i] - targets[i]);
    }

    /// <summary>d(BCE)/dp = (p - t) / (p(1 - p)) / n.</summary>
    public static void BinaryCrossEntropyGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        float n = probabilities.Length;
        for (int i = 0; i < gradient.Length; i++)
        {
            float p = Clip(probabilities[i]);
            gradient[i] = (p - targets[i]) / (p * (1f - p)) / n;
        }
    }

    /// <summary>
    /// Softmax followed by sparse cross-entropy, differentiated through both at once: the gradient with
    /// respect to the softmax's input is p - onehot(target).
    /// </summary>
    public static void SoftmaxSparseCrossEntropyGradient(ReadOnlySpan<float> probabilities, int target, Span<float> gradient)
    {
        probabilities.CopyTo(gradient);
        gradient[target] -= 1f;
    }

    /// <summary>Softmax followed by categorical cross-entropy: the gradient with respect to the softmax's input is p·Σt - t.</summary>
    public static void SoftmaxCrossEntropyGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        float total = 0f;
        foreach (float t in targets) total += t;
        for (int i = 0; i < gradient.Length; i++) gradient[i] = probabilities[i] * total - targets[i];
    }

    /// <summary>Sigmoid followed by binary cross-entropy: the gradient with respect to the sigmoid's input is (p - t) / n.</summary>
    public static void SigmoidBinaryCrossEntropyGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        float n = probabilities.Length;
        for (int i = 0; i < gradient.Length; i++) gradient[i] = (probabilities[i] - targets[i]) / n;
    }
}
