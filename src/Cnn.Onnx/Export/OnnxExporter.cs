using System.Runtime.InteropServices;
using Cnn.Onnx.Proto;
using Google.Protobuf;

namespace Cnn.Onnx.Export;

/// <summary>
/// Builds the ONNX graph of a generated model from what the model says about itself (<see cref="ICnnModel.Layers"/>
/// with their inputs and arguments, <see cref="ICnnModel.ParameterTensors"/>, <see cref="ICnnModel.Parameters"/>).
/// The mapping, layer by layer, is documented on <see cref="Onnx"/>.
/// </summary>
internal sealed class OnnxExporter
{
    /// <summary>The ONNX IR version written (7: ONNX 1.8, the one that introduced opset 13).</summary>
    public const long IrVersion = 7;

    /// <summary>The opset of the default domain the graph uses.</summary>
    public const long Opset = 13;

    /// <summary>The symbolic batch dimension of the graph's input and output.</summary>
    public const string BatchDimension = "N";

    /// <summary>The graph input's name: the name graphs use for the model's input (SPEC §7).</summary>
    public const string InputName = "input";

    private readonly ICnnModel _model;
    private readonly float[] _parameters;
    private readonly Dictionary<string, ParameterTensorInfo> _tensorInfos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
    private readonly GraphProto _graph = new();

    /// <summary>The outputs of the Pad nodes written for ZeroPadding2D layers.</summary>
    private readonly HashSet<string> _zeroPadded = new(StringComparer.Ordinal);

    /// <summary>
    /// A tensor of the graph: its ONNX name, its shape as the model sees it (channels last, no batch), and for a vector
    /// the order of its entries when it is not the model's: <c>Order[p]</c> is the model's index of ONNX entry p.
    /// A Flatten of an NCHW image gives the CHW order; elementwise layers keep it; a Dense takes it into its kernel.
    /// </summary>
    private sealed record Value(string Name, int[] Shape, int[]? Order = null);

    private OnnxExporter(ICnnModel model)
    {
        _model = model;
        _parameters = model.Parameters.ToArray();
        foreach (ParameterTensorInfo tensor in model.ParameterTensors) _tensorInfos[tensor.Name] = tensor;
    }

    /// <summary>The ONNX model of <paramref name="model"/> with its current parameters.</summary>
    /// <exception cref="NotSupportedException">A layer type or argument this exporter does not know.</exception>
    /// <exception cref="ArgumentException">The model does not describe its layers fully (an older generator).</exception>
    public static ModelProto Build(ICnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new OnnxExporter(model).BuildModel();
    }

    private ModelProto BuildModel()
    {
        string className = _model.GetType().Name;
        if (_model.Layers.Count == 0) throw new ArgumentException($"The model {className} has no layers.");
        _graph.Name = className;
        var input = new Value(InputName, _model.InputShape.ToArray());
        _values[InputName] = input;
        _graph.Input.Add(ValueInfo(InputName, input.Shape));

        foreach (LayerInfo layer in _model.Layers)
        {
            if (layer.Inputs.Length == 0)
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.Type}) of {className} does not name its inputs: the model was compiled by an older Cnn.Generator; rebuild it with this version.");
            var inputs = new Value[layer.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
                inputs[i] = _values.TryGetValue(layer.Inputs[i], out Value? value) ? value
                    : throw new ArgumentException($"Layer '{layer.Name}' ({layer.Type}) takes '{layer.Inputs[i]}', which is neither the input nor a layer above it.");
            try
            {
                _values[layer.Name] = Layer(layer, inputs) with { Shape = layer.OutputShape };
            }
            catch (KeyNotFoundException e)
            {
                throw new ArgumentException($"Layer '{layer.Name}' ({layer.Type}) of {className} lacks an argument or a tensor: {e.Message} (was it compiled by an older Cnn.Generator?)", e);
            }
        }

        Value last = _values[_model.Layers[^1].Name];
        // A model that ends on a flattened image keeps its entries in the model's (HWC) order.
        if (last.Order is not null) last = InOrder(last, last.Name + "/reorder");
        _graph.Output.Add(ValueInfo(last.Name, last.Shape));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Cnn.Generator",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{className}, exported by Cnn.Onnx: input [{BatchDimension}, {string.Join(", ", Nchw(input.Shape))}] (channels first), " +
                        "output as the model's Forward gives it (after the final activation), channels first.",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "cnn.class", Value = _model.GetType().FullName ?? className });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "cnn.loss", Value = _model.Loss.ToString() });
        return model;
    }

    // ---- Layers.

    private Value Layer(LayerInfo layer, Value[] inputs)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        Value x = inputs[0];
        switch (layer.Type)
        {
            case "Conv2D":
            case "Conv1D":
                return Convolution(layer, x);
            case "DepthwiseConv2D":
                return Activate(name, Depthwise(layer, x, name, a.Get<bool>("use_bias") ? name + ".bias" : null, LinearName(name, a)), a);
            case "SeparableConv2D":
                return Separable(layer, x);
            case "MaxPooling2D":
            case "AveragePooling2D":
            case "MaxPooling1D":
            case "AveragePooling1D":
                return Pool(layer, x);
            case "GlobalAveragePooling2D":
            case "GlobalAveragePooling1D":
            case "GlobalMaxPooling2D":
            case "GlobalMaxPooling1D":
                Node(layer.Type.StartsWith("GlobalMax", StringComparison.Ordinal) ? "GlobalMaxPool" : "GlobalAveragePool", name, [x.Name], name + "/pooled", layer);
                Node("Flatten", name + "/flatten", [name + "/pooled"], name, null, Int("axis", 1));
                return new Value(name, layer.OutputShape);
            case "Dense":
                return Dense(layer, x);
            case "Flatten":
                Node("Flatten", name, [x.Name], name, layer, Int("axis", 1));
                return new Value(name, layer.OutputShape, ChwOrder(x.Shape));
            case "Dropout":
                Node("Dropout", name, [x.Name, ScalarFloat(name + "/ratio", (float)a.Get<double>("rate"))], name, layer);
                return x with { Name = name };
            case "BatchNormalization":
                return BatchNormalization(layer, x);
            case "ReLU":
            case "LeakyReLU":
                return ReLU(layer, x);
            case "Activation":
            case "Softmax":
                ActivationNode(a.Get<Activation>("activation"), name, x.Name, name, layer);
                return x with { Name = name };
            case "ZeroPadding2D":
            {
                int[] p = a.Get<int[]>("padding"); // top, bottom, left, right
                string pads = Int64s(name + "/pads", [0, 0, p[0], p[2], 0, 0, p[1], p[3]]);
                Node("Pad", name, [x.Name, pads], name, layer, String("mode", "constant"));
                _zeroPadded.Add(name);
                return new Value(name, layer.OutputShape);
            }
            case "Add":
            {
                // One order for all the addends: the first's, when they share it, else the model's.
                bool shared = inputs.All(v => SameOrder(v.Order, x.Order));
                Value[] addends = shared ? inputs : inputs.Select((v, i) => InOrder(v, $"{name}/reorder_{i}")).ToArray();
                Node(inputs.Length == 2 ? "Add" : "Sum", name, addends.Select(v => v.Name).ToArray(), name, layer);
                return new Value(name, layer.OutputShape, addends[0].Order);
            }
            case "Concatenate":
                Node("Concat", name, inputs.Select(v => v.Name).ToArray(), name, layer, Int("axis", 1));
                return new Value(name, layer.OutputShape, ConcatenatedOrder(inputs));
            default:
                throw new NotSupportedException($"Layer '{name}' is a {layer.Type}, which the ONNX export does not know.");
        }
    }

    /// <summary>Conv2D and Conv1D: one Conv (kernel [kh, kw, in, out] → [out, in, kh, kw], or [k, in, out] → [out, in, k]), then the activation.</summary>
    private Value Convolution(LayerInfo layer, Value x)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        int[] kernel = a.Get<int[]>("kernel_size");
        ParameterTensorInfo k = Tensor(name, "kernel");
        int inChannels = k.Shape[^2], filters = k.Shape[^1];
        float[] weights = ConvolutionKernel(Values(k), kernel, inChannels, filters);
        string w = Floats(k.Name, [filters, inChannels, .. kernel], weights);
        List<string> nodeInputs = [x.Name, w];
        if (a.Get<bool>("use_bias")) nodeInputs.Add(Floats(name + ".bias", [filters], Values(Tensor(name, "bias"))));
        Node("Conv", name, [.. nodeInputs], LinearName(name, a), layer,
            Ints("kernel_shape", kernel), Ints("strides", a.Get<int[]>("strides")), Ints("pads", OnnxPads(a.Get<int[]>("pads"))),
            Ints("dilations", a.Get<int[]>("dilation_rate")), Int("group", 1));
        return Activate(name, new Value(LinearName(name, a), layer.OutputShape), a);
    }

    /// <summary>
    /// The depthwise convolution of DepthwiseConv2D and SeparableConv2D: a Conv with group = channels, kernel
    /// [kh, kw, c, m] → [c·m, 1, kh, kw] (ONNX's output channel ci·m + j is the model's).
    /// </summary>
    private Value Depthwise(LayerInfo layer, Value x, string nodeName, string? biasName, string output)
    {
        LayerArguments a = layer.Arguments;
        int[] kernel = a.Get<int[]>("kernel_size");
        ParameterTensorInfo k = Tensor(layer.Name, "depthwise_kernel");
        int channels = k.Shape[2], multiplier = k.Shape[3], kh = kernel[0], kw = kernel[1];
        float[] source = Values(k), weights = new float[source.Length];
        for (int y = 0; y < kh; y++)
            for (int xx = 0; xx < kw; xx++)
                for (int ci = 0; ci < channels; ci++)
                    for (int j = 0; j < multiplier; j++)
                        weights[(ci * multiplier + j) * kh * kw + y * kw + xx] = source[((y * kw + xx) * channels + ci) * multiplier + j];
        List<string> nodeInputs = [x.Name, Floats(k.Name, [channels * multiplier, 1, kh, kw], weights)];
        if (biasName is not null) nodeInputs.Add(Floats(biasName, [channels * multiplier], Values(Tensor(layer.Name, "bias"))));
        Node("Conv", nodeName, [.. nodeInputs], output, layer,
            Ints("kernel_shape", kernel), Ints("strides", a.Get<int[]>("strides")), Ints("pads", OnnxPads(a.Get<int[]>("pads"))),
            Ints("dilations", a.Get<int[]>("dilation_rate")), Int("group", channels));
        int[] shape = layer.OutputShape;
        return new Value(output, [shape[0], shape[1], channels * multiplier]);
    }

    /// <summary>SeparableConv2D: the depthwise Conv (node <c>name/depthwise</c>, no bias), then a 1x1 Conv (node <c>name</c>) with the bias, then the activation.</summary>
    private Value Separable(LayerInfo layer, Value x)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        Value depthwise = Depthwise(layer, x, name + "/depthwise", null, name + "/depthwise");
        ParameterTensorInfo p = Tensor(name, "pointwise_kernel");
        int channels = p.Shape[2], filters = p.Shape[3];
        List<string> nodeInputs = [depthwise.Name, Floats(p.Name, [filters, channels, 1, 1], ConvolutionKernel(Values(p), [1, 1], channels, filters))];
        if (a.Get<bool>("use_bias")) nodeInputs.Add(Floats(name + ".bias", [filters], Values(Tensor(name, "bias"))));
        Node("Conv", name, [.. nodeInputs], LinearName(name, a), layer,
            Ints("kernel_shape", [1, 1]), Ints("strides", [1, 1]), Ints("pads", [0, 0, 0, 0]), Ints("dilations", [1, 1]), Int("group", 1));
        return Activate(name, new Value(LinearName(name, a), layer.OutputShape), a);
    }

    /// <summary>
    /// Max and average pooling: MaxPool or AveragePool with the pads of the layer's padding; the cells of the padding
    /// are never the maximum and never averaged (<c>count_include_pad = 0</c>), as TensorFlow's Same pooling.
    /// </summary>
    private Value Pool(LayerInfo layer, Value x)
    {
        LayerArguments a = layer.Arguments;
        bool max = layer.Type.StartsWith("Max", StringComparison.Ordinal);
        List<AttributeProto> attributes =
        [
            Ints("kernel_shape", a.Get<int[]>("pool_size")), Ints("strides", a.Get<int[]>("strides")), Ints("pads", OnnxPads(a.Get<int[]>("pads"))),
            Int("ceil_mode", 0),
        ];
        if (!max) attributes.Add(Int("count_include_pad", 0));
        Node(max ? "MaxPool" : "AveragePool", layer.Name, [x.Name], layer.Name, layer, [.. attributes]);
        // ONNX Runtime (PadFusion, 1.17 on) folds a Pad of zeros into the MaxPool after it as if the zeros were never the
        // maximum, which gives another result where a window's values are all below 0 (the same fault as onnx/optimizer's
        // fuse_pad_into_pool). It leaves a MaxPool that also writes its indices alone: behind a ZeroPadding2D, this one
        // writes them, unused.
        if (max && _zeroPadded.Contains(x.Name)) _graph.Node[_graph.Node.Count - 1].Output.Add(layer.Name + "/indices");
        return new Value(layer.Name, layer.OutputShape);
    }

    /// <summary>
    /// Dense: Gemm(x, B, bias) with transB = 1 and B = kernelᵀ, [units, in], as PyTorch's Linear. When x is a flattened
    /// image, B's columns follow x's CHW order, so the kernel's rows are reordered from HWC to CHW.
    /// </summary>
    private Value Dense(LayerInfo layer, Value x)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        ParameterTensorInfo k = Tensor(name, "kernel");
        int inputs = k.Shape[0], units = k.Shape[1];
        float[] source = Values(k), weights = new float[source.Length];
        for (int p = 0; p < inputs; p++)
        {
            int row = x.Order is null ? p : x.Order[p];
            for (int u = 0; u < units; u++) weights[u * inputs + p] = source[row * units + u];
        }
        List<string> nodeInputs = [x.Name, Floats(k.Name, [units, inputs], weights)];
        if (a.Get<bool>("use_bias")) nodeInputs.Add(Floats(name + ".bias", [units], Values(Tensor(name, "bias"))));
        Node("Gemm", name, [.. nodeInputs], LinearName(name, a), layer, Int("transB", 1));
        return Activate(name, new Value(LinearName(name, a), layer.OutputShape), a);
    }

    /// <summary>
    /// BatchNormalization with the moving statistics (inference): scale <c>name.gamma</c>, offset <c>name.beta</c>,
    /// <c>name.moving_mean</c>, <c>name.moving_variance</c>; without Scale the scale is ones (<c>name/unit_scale</c>),
    /// without Center the offset zeros (<c>name/zero_offset</c>). Over a flattened image every tensor follows its order.
    /// </summary>
    private Value BatchNormalization(LayerInfo layer, Value x)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        int channels = layer.OutputShape[^1];
        string Statistic(string tensor, bool present, string standIn, float fill)
        {
            float[] values;
            if (present) values = Values(Tensor(name, tensor));
            else
            {
                values = new float[channels];
                Array.Fill(values, fill);
            }
            if (x.Order is not null) values = x.Order.Select(i => values[i]).ToArray();
            return Floats(present ? $"{name}.{tensor}" : $"{name}/{standIn}", [channels], values);
        }
        string scale = Statistic("gamma", a.Get<bool>("scale"), "unit_scale", 1f);
        string offset = Statistic("beta", a.Get<bool>("center"), "zero_offset", 0f);
        string mean = Statistic("moving_mean", true, "", 0f), variance = Statistic("moving_variance", true, "", 1f);
        Node("BatchNormalization", name, [x.Name, scale, offset, mean, variance], name, layer,
            Float("epsilon", (float)a.Get<double>("epsilon")), Float("momentum", (float)a.Get<double>("momentum")));
        return x with { Name = name };
    }

    /// <summary>
    /// ReLU and LeakyReLU: Relu; Clip(0, max) with a cap; LeakyRelu(alpha) with a slope; with both, LeakyRelu (node
    /// <c>name</c>) then Clip(—, max) (node <c>name/max_value</c>), which is x &lt; 0 ? slope·x : min(x, max) since slope and max are ≥ 0.
    /// </summary>
    private Value ReLU(LayerInfo layer, Value x)
    {
        string name = layer.Name;
        LayerArguments a = layer.Arguments;
        double slope = layer.Type == "LeakyReLU" ? a.Get<double>("alpha") : a.Get<double>("negative_slope");
        bool capped = a.TryGet("max_value", out double cap);
        if (slope == 0 && !capped) Node("Relu", name, [x.Name], name, layer);
        else if (slope == 0) Node("Clip", name, [x.Name, ScalarFloat(name + "/min", 0f), ScalarFloat(name + "/max", (float)cap)], name, layer);
        else if (!capped) Node("LeakyRelu", name, [x.Name], name, layer, Float("alpha", (float)slope));
        else
        {
            Node("LeakyRelu", name, [x.Name], name + "/leaky", layer, Float("alpha", (float)slope));
            Node("Clip", name + "/max_value", [name + "/leaky", "", ScalarFloat(name + "/max", (float)cap)], name, null);
        }
        return x with { Name = name };
    }

    // ---- Activations.

    /// <summary>The name of a layer's main node's output: the layer's own name, or <c>name/linear</c> when an activation follows.</summary>
    private static string LinearName(string name, LayerArguments a) => a.Get<Activation>("activation") == Activation.None ? name : name + "/linear";

    /// <summary>The fused activation of a layer as its own node <c>name/relu</c> (<c>/relu6</c>, <c>/sigmoid</c>, ...) whose output is <c>name</c>.</summary>
    private Value Activate(string name, Value linear, LayerArguments a)
    {
        Activation activation = a.Get<Activation>("activation");
        if (activation == Activation.None) return linear;
        ActivationNode(activation, name + "/" + activation.ToString().ToLowerInvariant(), linear.Name, name, null);
        return linear with { Name = name };
    }

    /// <summary>One node applying <paramref name="activation"/>: Relu, Clip(0, 6), Sigmoid, Tanh, Softmax over axis 1 (a vector's features).</summary>
    private void ActivationNode(Activation activation, string node, string input, string output, LayerInfo? layer)
    {
        switch (activation)
        {
            case Activation.ReLU: Node("Relu", node, [input], output, layer); break;
            case Activation.ReLU6: Node("Clip", node, [input, ScalarFloat(node + "/min", 0f), ScalarFloat(node + "/max", 6f)], output, layer); break;
            case Activation.Sigmoid: Node("Sigmoid", node, [input], output, layer); break;
            case Activation.Tanh: Node("Tanh", node, [input], output, layer); break;
            case Activation.Softmax: Node("Softmax", node, [input], output, layer, Int("axis", 1)); break;
            default: throw new NotSupportedException($"'{output}': the activation {activation} has no ONNX form here.");
        }
    }

    // ---- Orders of flattened images.

    /// <summary>
    /// The order of ONNX's Flatten of an NCHW image (or NCL sequence) of the model's shape <paramref name="shape"/>:
    /// entry c·h·w + y·w + x is the model's (y·w + x)·c + c.
    /// </summary>
    private static int[]? ChwOrder(int[] shape)
    {
        if (shape.Length < 2) return null;
        int channels = shape[^1], pixels = 1;
        for (int i = 0; i < shape.Length - 1; i++) pixels *= shape[i];
        if (channels == 1 || pixels == 1) return null;
        var order = new int[pixels * channels];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < pixels; p++)
                order[c * pixels + p] = p * channels + c;
        return order;
    }

    private static int[]? ConcatenatedOrder(Value[] inputs)
    {
        if (inputs.All(v => v.Order is null) || inputs[0].Shape.Length != 1) return null;
        var order = new List<int>();
        int offset = 0;
        foreach (Value v in inputs)
        {
            int size = v.Shape[0];
            for (int p = 0; p < size; p++) order.Add(offset + (v.Order is null ? p : v.Order[p]));
            offset += size;
        }
        return [.. order];
    }

    private static bool SameOrder(int[]? a, int[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    /// <summary><paramref name="value"/> in the model's order: itself, or a Gather along axis 1 (node <paramref name="node"/>).</summary>
    private Value InOrder(Value value, string node)
    {
        if (value.Order is null) return value;
        var indices = new long[value.Order.Length];
        for (int p = 0; p < indices.Length; p++) indices[value.Order[p]] = p;
        Node("Gather", node, [value.Name, Int64s(node + "/indices", indices)], node, null, Int("axis", 1));
        return new Value(node, value.Shape);
    }

    // ---- Parameters.

    private ParameterTensorInfo Tensor(string layer, string tensor) =>
        _tensorInfos.TryGetValue($"{layer}.{tensor}", out ParameterTensorInfo? info) ? info
            : throw new KeyNotFoundException($"the model has no parameter tensor '{layer}.{tensor}'");

    private float[] Values(ParameterTensorInfo tensor) => _parameters.AsSpan(tensor.Offset, tensor.Length).ToArray();

    /// <summary>A kernel [k..., in, out] (channels last) as ONNX's [out, in, k...].</summary>
    private static float[] ConvolutionKernel(float[] source, int[] kernel, int inChannels, int filters)
    {
        int taps = 1;
        foreach (int k in kernel) taps *= k;
        var weights = new float[source.Length];
        for (int t = 0; t < taps; t++)
            for (int i = 0; i < inChannels; i++)
                for (int o = 0; o < filters; o++)
                    weights[(o * inChannels + i) * taps + t] = source[(t * inChannels + i) * filters + o];
        return weights;
    }

    /// <summary>The model's pads [top, bottom, left, right] (or [before, after]) as ONNX's [top, left, bottom, right] (or the same).</summary>
    private static int[] OnnxPads(int[] pads) => pads.Length == 4 ? [pads[0], pads[2], pads[1], pads[3]] : pads;

    // ---- Protobuf.

    private void Node(string op, string name, string[] inputs, string output, LayerInfo? layer, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        if (layer is not null) node.DocString = layer.Arguments.Count == 0 ? layer.Type : $"{layer.Type}: {layer.Arguments}";
        _graph.Node.Add(node);
    }

    private string Floats(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        if (BitConverter.IsLittleEndian) tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan()));
        else tensor.FloatData.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    private string Floats(string name, int[] dims, float[] values) => Floats(name, dims.Select(d => (long)d).ToArray(), values);

    private string ScalarFloat(string name, float value) => Floats(name, Array.Empty<long>(), [value]);

    private string Int64s(string name, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Ints(string name, int[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values.Select(v => (long)v));
        return attribute;
    }

    /// <summary>The model's shape (channels last, no batch) as ONNX's without the batch: [C, H, W], [C, L] or [F].</summary>
    internal static int[] Nchw(int[] shape) => shape.Length == 1 ? shape : [shape[^1], .. shape[..^1]];

    private static ValueInfoProto ValueInfo(string name, int[] shape)
    {
        var dims = new TensorShapeProto();
        dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        foreach (int d in Nchw(shape)) dims.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = dims } },
        };
    }
}
