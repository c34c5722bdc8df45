using System.Globalization;
using Cnn.Onnx.Proto;

namespace Cnn.Onnx.Import;

/// <summary>
/// Turns a checked ONNX graph into layer drafts: walks the nodes in their (topological) order, tracks every tensor as a
/// value the model computes, a constant, or unknown (after a node that cannot be expressed), and collects every problem
/// instead of stopping at the first.
/// </summary>
internal sealed partial class GraphImporter
{
    /// <summary>The batch size in folded shape computations (<c>Shape(x)[0]</c>), whatever it is at run time.</summary>
    public const long Batch = long.MinValue;

    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private readonly string _file;
    private readonly ImportOptions _options;
    private readonly long _opset;
    private readonly List<ImportProblem> _problems = [];
    private readonly List<string> _notes = [];
    private readonly List<LayerDraft> _layers = [];
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Constant> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unknown = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _unreadable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _convertedNoted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _consumers = new(StringComparer.Ordinal);
    private NodeProto _node = new();

    public GraphImporter(ModelProto model, string file, ImportOptions options)
    {
        _model = model;
        _graph = model.Graph;
        _file = file;
        _options = options;
        _opset = model.OpsetImport.Where(o => OnnxModelReader.IsDefaultDomain(o.Domain)).Select(o => o.Version).DefaultIfEmpty(1).Max();
    }

    /// <summary>Why a node cannot be imported: thrown by the node's handler, caught by the walk, which records it.</summary>
    private sealed class NodeFailure(string why) : Exception(why);

    private static NodeFailure Fail(string why) => new(why);

    private void Problem(string name, string op, string why) => _problems.Add(new ImportProblem(name, op, why));

    /// <summary>Imports the graph.</summary>
    public ImportResult Run()
    {
        foreach (TensorProto t in _graph.Initializer) _initializers[t.Name] = t;
        foreach (NodeProto n in _graph.Node)
            foreach (string i in n.Input)
                if (i.Length > 0) _consumers[i] = _consumers.GetValueOrDefault(i) + 1;
        foreach (ValueInfoProto o in _graph.Output) _consumers[o.Name] = _consumers.GetValueOrDefault(o.Name) + 1;

        int[] inputShape = [];
        Value? input = ReadInput(ref inputShape);
        foreach (NodeProto node in _graph.Node) Walk(node);
        Value? output = ReadOutput();

        int[] outputShape = output is null ? [] : output.Shape.Select(d => (int)d).ToArray();
        if (_problems.Count > 0 || input is null || output is null)
        {
            if (_problems.Count == 0) Problem("", "model", "the graph could not be imported");
            return new ImportResult(_options.ClassName, _problems, _notes, "", [], inputShape, outputShape, input?.Axes ?? [], output?.Axes ?? []);
        }
        var writer = new ModelWriter(_layers, input, output.Producer, _file, _model, _options, _notes);
        (string source, byte[] weights) = writer.Write();
        return new ImportResult(_options.ClassName, _problems, _notes, source, weights, inputShape, outputShape, input.Axes, output.Axes);
    }

    private Value? ReadInput(ref int[] shape)
    {
        var inputs = _graph.Input.Where(i => !_initializers.ContainsKey(i.Name)).ToList();
        foreach (TensorProto t in _graph.Initializer)
        {
            if (ToConstant(t, $"initializer '{t.Name}'") is { } c) _constants[t.Name] = c;
            else _unreadable[t.Name] = $"reads the initializer '{t.Name}' of type {OnnxModelReader.TypeName(t.DataType)}, which has no use in a model of float32";
        }
        if (inputs.Count != 1)
        {
            Problem(string.Join(", ", inputs.Select(i => i.Name)), "input",
                inputs.Count == 0 ? "the graph has no input (every input is an initializer)" : $"the graph has {inputs.Count} inputs; a model has one");
            foreach (var i in inputs) _unknown.Add(i.Name);
            return null;
        }
        ValueInfoProto info = inputs[0];
        if (info.Type?.TensorType is not { } tensor)
        {
            Problem(info.Name, "input", "the input is not a tensor");
            _unknown.Add(info.Name);
            return null;
        }
        if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
            Problem(info.Name, "input", $"the input is {OnnxModelReader.TypeName(tensor.ElemType)}; a model takes float32");
        if (tensor.Shape is null)
        {
            Problem(info.Name, "input", "the input has no shape (a model's input shape is fixed at build time)");
            _unknown.Add(info.Name);
            return null;
        }
        var dims = new long[tensor.Shape.Dim.Count];
        bool ok = true;
        for (int d = 0; d < dims.Length; d++)
        {
            TensorShapeProto.Types.Dimension dim = tensor.Shape.Dim[d];
            if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue >= 1 && dim.DimValue <= int.MaxValue)
                dims[d] = dim.DimValue;
            else if (d == 0 && dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue == 0)
                dims[d] = 0; // a static empty batch, shown as it is; the model is per sample
            else if (d == 0)
                dims[d] = 1; // a dynamic batch: the model is per sample
            else
            {
                string what = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? $"'{dim.DimParam}'" : dim.HasDimValue ? dim.DimValue.ToString(CultureInfo.InvariantCulture) : "unknown";
                Problem(info.Name, "input", $"axis {d} of the input is dynamic ({what}); every axis but the batch must have a fixed size (export with a fixed input size)");
                ok = false;
            }
        }
        shape = dims.Select(d => (int)d).ToArray();
        if (dims.Skip(1).Aggregate(1.0, (a, d) => a * d) > OnnxModelReader.MaxElements)
        {
            Problem(info.Name, "input", $"the input [{string.Join(", ", dims)}] has more than {OnnxModelReader.MaxElements:N0} values per sample");
            ok = false;
        }
        Layout? layout = dims.Length switch { 2 => Layout.Vector, 3 => Layout.Sequence, 4 => Layout.Image, _ => null };
        if (layout is null)
        {
            Problem(info.Name, "input", $"the input has rank {dims.Length} ([{string.Join(", ", dims)}]); a model takes [N, features], [N, C, L] or [N, C, H, W]");
            ok = false;
        }
        if (!ok || tensor.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            _unknown.Add(info.Name);
            return null;
        }
        var value = new Value(-1, dims, layout!.Value);
        _values[info.Name] = value;
        return value;
    }

    private Value? ReadOutput()
    {
        if (_graph.Output.Count != 1)
        {
            Problem(string.Join(", ", _graph.Output.Select(o => o.Name)), "output", $"the graph has {_graph.Output.Count} outputs; a model has one");
            return null;
        }
        string name = _graph.Output[0].Name;
        if (_unknown.Contains(name)) return null;
        if (_constants.ContainsKey(name))
        {
            Problem(name, "output", "the output is a constant, which no layer computes");
            return null;
        }
        if (!_values.TryGetValue(name, out Value? value))
        {
            Problem(name, "output", "no node computes the graph's output");
            return null;
        }
        if (value.Producer == FailedLayer) return null;
        if (value.Producer < 0)
        {
            Problem(name, "output", "the output is the input itself: there is no layer to write");
            return null;
        }
        if (value.FlattenedFrom is [int c, int h, int w])
        {
            Problem(name, "output", $"the output is a flattened {c}x{h}x{w} map, which channels_last flattens in another order than ONNX; end the model with a Dense, or do not flatten");
            return null;
        }
        return value;
    }

    private void Walk(NodeProto node)
    {
        _node = node;
        string op = node.OpType;
        if (!OnnxModelReader.IsDefaultDomain(node.Domain))
        {
            Problem(node.Name, op, $"an operator of domain '{node.Domain}', which has no layer");
            MarkUnknown(node);
            return;
        }
        if (node.Output.Count == 0 || node.Output.All(o => o.Length == 0))
        {
            Problem(node.Name, op, "the node has no output");
            return;
        }
        foreach (string input in node.Input)
        {
            if (input.Length == 0 || _values.ContainsKey(input) || _constants.ContainsKey(input)) continue;
            if (_unreadable.TryGetValue(input, out string? why))
            {
                Problem(node.Name, op, why);
                MarkUnknown(node);
                return;
            }
            if (!_unknown.Contains(input))
                Problem(node.Name, op, $"reads '{input}', which no node, initializer or graph input provides");
            else if (!s_supported.Contains(op)) // a supported one is not blamed for the failure before it
            {
                Problem(node.Name, op, Unsupported(op));
                if (ContinueElementwise(node)) return;
            }
            else if (op == "Reshape" && input == node.Input[0] && ReshapeOfUnknown(node)) return;
            MarkUnknown(node);
            return;
        }
        _wouldBe = null;
        try
        {
            if (!TryFold(node)) Import(node);
        }
        catch (NodeFailure failure)
        {
            Problem(node.Name, op, failure.Message);
            if (_wouldBe is { } shape && node.Output.Count > 0 && node.Output[0].Length > 0)
                _values[node.Output[0]] = shape with { Producer = FailedLayer };
            else if (!ContinueElementwise(node)) MarkUnknown(node);
        }
    }

    /// <summary>
    /// A Reshape of a tensor whose shape is unknown (it comes from a node that failed) to a constant target: a target of
    /// rank other than 2 is reported (only the flatten to <c>[N, features]</c> has a layer, whatever the input); a fully
    /// known <c>[N, C, H, W]</c> (or <c>[N, C, L]</c>) target, the reshape back after a channel shuffle, gives the output that
    /// shape, so the nodes after it are still checked. False: the output stays unknown.
    /// </summary>
    private bool ReshapeOfUnknown(NodeProto node)
    {
        if (node.Input.Count < 2 || !_constants.TryGetValue(node.Input[1], out Constant? target) || target.Integers is not { } dims || target.Dims.Length != 1)
            return false;
        if (dims.Length is 3 or 4 && dims.Skip(1).All(d => d >= 1 && d <= int.MaxValue) && dims[0] is >= -1 and <= int.MaxValue && !IsSymbol(dims[0]))
        {
            if (node.Output.Count == 0 || node.Output[0].Length == 0) return false;
            long batch = dims[0] >= 1 ? dims[0] : 1;
            _values[node.Output[0]] = new Value(FailedLayer, [batch, .. dims[1..]], dims.Length == 4 ? Layout.Image : Layout.Sequence);
            return true;
        }
        if (dims.Length == 2) return false;
        Problem(node.Name, node.OpType, $"a Reshape of a tensor whose shape is unknown (a node before it failed) to {Dims(dims)}: only the reshape to [N, features] (a flatten) has a layer");
        MarkUnknown(node);
        return true;
    }

    private static readonly HashSet<string> s_elementwise = new(StringComparer.Ordinal)
    {
        "Mul", "Add", "Sub", "Div", "Pow", "Sigmoid", "HardSigmoid", "HardSwish", "Elu", "Selu", "PRelu", "Gelu", "Mish", "Softplus",
        "Clip", "LeakyRelu", "Relu", "Tanh", "Sqrt", "Exp", "Neg", "Abs", "Erf", "Softmax",
    };

    /// <summary>
    /// After an element-wise node that cannot be imported, its output keeps the shape of its largest computed input, so
    /// the nodes after it are still checked and every problem of the graph is reported at once (its layers are never
    /// written: the import has failed).
    /// </summary>
    private bool ContinueElementwise(NodeProto node)
    {
        if (!s_elementwise.Contains(node.OpType) || node.Output.Count != 1 || node.Output[0].Length == 0) return false;
        Value? largest = node.Input.Where(_values.ContainsKey).Select(i => _values[i])
            .OrderByDescending(v => v.Shape.Skip(1).Aggregate(1.0, (a, d) => a * d)).FirstOrDefault();
        if (largest is null || node.Input.Any(i => i.Length > 0 && !_values.ContainsKey(i) && !_constants.ContainsKey(i))) return false;
        _values[node.Output[0]] = largest with { Producer = FailedLayer, FlattenedFrom = null, NonNegative = false };
        return true;
    }

    /// <summary>The output a handler has worked out before finding that it cannot be imported: later nodes are still checked.</summary>
    private Value? _wouldBe;

    /// <summary>The producer of a value that only stands in for the output of a node that could not be imported.</summary>
    private const int FailedLayer = -2;

    private void MarkUnknown(NodeProto node)
    {
        foreach (string o in node.Output)
            if (o.Length > 0) _unknown.Add(o);
    }

    private static readonly HashSet<string> s_supported = new(StringComparer.Ordinal)
    {
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "ReduceMax", "Gemm", "MatMul", "Add",
        "Relu", "Clip", "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "BatchNormalization", "Concat", "Flatten", "Reshape",
        "Squeeze", "Unsqueeze", "Dropout", "Identity", "Pad", "Constant", "Shape", "Gather", "Cast", "Slice", "Mul", "Div", "Sub", "Sum",
    };


    private static string Unsupported(string op) => op switch
    {
        "Mul" or "Div" or "Sub" => $"{op} of computed tensors has no layer (only the shape computations that feed a Reshape are folded)",
        "HardSigmoid" or "HardSwish" or "Elu" or "Selu" or "PRelu" or "Gelu" or "Mish" or "Softplus" => $"the activation {op} has no layer (ReLU, LeakyReLU, ReLU6, Sigmoid, Tanh, Softmax have)",
        "ConvTranspose" => "transposed convolution has no layer",
        "LRN" => "local response normalization has no layer",
        "Transpose" => "transposing a tensor has no layer (the model is channels_last throughout)",
        _ => $"the operator {op} has no layer",
    };

    // ---- inputs and attributes ----

    private Value ValueInput(int index, string what = "the input")
    {
        if (index >= _node.Input.Count || _node.Input[index].Length == 0) throw Fail($"{what} is missing");
        string name = _node.Input[index];
        if (_values.TryGetValue(name, out Value? v)) return v;
        throw Fail($"{what} '{name}' is a constant; this operator needs a computed tensor there");
    }

    private Constant? OptionalConstant(int index, string what)
    {
        if (index >= _node.Input.Count || _node.Input[index].Length == 0) return null;
        string name = _node.Input[index];
        if (_constants.TryGetValue(name, out Constant? c)) return c;
        throw Fail($"{what} '{name}' is computed at run time; it must be a constant (an initializer)");
    }

    private Constant ConstantInput(int index, string what) => OptionalConstant(index, what) ?? throw Fail($"{what} is missing");

    private float[] FloatsOf(int index, string what)
    {
        Constant c = ConstantInput(index, what);
        if (c.Floats is null) throw Fail($"{what} '{_node.Input[index]}' is not floating point");
        return c.Floats;
    }

    private AttributeProto? Attribute(string name) => _node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>
    /// Whether the node's doc string, as Cnn.Onnx's export writes it (<c>Conv2D: filters=8, ..., padding=Same, ...</c>: the
    /// layer's type and arguments), holds <paramref name="argument"/>. Only a hint where the graph alone is ambiguous
    /// (Same padding whose pads are all 0, a ReLU with NegativeSlope): never where it would change the numbers.
    /// </summary>
    private bool DocSays(string argument)
    {
        string doc = _node.DocString;
        int colon = doc.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && doc[(colon + 2)..].Split(", ").Contains(argument, StringComparer.Ordinal);
    }

    /// <summary>Whether the node's doc string names the layer type <paramref name="type"/> (<c>ReLU</c> or <c>ReLU: ...</c>).</summary>
    private bool DocIsLayer(string type) => _node.DocString == type || _node.DocString.StartsWith(type + ": ", StringComparison.Ordinal);

    private long Int(string name, long fallback) => Attribute(name) is { } a ? a.I : fallback;

    private float Float(string name, float fallback) => Attribute(name) is { } a ? a.F : fallback;

    private string? String(string name) => Attribute(name) is { } a ? a.S.ToStringUtf8() : null;

    private long[]? Ints(string name) => Attribute(name) is { } a ? a.Ints.ToArray() : null;

    private void SetOutput(Value value, int index = 0)
    {
        long size = 1;
        foreach (long d in value.Shape.Skip(1))
        {
            if (d < 1) throw Fail($"the output {Dims(value.Shape)} has an empty axis");
            size = d > OnnxModelReader.MaxElements ? OnnxModelReader.MaxElements + 1 : Math.Min(size * d, OnnxModelReader.MaxElements + 1);
        }
        if (size > OnnxModelReader.MaxElements) throw Fail($"the output {Dims(value.Shape)} has more than {OnnxModelReader.MaxElements:N0} values per sample");
        if (index < _node.Output.Count && _node.Output[index].Length > 0) _values[_node.Output[index]] = value;
    }

    private void OnlyFirstOutput()
    {
        for (int i = 1; i < _node.Output.Count; i++)
            if (_node.Output[i].Length > 0 && _consumers.ContainsKey(_node.Output[i]))
                throw Fail($"its output {i} ('{_node.Output[i]}') is used, which only training computes");
    }

    private int Uses(string tensor) => _consumers.GetValueOrDefault(tensor);

    /// <summary>A tensor as a constant; null for a type that is neither floating point nor integer.</summary>
    private Constant? ToConstant(TensorProto t, string what)
    {
        long[] dims = t.Dims.ToArray();
        float[]? floats = OnnxModelReader.Floats(t, out bool converted);
        if (floats is not null)
        {
            if (converted && _convertedNoted.Add(what))
                _notes.Add($"{what} converted from {OnnxModelReader.TypeName(t.DataType)} to float32");
            return new Constant(dims, floats, null);
        }
        return OnnxModelReader.Integers(t) is { } integers ? new Constant(dims, null, integers) : null;
    }

    /// <summary>The one value of a constant (a scalar or one element).</summary>
    private static double Scalar(Constant c, string what) => c.Count == 1 ? c.Numbers[0] : throw Fail($"{what} has {c.Count} values, not one");

    /// <summary>Weights: every dimension at least 1.</summary>
    private Constant WeightsInput(int index, string what)
    {
        Constant c = ConstantInput(index, what);
        if (c.Dims.Any(d => d < 1)) throw Fail($"{what} have shape {Dims(c.Dims)}, with an empty axis");
        return c;
    }

    private static string Dims(IEnumerable<long> dims) => "[" + string.Join(", ", dims.Select(d => d == Batch ? "N" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    private static string Dims(IEnumerable<int> dims) => Dims(dims.Select(d => (long)d));

    /// <summary>Adds a layer reading <paramref name="sources"/>; returns its index.</summary>
    private LayerDraft AddLayer(string kind, string baseName, int[] sources, string? nameSuffix = null, bool isMerge = false)
    {
        string? wanted = CSharpNames.LayerNameFrom(_node.Name + (nameSuffix ?? ""));
        var layer = new LayerDraft
        {
            Kind = kind, BaseName = baseName, NodeName = _node.Name, OpType = _node.OpType, WantedName = wanted, Sources = sources, IsMerge = isMerge,
        };
        _layers.Add(layer);
        return layer;
    }

    private int IndexOf(LayerDraft layer) => _layers.IndexOf(layer);

    /// <summary>A float32 attribute as the shortest C# literal that reads back as the same float (0.1f -> 0.1).</summary>
    private static string FloatNumber(float value) => float.IsPositiveInfinity(value) ? "double.PositiveInfinity" : value.ToString("R", CultureInfo.InvariantCulture);
}
