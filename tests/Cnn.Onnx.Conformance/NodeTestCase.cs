using Cnn.Onnx.Proto;
using Google.Protobuf;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// One case of the ONNX backend node tests: <c>node/&lt;name&gt;/model.onnx</c> and <c>test_data_set_0/input_N.pb</c>,
/// <c>output_N.pb</c>.
/// </summary>
internal sealed class NodeTestCase
{
    /// <summary>The operators of issue #14 §1, in its order; a case is selected when its model has a node of one of them.</summary>
    public static readonly string[] OperatorOrder =
    [
        "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean", "Gemm", "MatMul", "Relu", "Clip",
        "LeakyRelu", "Sigmoid", "Tanh", "Softmax", "BatchNormalization", "Add", "Concat", "Flatten", "Reshape", "Dropout",
        "Identity", "Pad",
    ];

    /// <summary><see cref="OperatorOrder"/> as a set.</summary>
    public static readonly IReadOnlySet<string> Operators = new HashSet<string>(OperatorOrder, StringComparer.Ordinal);

    private NodeTestCase(string name, string directory, ModelProto model)
    {
        Name = name;
        Directory = directory;
        Model = model;
        OpTypes = model.Graph.Node.Select(n => n.OpType).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The case's name (<c>test_conv_with_strides_padding</c>).</summary>
    public string Name { get; }

    /// <summary>The case's folder.</summary>
    public string Directory { get; }

    /// <summary>The model as the generator wrote it.</summary>
    public ModelProto Model { get; }

    /// <summary>The operators of its nodes, in order of first use.</summary>
    public IReadOnlyList<string> OpTypes { get; }

    /// <summary>The number of outputs of the graph.</summary>
    public int OutputCount => Model.Graph.Output.Count;

    /// <summary>The path of <c>test_data_set_0/input_<paramref name="n"/>.pb</c>.</summary>
    public string InputFile(int n) => Path.Combine(Directory, "test_data_set_0", $"input_{n}.pb");

    /// <summary>The path of <c>test_data_set_0/output_<paramref name="n"/>.pb</c>.</summary>
    public string OutputFile(int n) => Path.Combine(Directory, "test_data_set_0", $"output_{n}.pb");

    /// <summary>The cases under <paramref name="nodeDirectory"/> whose model has a node of one of <see cref="Operators"/>, by name.</summary>
    public static IReadOnlyList<NodeTestCase> Select(string nodeDirectory) =>
        System.IO.Directory.GetDirectories(nodeDirectory).Order(StringComparer.Ordinal)
            .Select(d => new NodeTestCase(Path.GetFileName(d), d, ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(d, "model.onnx")))))
            .Where(c => c.OpTypes.Any(Operators.Contains))
            .ToList();

    /// <summary>
    /// The model with every graph input but the first made a constant: each becomes an initializer holding the case's
    /// <c>input_N.pb</c>. A generated model has one input and knows its weights when it is compiled, while the node tests
    /// pass weights, biases, shapes, pads and clip bounds as inputs (Conv's <c>W</c>, Reshape's <c>shape</c>); as
    /// initializers they are what exporters write. The first input stays the model's input.
    /// </summary>
    public byte[] ModelWithConstantInputs()
    {
        ModelProto model = Model.Clone();
        var initialized = model.Graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        List<ValueInfoProto> inputs = model.Graph.Input.Where(i => !initialized.Contains(i.Name)).ToList();
        for (int n = 1; n < inputs.Count; n++)
        {
            TensorProto value;
            try
            {
                value = TensorProto.Parser.ParseFrom(File.ReadAllBytes(InputFile(n)));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new CnnDataException(InputFile(n), $"not a TensorProto ({e.Message})", e);
            }
            value.Name = inputs[n].Name;
            model.Graph.Initializer.Add(value);
            model.Graph.Input.Remove(inputs[n]);
        }
        return model.ToByteArray();
    }
}
