namespace Cnn.Onnx.Conformance;

/// <summary>
/// Moves one sample between an ONNX layout (NCHW and the like, batch first) and the model's channels_last layout, as the
/// importer describes it: <c>axes[i]</c> is the ONNX axis that the model's axis <c>i</c> comes from (NCHW → <c>[2, 3, 1]</c>,
/// that is H, W, C). ONNX axes that no model axis comes from must have size 1.
/// </summary>
internal static class Layout
{
    /// <summary>
    /// Why <paramref name="axes"/> cannot describe a model input or output of <paramref name="modelShape"/> taken from an
    /// ONNX tensor of <paramref name="onnxShape"/> (batch first), or null when it can.
    /// </summary>
    public static string? Problem(int[] onnxShape, int[] axes, ReadOnlySpan<int> modelShape)
    {
        if (onnxShape.Length < 1) return "the ONNX shape has no batch axis";
        if (axes.Length != modelShape.Length) return $"{axes.Length} axes for a model shape of rank {modelShape.Length}";
        for (int i = 0; i < axes.Length; i++)
        {
            if (axes[i] < 1 || axes[i] >= onnxShape.Length) return $"axis {axes[i]} is not a non-batch axis of [{Dims(onnxShape)}]";
            if (Array.IndexOf(axes, axes[i]) != i) return $"axis {axes[i]} is listed twice";
            if (onnxShape[axes[i]] != modelShape[i])
                return $"model axis {i} has size {modelShape[i]}, ONNX axis {axes[i]} of [{Dims(onnxShape)}] has {onnxShape[axes[i]]}";
        }
        for (int a = 1; a < onnxShape.Length; a++)
            if (Array.IndexOf(axes, a) < 0 && onnxShape[a] != 1) return $"ONNX axis {a} (size {onnxShape[a]}) is in no model axis";
        return null;
    }

    /// <summary>The size of one sample: the product of <paramref name="onnxShape"/> without its batch axis.</summary>
    public static int SampleSize(int[] onnxShape)
    {
        int n = 1;
        for (int a = 1; a < onnxShape.Length; a++) n *= onnxShape[a];
        return n;
    }

    /// <summary>One sample in ONNX order (row-major over <paramref name="onnxShape"/> without the batch) rearranged into model order.</summary>
    public static void ToModel(ReadOnlySpan<float> onnx, int[] onnxShape, int[] axes, Span<float> model)
    {
        int[] offsets = Offsets(onnxShape, axes);
        for (int j = 0; j < offsets.Length; j++) model[j] = onnx[offsets[j]];
    }

    /// <summary>One sample in model order rearranged into ONNX order: the inverse of <see cref="ToModel"/>.</summary>
    public static void ToOnnx(ReadOnlySpan<float> model, int[] onnxShape, int[] axes, Span<float> onnx)
    {
        int[] offsets = Offsets(onnxShape, axes);
        for (int j = 0; j < offsets.Length; j++) onnx[offsets[j]] = model[j];
    }

    /// <summary>For each model index in row-major order, the index of the same value in the ONNX sample.</summary>
    private static int[] Offsets(int[] onnxShape, int[] axes)
    {
        // Row-major strides of the ONNX sample (axis 0, the batch, excluded).
        var stride = new int[onnxShape.Length];
        int s = 1;
        for (int a = onnxShape.Length - 1; a >= 1; a--)
        {
            stride[a] = s;
            s *= onnxShape[a];
        }
        var offsets = new int[s];
        var index = new int[axes.Length];
        for (int j = 0; j < offsets.Length; j++)
        {
            int offset = 0;
            for (int i = 0; i < axes.Length; i++) offset += index[i] * stride[axes[i]];
            offsets[j] = offset;
            // Next model index, the last axis fastest.
            for (int i = axes.Length - 1; i >= 0; i--)
            {
                if (++index[i] < onnxShape[axes[i]]) break;
                index[i] = 0;
            }
        }
        return offsets;
    }

    private static string Dims(int[] shape) => string.Join(", ", shape);
}

/// <summary>
/// The comparison of issue #14: each value within 1e-4 of the reference, absolute plus relative,
/// <c>|actual − expected| ≤ 1e-4 + 1e-4·|expected|</c> (numpy's <c>allclose</c> with <c>rtol = atol = 1e-4</c>). NaN matches
/// only NaN, an infinity only the same infinity.
/// </summary>
internal static class Tolerance
{
    /// <summary>The absolute part.</summary>
    public const double Absolute = 1e-4;

    /// <summary>The relative part.</summary>
    public const double Relative = 1e-4;

    /// <summary>The first value outside the tolerance (null when all match), and the largest absolute difference.</summary>
    public static (int? FirstMismatch, double MaxError) Compare(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length) throw new ArgumentException($"{actual.Length} values against {expected.Length}");
        int? first = null;
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool ok;
            if (double.IsNaN(e) || double.IsNaN(a)) ok = double.IsNaN(e) && double.IsNaN(a);
            else if (double.IsInfinity(e) || double.IsInfinity(a)) ok = e == a;
            else
            {
                double error = Math.Abs(a - e);
                max = Math.Max(max, error);
                ok = error <= Absolute + Relative * Math.Abs(e);
            }
            if (!ok) first ??= i;
        }
        return (first, max);
    }
}
