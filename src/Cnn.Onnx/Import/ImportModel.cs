namespace Cnn.Onnx.Import;

/// <summary>How the model stores an ONNX tensor (batch dropped): the channels_last form of an NCHW/NCL/NC tensor.</summary>
internal enum Layout
{
    /// <summary>ONNX <c>[N, C, H, W]</c>, stored <c>[H, W, C]</c>.</summary>
    Image,
    /// <summary>ONNX <c>[N, C, L]</c>, stored <c>[L, C]</c>.</summary>
    Sequence,
    /// <summary>ONNX <c>[N, F]</c>, or <c>[N, C, 1, 1]</c> / <c>[N, C, 1]</c> after global pooling, stored <c>[F]</c>.</summary>
    Vector,
}

/// <summary>An ONNX tensor computed by the model: which layer makes it (-1: the model's input), its ONNX shape and how it is stored.</summary>
/// <param name="Producer">The index of the layer whose output it is; -1 for the model's input.</param>
/// <param name="Shape">The ONNX shape, batch first (the batch as in the file, 1 when dynamic).</param>
/// <param name="Layout">How the model stores it.</param>
internal sealed record Value(int Producer, long[] Shape, Layout Layout)
{
    /// <summary>
    /// For a vector that is the channels_last flatten of an ONNX image <c>[C, H, W]</c> (a sequence: <c>[C, L, 1]</c>) whose
    /// ONNX flatten orders the values differently: those dimensions. Null when the two orders agree.
    /// </summary>
    public int[]? FlattenedFrom { get; init; }

    /// <summary>Whether every value is known to be ≥ 0 (after ReLU, Sigmoid, ...): zero padding then never changes a maximum.</summary>
    public bool NonNegative { get; init; }

    /// <summary>The ONNX channel count (axis 1).</summary>
    public int Channels => (int)Shape[1];

    /// <summary>The dimensions as the model stores them: <c>[H, W, C]</c>, <c>[L, C]</c> or <c>[F]</c>.</summary>
    public int[] ModelDims => Layout switch
    {
        Layout.Image => [(int)Shape[2], (int)Shape[3], (int)Shape[1]],
        Layout.Sequence => [(int)Shape[2], (int)Shape[1]],
        _ => [(int)Shape.Skip(1).Aggregate(1L, (a, d) => a * d)],
    };

    /// <summary>For each stored axis, the ONNX axis it comes from.</summary>
    public int[] Axes => Layout switch
    {
        Layout.Image => [2, 3, 1],
        Layout.Sequence => [2, 1],
        _ => [1],
    };

    /// <summary>For each index of the stored vector, the index of the same value in the ONNX tensor's flat order.</summary>
    public int[] VectorOrder()
    {
        int size = ModelDims[0];
        var order = new int[size];
        if (FlattenedFrom is not [int c, int h, int w])
        {
            for (int i = 0; i < size; i++) order[i] = i;
            return order;
        }
        // Stored: (y, x, ch) row-major; ONNX: (ch, y, x) row-major.
        for (int y = 0, j = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int ch = 0; ch < c; ch++, j++)
                    order[j] = (ch * h + y) * w + x;
        return order;
    }
}

/// <summary>A constant tensor: an initializer, a <c>Constant</c> node, or a folded shape computation.</summary>
/// <param name="Dims">The shape.</param>
/// <param name="Floats">The values, when floating point.</param>
/// <param name="Integers">The values, when integer (<see cref="GraphImporter.Batch"/> stands for the batch size).</param>
internal sealed record Constant(long[] Dims, float[]? Floats, long[]? Integers)
{
    /// <summary>The number of values.</summary>
    public long Count => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>The values as doubles (floats or integers).</summary>
    public double[] Numbers => Floats is { } f ? f.Select(v => (double)v).ToArray() : Integers!.Select(v => (double)v).ToArray();
}

/// <summary>One layer attribute of the model being written.</summary>
internal sealed class LayerDraft
{
    /// <summary>The attribute's name without <c>Attribute</c>: <c>Conv2D</c>.</summary>
    public required string Kind { get; init; }
    /// <summary>Keras's default base name of the kind (<c>conv2d</c>), which the generator counts.</summary>
    public required string BaseName { get; init; }
    /// <summary>The ONNX node it comes from.</summary>
    public required string NodeName { get; init; }
    /// <summary>The node's operator.</summary>
    public required string OpType { get; init; }
    /// <summary>The layer name wanted (sanitized from the ONNX node name); null: a Keras default.</summary>
    public string? WantedName { get; init; }
    /// <summary>The positional arguments, as C# text.</summary>
    public List<string> Arguments { get; } = [];
    /// <summary>The named arguments (<c>Stride</c>, <c>2</c>), as C# text, in order.</summary>
    public List<(string Name, string Text)> Named { get; } = [];
    /// <summary>The layers (or -1, the model's input) it reads.</summary>
    public required int[] Sources { get; init; }
    /// <summary>Whether it is a merge (<c>Add</c>, <c>Concatenate</c>) that names its inputs as arguments.</summary>
    public bool IsMerge { get; init; }
    /// <summary>The parameter tensors: suffix (<c>kernel</c>), shape, values, in the §2 order.</summary>
    public List<(string Suffix, int[] Shape, float[] Values)> Tensors { get; } = [];
    /// <summary>Whether an activation may still be folded into it (<c>Activation =</c>).</summary>
    public bool TakesActivation { get; set; }
    /// <summary>Whether it is a Dense from a MatMul, without bias yet: a following <c>Add</c> of a constant becomes its bias.</summary>
    public bool TakesBias { get; set; }
    /// <summary>The activation folded into it (<c>ReLU</c>), or null.</summary>
    public string? Activation { get; set; }
    /// <summary>The name it ends with (set when names are assigned).</summary>
    public string Name { get; set; } = "";
    /// <summary>Whether <see cref="Name"/> is written as <c>Name =</c> (false: it is the generator's default).</summary>
    public bool WritesName { get; set; }

    /// <summary>Sets or replaces a named argument.</summary>
    public void Set(string name, string text)
    {
        int i = Named.FindIndex(n => n.Name == name);
        if (i >= 0) Named[i] = (name, text);
        else Named.Add((name, text));
    }

    /// <summary>The number of parameters.</summary>
    public long ParameterCount => Tensors.Sum(t => (long)t.Values.Length);
}
