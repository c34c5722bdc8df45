using Google.Protobuf;

namespace Cnn.Onnx.Tests;

/// <summary>Builds small ONNX models in C# with the protobuf classes: inputs, initializers with seeded random values, nodes.</summary>
internal sealed class GraphBuilder
{
    private readonly GraphProto _graph = new() { Name = "test" };
    private readonly Random _random;
    private int _next;

    public GraphBuilder(long opset = 13, int seed = 1)
    {
        Model = new ModelProto { IrVersion = 8, ProducerName = "Cnn.Onnx.Tests", Graph = _graph };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        _random = new Random(seed);
    }

    public ModelProto Model { get; }

    /// <summary>A float input; a null dimension is dynamic (<c>dim_param</c>).</summary>
    public string Input(string name, params long?[] shape)
    {
        _graph.Input.Add(Info(name, shape));
        return name;
    }

    public void Output(string name) => _graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });

    private static ValueInfoProto Info(string name, long?[] shape)
    {
        var tensorShape = new TensorShapeProto();
        for (int i = 0; i < shape.Length; i++)
            tensorShape.Dim.Add(shape[i] is { } d ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = i == 0 ? "batch" : $"d{i}" });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = tensorShape } } };
    }

    /// <summary>A float32 initializer of seeded random values in [-1, 1) (or the given ones).</summary>
    public string Weights(string name, long[] dims, float[]? values = null, float scale = 1, float offset = 0)
    {
        long count = dims.Aggregate(1L, (a, d) => a * d);
        values ??= Enumerable.Range(0, (int)count).Select(_ => (float)(_random.NextDouble() * 2 - 1) * scale + offset).ToArray();
        _graph.Initializer.Add(FloatTensor(name, dims, values));
        return name;
    }

    public static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1 };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(values);
        return t;
    }

    public string Ints(string name, params long[] values)
    {
        var t = new TensorProto { Name = name, DataType = 7 };
        t.Dims.Add(values.Length);
        t.Int64Data.AddRange(values);
        _graph.Initializer.Add(t);
        return name;
    }

    public string Scalar(string name, float value)
    {
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = 1, FloatData = { value } });
        return name;
    }

    public void Initializer(TensorProto tensor) => _graph.Initializer.Add(tensor);

    /// <summary>Adds a node; returns its first output's name. Attributes: long, float, long[], float[], string, TensorProto.</summary>
    public string Node(string op, string[] inputs, string? name = null, params (string Name, object Value)[] attributes) =>
        NodeOutputs(op, inputs, 1, name, attributes)[0];

    public string[] NodeOutputs(string op, string[] inputs, int outputs, string? name, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name ?? "" };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => $"t{_next++}").ToArray();
        node.Output.AddRange(names);
        foreach ((string n, object v) in attributes)
        {
            var a = new AttributeProto { Name = n };
            switch (v)
            {
                case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
                case long l: a.Type = AttributeProto.Types.AttributeType.Int; a.I = l; break;
                case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
                case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
                case long[] ls: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ls); break;
                case int[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints.Select(x => (long)x)); break;
                case float[] fs: a.Type = AttributeProto.Types.AttributeType.Floats; a.Floats.AddRange(fs); break;
                case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
                case TensorProto t: a.Type = AttributeProto.Types.AttributeType.Tensor; a.T = t; break;
                default: throw new ArgumentException($"attribute {n}: {v.GetType()}");
            }
            node.Attribute.Add(a);
        }
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>The graph's last node's output becomes the graph output.</summary>
    public byte[] Build(string output)
    {
        if (_graph.Output.Count == 0) Output(output);
        return Model.ToByteArray();
    }
}
