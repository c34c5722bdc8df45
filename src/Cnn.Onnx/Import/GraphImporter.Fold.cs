using Cnn.Onnx.Proto;

namespace Cnn.Onnx.Import;

/// <summary>
/// Constant folding: the shape computations exporters emit in front of a Reshape (<c>Shape → Gather → Unsqueeze →
/// Concat</c>, <c>x.view(x.size(0), -1)</c>) and <c>Constant</c> nodes become constants, with <see cref="Batch"/> for the
/// batch size and <see cref="Dynamic"/> for anything computed from it.
/// </summary>
internal sealed partial class GraphImporter
{
    /// <summary>A value computed from the batch size (other than the batch size itself): unknown until run time.</summary>
    public const long Dynamic = long.MinValue + 1;

    private static bool IsSymbol(long v) => v is Batch or Dynamic;

    /// <summary>Folds <see cref="_node"/> when it is a constant computation; false when it is not one.</summary>
    private bool TryFold(NodeProto node)
    {
        string op = node.OpType;
        if (op == "Constant")
        {
            SetConstant(ConstantNode());
            return true;
        }
        if (op == "Shape")
        {
            long[] dims = node.Input.Count > 0 && _values.TryGetValue(node.Input[0], out Value? v)
                ? v.Shape.Select((d, i) => i == 0 ? Batch : d).ToArray()
                : node.Input.Count > 0 && _constants.TryGetValue(node.Input[0], out Constant? c) ? c.Dims : throw Fail("the input is missing");
            long start = Int("start", 0), end = Int("end", dims.Length);
            start = Math.Clamp(start < 0 ? start + dims.Length : start, 0, dims.Length);
            end = Math.Clamp(end < 0 ? end + dims.Length : end, 0, dims.Length);
            long[] slice = dims[(int)start..(int)Math.Max(start, end)];
            SetConstant(new Constant([slice.Length], null, slice));
            return true;
        }
        if (node.Input.Count == 0 || node.Input[0].Length == 0 || node.Input.Any(i => i.Length > 0 && !_constants.ContainsKey(i))) return false;
        Constant first = _constants[node.Input[0]];
        switch (op)
        {
            case "Identity" or "Dropout":
                SetConstant(first);
                return true;
            case "Cast":
                SetConstant(Cast(first, (int)Int("to", 1)));
                return true;
            case "Gather":
                SetConstant(Gather(first, ConstantInput(1, "the indices")));
                return true;
            case "Unsqueeze":
            {
                long[] axes = _opset >= 13 ? Integers(ConstantInput(1, "the axes")) : Ints("axes") ?? throw Fail("the axes are missing");
                int rank = first.Dims.Length + axes.Length;
                var normalized = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
                if (normalized.Count != axes.Length || normalized.Any(a => a < 0 || a >= rank)) throw Fail($"the axes {Dims(axes)} do not fit rank {rank}");
                var dims = new List<long>();
                for (int i = 0, j = 0; i < rank; i++) dims.Add(normalized.Contains(i) ? 1 : first.Dims[j++]);
                SetConstant(first with { Dims = [.. dims] });
                return true;
            }
            case "Squeeze":
            {
                long[]? axes = _opset >= 13 ? (OptionalConstant(1, "the axes") is { } a ? Integers(a) : null) : Ints("axes");
                int rank = first.Dims.Length;
                var remove = axes is null ? Enumerable.Range(0, rank).Where(i => first.Dims[i] == 1).ToHashSet() : axes.Select(x => (int)(x < 0 ? x + rank : x)).ToHashSet();
                if (remove.Any(i => i < 0 || i >= rank || first.Dims[i] != 1)) throw Fail($"cannot squeeze axes {Dims(axes ?? [])} of shape {Dims(first.Dims)}");
                SetConstant(first with { Dims = first.Dims.Where((_, i) => !remove.Contains(i)).ToArray() });
                return true;
            }
            case "Concat":
            {
                if (node.Input.Any(i => i.Length == 0)) throw Fail("an input is missing");
                var parts = node.Input.Select(i => _constants[i]).ToList();
                if (parts.Any(p => p.Dims.Length != 1) || parts.Any(p => (p.Floats is null) != (first.Floats is null))) return false;
                long count = parts.Sum(p => p.Dims[0]);
                SetConstant(first.Floats is not null
                    ? new Constant([count], parts.SelectMany(p => p.Floats!).ToArray(), null)
                    : new Constant([count], null, parts.SelectMany(p => p.Integers!).ToArray()));
                return true;
            }
            case "Slice":
                SetConstant(Slice(first));
                return true;
            case "Add" or "Sub" or "Mul" or "Div":
                if (node.Input.Count != 2 || node.Input[1].Length == 0) throw Fail($"{op} takes two inputs");
                if (Arithmetic(op, first, _constants[node.Input[1]]) is not { } result) return false;
                SetConstant(result);
                return true;
            default:
                return false;
        }
    }

    private void SetConstant(Constant c)
    {
        if (_node.Output.Count > 0 && _node.Output[0].Length > 0) _constants[_node.Output[0]] = c;
    }

    private static long[] Integers(Constant c) => c.Integers ?? throw Fail("an integer tensor is expected, not floating point");

    private Constant ConstantNode()
    {
        AttributeProto a = _node.Attribute.FirstOrDefault() ?? throw Fail("the constant has no value");
        return a.Name switch
        {
            "value" when a.T is { } t => ToConstant(t, $"constant '{_node.Name}'") ?? throw Fail($"a constant of type {OnnxModelReader.TypeName(t.DataType)}, which has no use in a model of float32"),
            "value_float" => new Constant([], [a.F], null),
            "value_floats" => new Constant([a.Floats.Count], [.. a.Floats], null),
            "value_int" => new Constant([], null, [a.I]),
            "value_ints" => new Constant([a.Ints.Count], null, [.. a.Ints]),
            _ => throw Fail($"a constant given as '{a.Name}', which this importer does not read"),
        };
    }

    private static Constant Cast(Constant c, int to)
    {
        bool toFloat = to is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Double or (int)TensorProto.Types.DataType.Float16;
        if (toFloat)
            return c.Floats is not null ? c : new Constant(c.Dims, c.Integers!.Select(v => IsSymbol(v) ? float.NaN : (float)v).ToArray(), null);
        return c.Integers is not null ? c : new Constant(c.Dims, null, c.Floats!.Select(v => (long)v).ToArray());
    }

    private Constant Gather(Constant data, Constant indices)
    {
        if (data.Dims.Length != 1 || Int("axis", 0) != 0) throw Fail("only a gather from a 1-D constant (a shape) is folded");
        long n = data.Dims[0];
        long[] picks = Integers(indices).Select(i => i < 0 ? i + n : i).ToArray();
        if (picks.Any(i => i < 0 || i >= n)) throw Fail($"an index is out of range for a tensor of {n} values");
        return data.Floats is not null
            ? new Constant(indices.Dims, picks.Select(i => data.Floats[i]).ToArray(), null)
            : new Constant(indices.Dims, null, picks.Select(i => data.Integers![i]).ToArray());
    }

    private Constant Slice(Constant data)
    {
        if (data.Dims.Length != 1) throw Fail("only a slice of a 1-D constant (a shape) is folded");
        long start, end, step = 1;
        if (_opset >= 10)
        {
            start = One(Integers(ConstantInput(1, "starts")), "starts");
            end = One(Integers(ConstantInput(2, "ends")), "ends");
            if (OptionalConstant(3, "axes") is { } axes && One(Integers(axes), "axes") is not (0 or -1)) throw Fail("the axis must be 0");
            if (OptionalConstant(4, "steps") is { } steps) step = One(Integers(steps), "steps");
        }
        else
        {
            start = One(Ints("starts") ?? [0], "starts");
            end = One(Ints("ends") ?? [long.MaxValue], "ends");
        }
        if (step == 0) throw Fail("the step is 0");
        long n = data.Dims[0];
        long Clamp(long v, long lo, long hi) => Math.Clamp(v < 0 ? v + n : v, lo, hi);
        var picks = new List<long>();
        if (step > 0)
            for (long i = Clamp(start, 0, n); i < Clamp(end, 0, n); i += step) picks.Add(i);
        else
            for (long i = Clamp(start, -1, n - 1); i > Clamp(end, -1, n - 1); i += step) picks.Add(i);
        return data.Floats is not null
            ? new Constant([picks.Count], picks.Select(i => data.Floats[i]).ToArray(), null)
            : new Constant([picks.Count], null, picks.Select(i => data.Integers![i]).ToArray());
    }

    private static long One(long[] values, string what) => values.Length == 1 ? values[0] : throw Fail($"{what} has {values.Length} values; only a 1-D slice is folded");

    private static Constant? Arithmetic(string op, Constant a, Constant b)
    {
        long count = Math.Max(a.Count, b.Count);
        if (a.Count != count && a.Count != 1 || b.Count != count && b.Count != 1) return null;
        long[] dims = a.Count == count ? a.Dims : b.Dims;
        if (a.Floats is not null || b.Floats is not null)
        {
            if (a.Floats is null || b.Floats is null) return null;
            var f = new float[count];
            for (int i = 0; i < count; i++)
            {
                float x = a.Floats[a.Count == 1 ? 0 : i], y = b.Floats[b.Count == 1 ? 0 : i];
                f[i] = op switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => x / y };
            }
            return new Constant(dims, f, null);
        }
        var v = new long[count];
        for (int i = 0; i < count; i++)
        {
            long x = a.Integers![a.Count == 1 ? 0 : i], y = b.Integers![b.Count == 1 ? 0 : i];
            v[i] = IsSymbol(x) || IsSymbol(y)
                ? (op is "Mul" or "Div" && y == 1 ? x : Dynamic)
                : op switch { "Add" => x + y, "Sub" => x - y, "Mul" => x * y, _ => y == 0 ? Dynamic : x / y };
        }
        return new Constant(dims, null, v);
    }
}
