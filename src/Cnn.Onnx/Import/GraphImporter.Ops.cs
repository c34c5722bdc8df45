using System.Globalization;
using Cnn.Onnx.Proto;

namespace Cnn.Onnx.Import;

/// <summary>One handler per operator: checks what the layers can express and adds the layers, or throws <see cref="NodeFailure"/>.</summary>
internal sealed partial class GraphImporter
{
    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    private void Import(NodeProto node)
    {
        switch (node.OpType)
        {
            case "Conv": Conv(); break;
            case "MaxPool" or "AveragePool": Pool(node.OpType == "MaxPool"); break;
            case "GlobalAveragePool": GlobalPool(isMax: false, keepDims: true); break;
            case "GlobalMaxPool": GlobalPool(isMax: true, keepDims: true); break;
            case "ReduceMean" or "ReduceMax": Reduce(node.OpType == "ReduceMax"); break;
            case "Gemm": Gemm(); break;
            case "MatMul": MatMul(); break;
            case "Add": Add(); break;
            case "Sum": Merge("Add", "add", "a Sum"); break;
            case "Relu" or "Clip" or "LeakyRelu" or "Sigmoid" or "Tanh" or "Softmax": Activation(); break;
            case "BatchNormalization": BatchNormalization(); break;
            case "Concat": Concat(); break;
            case "Flatten": Flatten(); break;
            case "Reshape": Reshape(); break;
            case "Squeeze" or "Unsqueeze": Squeeze(); break;
            case "Dropout" or "Identity": Alias(); break;
            case "Pad": Pad(); break;
            case "Shape": throw Fail("the shape is not known");
            case "Gather": Reorder(); break;
            case "Cast" or "Slice": throw Fail($"{node.OpType} of a computed tensor has no layer (only shape computations are folded)");
            default: throw Fail(Unsupported(node.OpType));
        }
    }

    // ---- geometry ----

    /// <summary>TensorFlow's SAME padding of one axis: the padding before and after.</summary>
    private static (long Before, long After) SamePads(long input, long kernel, long stride)
    {
        long output = (input + stride - 1) / stride;
        long total = Math.Max((output - 1) * stride + kernel - input, 0);
        return (total / 2, total - total / 2);
    }

    /// <summary>The padding of each spatial axis from <c>pads</c> or <c>auto_pad</c>.</summary>
    private (long[] Begin, long[] End) Pads(long[] input, long[] kernel, long[] stride)
    {
        int n = input.Length;
        string auto = String("auto_pad") ?? "NOTSET";
        var begin = new long[n];
        var end = new long[n];
        switch (auto)
        {
            case "NOTSET" or "":
                long[] pads = Ints("pads") ?? new long[2 * n];
                if (pads.Length != 2 * n) throw Fail($"pads {Dims(pads)} do not have {2 * n} values");
                if (pads.Any(p => p < 0)) throw Fail($"negative pads {Dims(pads)} (cropping) have no layer");
                for (int i = 0; i < n; i++) (begin[i], end[i]) = (pads[i], pads[n + i]);
                break;
            case "VALID":
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                for (int i = 0; i < n; i++)
                {
                    (long before, long after) = SamePads(input[i], kernel[i], stride[i]);
                    (begin[i], end[i]) = auto == "SAME_UPPER" ? (before, after) : (after, before);
                }
                break;
            default:
                throw Fail($"auto_pad '{auto}' is not an ONNX value");
        }
        return (begin, end);
    }

    private long[] SpatialInts(string name, int n, long fallback, string what)
    {
        long[] values = Ints(name) ?? Enumerable.Repeat(fallback, n).ToArray();
        if (values.Length != n) throw Fail($"{what} {Dims(values)} do not have {n} values");
        if (values.Any(v => v < 1 || v > int.MaxValue)) throw Fail($"{what} {Dims(values)} must be at least 1");
        return values;
    }

    private static void RequireSpatial(Value x, string what)
    {
        if (x.Layout == Layout.Vector)
            throw Fail($"{what} needs an image [N, C, H, W] or a sequence [N, C, L], but its input is {Dims(x.Shape)}" +
                (x.Shape.Length > 2 ? " after global pooling, which the model stores as a vector" : ""));
    }

    private long[] Spatial(Value x) => x.Shape[2..];

    private static long[] WithSpatial(Value x, long channels, long[] spatial) => [x.Shape[0], channels, .. spatial];

    // ---- convolution ----

    private void Conv()
    {
        Value x = ValueInput(0);
        Constant w = WeightsInput(1, "the weights");
        if (x.Layout == Layout.Vector && x.Shape.Length == w.Dims.Length && x.Shape.Skip(2).All(d => d == 1) && w.Dims.Skip(2).All(d => d == 1))
        {
            PointwiseOnVector(x, w);
            return;
        }
        RequireSpatial(x, "a convolution");
        float[] weights = w.Floats ?? throw Fail("the weights are not floating point");
        float[]? bias = OptionalConstant(2, "the bias") is { } b ? b.Floats ?? throw Fail("the bias is not floating point") : null;
        int n = x.Shape.Length - 2;
        if (w.Dims.Length != n + 2) throw Fail($"the weights have shape {Dims(w.Dims)}, not rank {n + 2}");
        long[] kernel = w.Dims[2..];
        if (Ints("kernel_shape") is { } ks && !ks.SequenceEqual(kernel)) throw Fail($"kernel_shape {Dims(ks)} differs from the weights' {Dims(kernel)}");
        long[] stride = SpatialInts("strides", n, 1, "strides");
        long[] dilation = SpatialInts("dilations", n, 1, "dilations");
        long[] effective = kernel.Select((k, i) => (k - 1) * dilation[i] + 1).ToArray();
        long[] input = Spatial(x);
        (long[] begin, long[] end) = Pads(input, effective, stride);
        long[] output = input.Select((v, i) => (v + begin[i] + end[i] - effective[i]) / stride[i] + 1).ToArray();
        if (input.Select((v, i) => v + begin[i] + end[i] - effective[i]).Any(v => v < 0))
            throw Fail($"the {string.Join("x", effective)} kernel is larger than the padded {string.Join("x", input)} input");
        _wouldBe = new Value(FailedLayer, WithSpatial(x, w.Dims[0], output), x.Layout);
        if (dilation.Any(d => d > 1) && stride.Any(s => s > 1)) throw Fail($"dilations {Dims(dilation)} with strides {Dims(stride)}: a layer takes a dilation above 1 only with stride 1 (as Keras)");
        if (kernel.Aggregate(1L, (a, k) => a * k) > 4096) throw Fail($"the {string.Join("x", kernel)} kernel has more than 4,096 cells, more than the generator unrolls");
        long group = Int("group", 1);
        long c = x.Channels, m = w.Dims[0];
        if (bias is not null && bias.Length != m) throw Fail($"the bias has {bias.Length} values for {m} filters");

        bool depthwise = group == c && c > 1;
        if (group != 1 && !depthwise)
            throw Fail($"a grouped convolution ({group} groups of {c / Math.Max(group, 1)} channels) that is not depthwise (group = channels = {c}) has no layer");
        if (!depthwise && w.Dims[1] != c) throw Fail($"the weights {Dims(w.Dims)} expect {w.Dims[1]} input channels, but the input has {c}");
        if (depthwise && (w.Dims[1] != 1 || m % c != 0)) throw Fail($"the depthwise weights {Dims(w.Dims)} do not fit {c} channels");
        if (dilation.Distinct().Count() > 1) throw Fail($"dilations {Dims(dilation)} differ per axis; a layer has one DilationRate");

        int source = x.Producer;
        bool zeros = begin.All(p => p == 0) && end.All(p => p == 0);
        bool same = !zeros && input.Select((v, i) => SamePads(v, effective[i], stride[i]) == (begin[i], end[i])).All(s => s);
        if (String("auto_pad") == "SAME_UPPER") same = true;
        // Same padding that pads nothing (a 1x1 kernel, ...) is Valid to the graph; the export's doc string tells them apart.
        if (zeros && DocSays("padding=Same") && input.Select((v, i) => SamePads(v, effective[i], stride[i]) == (0, 0)).All(s => s)) same = true;
        string? padding = same ? "Padding.Same" : null;

        if (n == 1)
        {
            if (depthwise) throw Fail($"a depthwise 1-D convolution (group = channels = {c}) has no layer");
            if (!zeros && !same)
            {
                if (begin[0] == effective[0] - 1 && end[0] == 0) padding = "Padding.Causal";
                else throw Fail($"pads {Dims([begin[0], end[0]])} are neither none, TensorFlow's SAME {Dims([SamePads(input[0], effective[0], stride[0]).Before, SamePads(input[0], effective[0], stride[0]).After])} nor causal; there is no ZeroPadding1D layer");
            }
            var conv = AddLayer("Conv1D", "conv1d", [source]);
            conv.Arguments.AddRange([I(m), I(kernel[0])]);
            if (stride[0] != 1) conv.Set("Stride", I(stride[0]));
            if (padding is not null) conv.Set("Padding", padding);
            if (dilation[0] != 1) conv.Set("DilationRate", I(dilation[0]));
            if (bias is null) conv.Set("UseBias", "false");
            // ONNX [M, C, k] -> Keras [k, C, M]
            var k1 = new float[weights.Length];
            for (int o = 0; o < m; o++)
                for (int ci = 0; ci < c; ci++)
                    for (int t = 0; t < kernel[0]; t++)
                        k1[(t * c + ci) * m + o] = weights[(o * c + ci) * kernel[0] + t];
            conv.Tensors.Add(("kernel", [(int)kernel[0], (int)c, (int)m], k1));
            if (bias is not null) conv.Tensors.Add(("bias", [(int)m], bias));
            conv.TakesActivation = true;
            SetOutput(new Value(IndexOf(conv), WithSpatial(x, m, output), Layout.Sequence));
            return;
        }

        if (!depthwise && zeros && kernel.All(k => k == 1) && stride.All(v => v == 1) && dilation.All(d => d == 1) && Separable(x, weights, bias, m, output))
            return;
        if (!zeros && !same)
            source = ZeroPadding(x, begin, end, "_pad");

        long kh = kernel[0], kw = kernel[1];
        LayerDraft layer;
        if (depthwise)
        {
            long multiplier = m / c;
            layer = AddLayer("DepthwiseConv2D", "depthwise_conv2d", [source]);
            layer.Arguments.AddRange(kh == kw ? [I(kh)] : [I(kh), I(kw)]);
            if (multiplier != 1) layer.Set("DepthMultiplier", I(multiplier));
            // ONNX [C·mult, 1, kh, kw] -> Keras depthwise_kernel [kh, kw, C, mult]; output channel ci·mult + j in both
            var dk = new float[weights.Length];
            for (int ci = 0; ci < c; ci++)
                for (int j = 0; j < multiplier; j++)
                    for (int y = 0; y < kh; y++)
                        for (int xx = 0; xx < kw; xx++)
                            dk[((y * kw + xx) * c + ci) * multiplier + j] = weights[((ci * multiplier + j) * kh + y) * kw + xx];
            layer.Tensors.Add(("depthwise_kernel", [(int)kh, (int)kw, (int)c, (int)multiplier], dk));
        }
        else
        {
            layer = AddLayer("Conv2D", "conv2d", [source]);
            layer.Arguments.AddRange(kh == kw ? [I(m), I(kh)] : [I(m), I(kh), I(kw)]);
            // ONNX [M, C, kh, kw] -> Keras kernel [kh, kw, C, M]
            var k2 = new float[weights.Length];
            for (int o = 0; o < m; o++)
                for (int ci = 0; ci < c; ci++)
                    for (int y = 0; y < kh; y++)
                        for (int xx = 0; xx < kw; xx++)
                            k2[((y * kw + xx) * c + ci) * m + o] = weights[((o * c + ci) * kh + y) * kw + xx];
            layer.Tensors.Add(("kernel", [(int)kh, (int)kw, (int)c, (int)m], k2));
        }
        if (stride[0] == stride[1]) { if (stride[0] != 1) layer.Set("Stride", I(stride[0])); }
        else { layer.Set("StrideHeight", I(stride[0])); layer.Set("StrideWidth", I(stride[1])); }
        if (padding is not null) layer.Set("Padding", padding);
        if (dilation[0] != 1) layer.Set("DilationRate", I(dilation[0]));
        if (bias is null) layer.Set("UseBias", "false");
        else layer.Tensors.Add(("bias", [(int)m], bias));
        layer.TakesActivation = true;
        SetOutput(new Value(IndexOf(layer), WithSpatial(x, m, output), Layout.Image));
    }

    /// <summary>
    /// The export's SeparableConv2D: a depthwise convolution without bias or activation, node <c>X/depthwise</c>, whose output
    /// only this 1x1 convolution, node <c>X</c>, reads. The two become one SeparableConv2D (pointwise kernel
    /// <c>[1, 1, C·M, F]</c>), the same computation; false when the pair is not that.
    /// </summary>
    private bool Separable(Value x, float[] weights, float[]? bias, long filters, long[] output)
    {
        if (x.Producer < 0 || _node.Name.Length == 0) return false;
        LayerDraft depthwise = _layers[x.Producer];
        if (depthwise.Kind != "DepthwiseConv2D" || depthwise.NodeName != _node.Name + "/depthwise" || depthwise.Activation is not null
            || depthwise.Tensors.Count != 1 || Uses(_node.Input[0]) != 1 || _graph.Output.Any(o => o.Name == _node.Input[0]))
            return false;
        long channels = x.Channels;
        var layer = new LayerDraft
        {
            Kind = "SeparableConv2D", BaseName = "separable_conv2d", NodeName = _node.Name, OpType = _node.OpType,
            WantedName = CSharpNames.LayerNameFrom(_node.Name), Sources = depthwise.Sources,
        };
        layer.Arguments.Add(I(filters));
        layer.Arguments.AddRange(depthwise.Arguments);
        foreach ((string name, string text) in depthwise.Named.Where(n => n.Name != "UseBias")) layer.Set(name, text);
        if (bias is null) layer.Set("UseBias", "false");
        layer.Tensors.Add(depthwise.Tensors[0]);
        // ONNX [F, C·M, 1, 1] -> Keras pointwise_kernel [1, 1, C·M, F]
        var pointwise = new float[weights.Length];
        for (int o = 0; o < filters; o++)
            for (int ci = 0; ci < channels; ci++)
                pointwise[ci * filters + o] = weights[o * channels + ci];
        layer.Tensors.Add(("pointwise_kernel", [1, 1, (int)channels, (int)filters], pointwise));
        if (bias is not null) layer.Tensors.Add(("bias", [(int)filters], bias));
        layer.TakesActivation = true;
        _layers[x.Producer] = layer;
        SetOutput(new Value(x.Producer, WithSpatial(x, filters, output), Layout.Image));
        return true;
    }

    /// <summary>
    /// A 1x1 convolution of the <c>[N, C, 1, 1]</c> that global pooling makes (squeeze-and-excitation, classifier heads):
    /// a Dense on the vector the model stores, kernel <c>[C, M]</c>.
    /// </summary>
    private void PointwiseOnVector(Value x, Constant w)
    {
        float[] weights = w.Floats ?? throw Fail("the weights are not floating point");
        float[]? bias = OptionalConstant(2, "the bias") is { } b ? b.Floats ?? throw Fail("the bias is not floating point") : null;
        long c = x.Channels, m = w.Dims[0];
        _wouldBe = new Value(FailedLayer, [x.Shape[0], m, .. x.Shape[2..]], Layout.Vector);
        if (Int("group", 1) != 1) throw Fail("a grouped 1x1 convolution of a pooled vector has no layer");
        if (w.Dims[1] != c) throw Fail($"the weights {Dims(w.Dims)} expect {w.Dims[1]} input channels, but the input has {c}");
        if ((Ints("pads") ?? []).Any(p => p != 0) || (Ints("strides") ?? []).Any(s => s != 1)) throw Fail("padding or striding a 1x1 map has no layer");
        if (bias is not null && bias.Length != m) throw Fail($"the bias has {bias.Length} values for {m} filters");
        // ONNX W[M, C, 1, 1] is the transposed Dense kernel.
        Dense(x with { Shape = [x.Shape[0], c] }, weights, transB: true, alpha: 1, c, m, bias, takesBias: false);
        SetOutput(_values[_node.Output[0]] with { Shape = [x.Shape[0], m, .. x.Shape[2..]] });
    }

    /// <summary>Adds a ZeroPadding2D layer in front of a convolution or pooling; returns its index.</summary>
    private int ZeroPadding(Value x, long[] begin, long[] end, string? suffix)
    {
        var pad = AddLayer("ZeroPadding2D", "zero_padding2d", [x.Producer], suffix);
        long t = begin[0], bo = end[0], l = begin[1], r = end[1];
        if (t == bo && t == l && t == r) pad.Arguments.Add(I(t));
        else if (t == bo && l == r) pad.Arguments.AddRange([I(t), I(l)]);
        else pad.Arguments.AddRange([I(t), I(bo), I(l), I(r)]);
        return IndexOf(pad);
    }

    // ---- pooling ----

    private void Pool(bool isMax)
    {
        Value x = ValueInput(0);
        RequireSpatial(x, "pooling");
        if (isMax && _node.Output.Count > 1 && _node.Output[1].Length > 0 && _consumers.ContainsKey(_node.Output[1]))
            throw Fail($"the indices output of MaxPool ('{_node.Output[1]}') is not supported");
        OnlyFirstOutput();
        int n = x.Shape.Length - 2;
        long[] kernel = SpatialInts("kernel_shape", n, 0, "kernel_shape");
        long[] stride = SpatialInts("strides", n, 1, "strides");
        if (isMax && Ints("dilations") is { } dil && dil.Any(d => d != 1)) throw Fail($"dilated max pooling ({Dims(dil)}) has no layer");
        bool ceil = Int("ceil_mode", 0) != 0;
        bool countPad = !isMax && Int("count_include_pad", 0) != 0;
        long[] input = Spatial(x);
        (long[] begin, long[] end) = Pads(input, kernel, stride);
        if (begin.Select((b, i) => b >= kernel[i] || end[i] >= kernel[i]).Any(v => v)) throw Fail($"pads {Dims([.. begin, .. end])} as large as the window");
        var output = new long[n];
        for (int i = 0; i < n; i++)
        {
            long span = input[i] + begin[i] + end[i] - kernel[i];
            if (span < 0) throw Fail($"the {string.Join("x", kernel)} window is larger than the padded {string.Join("x", input)} input");
            output[i] = (ceil ? (span + stride[i] - 1) / stride[i] : span / stride[i]) + 1;
            // A window that would start in the padding after the input is dropped (ceil_mode, as PyTorch and ONNX Runtime).
            if (ceil && (output[i] - 1) * stride[i] >= input[i] + begin[i]) output[i]--;
        }
        bool valid = true, same = true, zeroPad = true;
        var padEnd = new long[n];
        for (int i = 0; i < n; i++)
        {
            (long sb, long se) = SamePads(input[i], kernel[i], stride[i]);
            valid &= begin[i] == 0 && output[i] == (input[i] - kernel[i]) / stride[i] + 1;
            same &= begin[i] == sb && output[i] == (input[i] + stride[i] - 1) / stride[i] && (!countPad || sb + se == 0);
            padEnd[i] = Math.Max(0, (output[i] - 1) * stride[i] + kernel[i] - input[i] - begin[i]);
            zeroPad &= isMax ? x.NonNegative : countPad && padEnd[i] <= end[i];
        }
        string kind = isMax ? "max" : "average";
        string? padding = null;
        int source = x.Producer;
        if (valid && same && DocSays("padding=Same")) padding = "Padding.Same"; // Same padding that pads nothing: the export's doc string says which
        if (!valid)
        {
            if (same) padding = "Padding.Same";
            else if (zeroPad && n == 2) source = ZeroPadding(x, begin, padEnd, "_pad");
            else
            {
                string why = isMax
                    ? "max pooling pads with -infinity, and zero padding equals that only after a ReLU (the input here may be negative)"
                    : countPad ? "average pooling counting the padding needs zero padding inside the pads" : "average pooling that does not count the padding matches only TensorFlow's SAME";
                throw Fail($"{kind} pooling {string.Join("x", kernel)} stride {Dims(stride)} pads {Dims([.. begin, .. end])}{(ceil ? " ceil_mode" : "")} on {string.Join("x", input)} " +
                    $"gives {string.Join("x", output)}, which is neither valid, TensorFlow's SAME{(n == 2 ? " nor zero padding then valid" : "")}: {why}{(n == 1 ? "; there is no ZeroPadding1D layer" : "")}");
            }
        }
        if (n == 1)
        {
            var pool1 = AddLayer(isMax ? "MaxPool1D" : "AvgPool1D", isMax ? "max_pooling1d" : "average_pooling1d", [source]);
            pool1.Arguments.Add(I(kernel[0]));
            if (stride[0] != kernel[0]) pool1.Set("Stride", I(stride[0]));
            if (padding is not null) pool1.Set("Padding", padding);
            SetOutput(new Value(IndexOf(pool1), WithSpatial(x, x.Channels, output), Layout.Sequence) { NonNegative = x.NonNegative });
            return;
        }
        bool defaultStride = stride[0] == kernel[0] && stride[1] == kernel[1];
        if (!defaultStride && stride[0] != stride[1])
            throw Fail($"strides {Dims(stride)} differ per axis and from the window {Dims(kernel)}; a pooling layer has one Stride");
        var pool = AddLayer(isMax ? "MaxPool2D" : "AvgPool2D", isMax ? "max_pooling2d" : "average_pooling2d", [source]);
        pool.Arguments.AddRange(kernel[0] == kernel[1] ? [I(kernel[0])] : [I(kernel[0]), I(kernel[1])]);
        if (!defaultStride) pool.Set("Stride", I(stride[0]));
        if (padding is not null) pool.Set("Padding", padding);
        SetOutput(new Value(IndexOf(pool), WithSpatial(x, x.Channels, output), Layout.Image) { NonNegative = x.NonNegative });
    }

    private void GlobalPool(bool isMax, bool keepDims)
    {
        Value x = ValueInput(0);
        RequireSpatial(x, "global pooling");
        bool image = x.Layout == Layout.Image;
        string kind = (isMax ? "GlobalMaxPooling" : "GlobalAveragePooling") + (image ? "2D" : "1D");
        string baseName = (isMax ? "global_max_pooling" : "global_average_pooling") + (image ? "2d" : "1d");
        var layer = AddLayer(kind, baseName, [x.Producer]);
        long[] shape = keepDims ? [x.Shape[0], x.Channels, .. Enumerable.Repeat(1L, x.Shape.Length - 2)] : [x.Shape[0], x.Channels];
        SetOutput(new Value(IndexOf(layer), shape, Layout.Vector) { NonNegative = x.NonNegative });
    }

    private void Reduce(bool isMax)
    {
        Value x = ValueInput(0);
        long[]? axes = _opset >= 18 ? (OptionalConstant(1, "the axes") is { } a ? Integers(a) : null) : Ints("axes");
        int rank = x.Shape.Length;
        var set = (axes ?? Enumerable.Range(0, rank).Select(i => (long)i).ToArray()).Select(v => v < 0 ? v + rank : v).ToHashSet();
        bool keepDims = Int("keepdims", 1) != 0;
        if (x.Layout == Layout.Vector || !set.SetEquals(Enumerable.Range(2, rank - 2).Select(i => (long)i)))
            throw Fail($"a reduction over {(axes is null ? "all axes (no axes given)" : "axes " + Dims(axes))} of {Dims(x.Shape)}: only the spatial axes (global pooling) have a layer");
        GlobalPool(isMax, keepDims);
    }

    // ---- dense ----

    private void Gemm()
    {
        Value a = ValueInput(0);
        if (a.Layout != Layout.Vector || a.Shape.Length != 2) throw Fail($"Gemm needs a matrix [N, features], but its input is {Dims(a.Shape)}: flatten it first");
        if (Int("transA", 0) != 0) throw Fail("transA = 1 would multiply across the batch");
        Constant b = WeightsInput(1, "B (the weights)");
        float[] bw = b.Floats ?? throw Fail("the weights are not floating point");
        if (b.Dims.Length != 2) throw Fail($"B has shape {Dims(b.Dims)}, not a matrix");
        bool transB = Int("transB", 0) != 0;
        float alpha = Float("alpha", 1), beta = Float("beta", 1);
        long k = transB ? b.Dims[1] : b.Dims[0], units = transB ? b.Dims[0] : b.Dims[1];
        if (k != a.Shape[1]) throw Fail($"B {Dims(b.Dims)}{(transB ? " transposed" : "")} takes {k} features, but the input has {a.Shape[1]}");
        float[]? bias = null;
        if (OptionalConstant(2, "C (the bias)") is { } cst)
        {
            float[] cv = cst.Floats ?? throw Fail("the bias is not floating point");
            if (cst.Count == units && (cst.Dims.Length == 1 || cst.Dims.Length == 2 && cst.Dims[0] == 1)) bias = cv.Select(v => beta * v).ToArray();
            else if (cst.Count == 1) bias = Enumerable.Repeat(beta * cv[0], (int)units).ToArray();
            else throw Fail($"the bias C has shape {Dims(cst.Dims)}; per-sample biases have no layer (it must be [{units}] or [1, {units}])");
        }
        Dense(a, bw, transB, alpha, k, units, bias, takesBias: false);
    }

    private void MatMul()
    {
        Value a = ValueInput(0);
        if (a.Layout != Layout.Vector || a.Shape.Length != 2) throw Fail($"MatMul needs a matrix [N, features], but its input is {Dims(a.Shape)}");
        Constant b = WeightsInput(1, "the weights");
        float[] bw = b.Floats ?? throw Fail("the weights are not floating point");
        if (b.Dims.Length != 2 || b.Dims[0] != a.Shape[1]) throw Fail($"the weights {Dims(b.Dims)} do not take {a.Shape[1]} features");
        Dense(a, bw, false, 1, b.Dims[0], b.Dims[1], null, takesBias: true);
    }

    private void Dense(Value a, float[] b, bool transB, float alpha, long k, long units, float[]? bias, bool takesBias)
    {
        var layer = AddLayer("Dense", "dense", [a.Producer]);
        layer.Arguments.Add(I(units));
        if (bias is null) layer.Set("UseBias", "false");
        // Keras kernel [in, units]; the row of stored input j is the ONNX row order[j] (CHW -> HWC after a Flatten).
        int[] order = a.VectorOrder();
        var kernel = new float[k * units];
        for (int j = 0; j < k; j++)
            for (int u = 0; u < units; u++)
                kernel[j * units + u] = alpha * (transB ? b[u * k + order[j]] : b[order[j] * units + u]);
        layer.Tensors.Add(("kernel", [(int)k, (int)units], kernel));
        if (bias is not null) layer.Tensors.Add(("bias", [(int)units], bias));
        layer.TakesActivation = true;
        layer.TakesBias = takesBias && Uses(_node.Output[0]) == 1;
        SetOutput(new Value(IndexOf(layer), [a.Shape[0], units], Layout.Vector));
    }

    // ---- element-wise ----

    private void Add()
    {
        if (_node.Input.Count != 2) throw Fail("Add takes two inputs");
        bool c0 = _constants.ContainsKey(_node.Input[0]), c1 = _constants.ContainsKey(_node.Input[1]);
        if (c0 || c1)
        {
            Value x = ValueInput(c0 ? 1 : 0);
            Constant c = _constants[_node.Input[c0 ? 0 : 1]];
            LayerDraft? dense = x.Producer >= 0 ? _layers[x.Producer] : null;
            if (dense is not { TakesBias: true } || x.Shape.Length != 2)
                throw Fail($"adding the constant '{_node.Input[c0 ? 0 : 1]}' {Dims(c.Dims)} has a layer only as the bias right after a MatMul");
            long units = x.Shape[1];
            float[] cv = c.Floats ?? throw Fail("the bias is not floating point");
            float[] bias = c.Count == units && (c.Dims.Length == 1 || c.Dims.Length == 2 && c.Dims[0] == 1) ? cv
                : c.Count == 1 ? Enumerable.Repeat(cv[0], (int)units).ToArray()
                : throw Fail($"the bias {Dims(c.Dims)} is not [{units}]");
            dense.Named.RemoveAll(n => n.Name == "UseBias");
            dense.Tensors.Add(("bias", [(int)units], bias));
            dense.TakesBias = false;
            SetOutput(x);
            return;
        }
        Merge("Add", "add", "an Add");
    }

    private void Merge(string kind, string baseName, string what)
    {
        var inputs = Enumerable.Range(0, _node.Input.Count).Select(i => ValueInput(i, $"input {i}")).ToList();
        Value first = inputs[0];
        if (inputs.Count < 2)
        {
            SetOutput(first);
            _notes.Add($"{_node.OpType} '{_node.Name}' of one input dropped");
            return;
        }
        if (inputs.Any(v => v.Layout != first.Layout || v.Shape.Length != first.Shape.Length))
            throw Fail($"{what} of {string.Join(" and ", inputs.Select(v => Dims(v.Shape)))}: the inputs must have the same rank");
        if (kind == "Add")
        {
            if (inputs.Any(v => !v.Shape.Skip(1).SequenceEqual(first.Shape.Skip(1))))
                throw Fail($"a broadcasting Add of {string.Join(" and ", inputs.Select(v => Dims(v.Shape)))}: the Add layer needs equal shapes");
            if (inputs.Any(v => !(v.FlattenedFrom ?? []).SequenceEqual(first.FlattenedFrom ?? [])))
                throw Fail("an Add of vectors flattened in different orders");
        }
        else if (inputs.Any(v => v.FlattenedFrom is not null))
            throw Fail("a Concat of flattened images, which channels_last flattens in another order than ONNX");
        var layer = AddLayer(kind, baseName, inputs.Select(v => v.Producer).ToArray(), isMerge: true);
        long channels = kind == "Add" ? first.Channels : inputs.Sum(v => v.Channels);
        SetOutput(new Value(IndexOf(layer), [first.Shape[0], channels, .. first.Shape[2..]], first.Layout)
        {
            FlattenedFrom = first.FlattenedFrom,
            NonNegative = inputs.All(v => v.NonNegative),
        });
    }

    private void Concat()
    {
        Value first = ValueInput(0);
        long axis = Int("axis", 1);
        int rank = first.Shape.Length;
        if (axis < 0) axis += rank;
        if (axis != 1) throw Fail($"a Concat along axis {axis} of {Dims(first.Shape)}: only the channel axis (1) has a layer");
        var inputs = Enumerable.Range(0, _node.Input.Count).Select(i => ValueInput(i, $"input {i}")).ToList();
        if (inputs.Any(v => !v.Shape.Skip(2).SequenceEqual(first.Shape.Skip(2)) || v.Shape.Length != rank))
            throw Fail($"a Concat of {string.Join(" and ", inputs.Select(v => Dims(v.Shape)))}: all but the channels must be equal");
        Merge("Concatenate", "concatenate", "a Concat");
    }

    private void Activation()
    {
        Value x = ValueInput(0);
        string op = _node.OpType;
        // What the activation is: a standalone layer (kind, arguments), and the Activation enum member when it folds.
        string kind, baseName;
        string? fold = null;
        var named = new List<(string, string)>();
        var arguments = new List<string>();
        bool nonNegative = false;
        switch (op)
        {
            case "Relu":
                (kind, baseName, fold, nonNegative) = ("ReLU", "re_lu", "ReLU", true);
                break;
            case "LeakyRelu":
            {
                float alpha = Float("alpha", 0.01f);
                if (alpha < 0) throw Fail($"alpha {FloatNumber(alpha)} is negative; LeakyReLU takes a slope of at least 0");
                if (DocIsLayer("ReLU"))
                {
                    // The export's ReLU(NegativeSlope = a): the same function as LeakyReLU(a), named as it was.
                    (kind, baseName) = ("ReLU", "re_lu");
                    named.Add(("NegativeSlope", FloatNumber(alpha)));
                }
                else
                {
                    (kind, baseName) = ("LeakyReLU", "leaky_re_lu");
                    arguments.Add(FloatNumber(alpha));
                }
                break;
            }
            case "Clip":
            {
                float min, max;
                if (_opset >= 11)
                {
                    min = OptionalConstant(1, "min") is { } lo ? (float)Scalar(lo, "min") : float.NegativeInfinity;
                    max = OptionalConstant(2, "max") is { } hi ? (float)Scalar(hi, "max") : float.PositiveInfinity;
                }
                else
                {
                    min = Float("min", float.NegativeInfinity);
                    max = Float("max", float.PositiveInfinity);
                }
                if (float.IsNegativeInfinity(min) && max >= 0 && !float.IsPositiveInfinity(max) && CappedLeaky(x, max)) return;
                if (min != 0 || !(max >= 0)) throw Fail($"Clip({FloatNumber(min)}, {FloatNumber(max)}) has no layer: only Clip(0, max) is a ReLU with MaxValue");
                (kind, baseName, nonNegative) = ("ReLU", "re_lu", true);
                if (max == 6) fold = "ReLU6";
                if (float.IsPositiveInfinity(max)) fold = "ReLU";
                else named.Add(("MaxValue", FloatNumber(max)));
                break;
            }
            case "Sigmoid":
                (kind, baseName, fold, nonNegative) = ("Sigmoid", "activation", "Sigmoid", true);
                break;
            case "Tanh":
                (kind, baseName, fold) = ("Tanh", "activation", "Tanh");
                break;
            default: // Softmax
            {
                long axis = Int("axis", _opset >= 13 ? -1 : 1);
                int rank = x.Shape.Length;
                if (axis < 0) axis += rank;
                bool overChannels = x.Layout == Layout.Vector && (_opset >= 13
                    ? axis == 1 && x.Shape.Skip(2).All(d => d == 1) || axis == rank - 1 && rank == 2
                    : axis == 1);
                if (!overChannels)
                    throw Fail($"a Softmax over axis {axis} of {Dims(x.Shape)}: the Softmax layer works on a vector [N, features] (over axis 1)");
                (kind, baseName, fold, nonNegative) = ("Softmax", "softmax", "Softmax", true);
                break;
            }
        }
        if (fold is not null && x.Producer >= 0 && CanFold(x, fold))
        {
            LayerDraft producer = _layers[x.Producer];
            producer.Activation = fold;
            producer.TakesActivation = false;
            producer.TakesBias = false;
            SetOutput(x with { NonNegative = nonNegative });
            return;
        }
        var layer = AddLayer(kind, baseName, [x.Producer]);
        layer.Arguments.AddRange(arguments);
        foreach ((string name, string text) in named) layer.Set(name, text);
        SetOutput(new Value(IndexOf(layer), x.Shape, x.Layout) { FlattenedFrom = x.FlattenedFrom, NonNegative = nonNegative });
    }

    /// <summary>
    /// A Clip with no minimum after a leaky ReLU whose output goes nowhere else (the export's ReLU with NegativeSlope and
    /// MaxValue): x &lt; 0 ? a·x : min(x, max), which is ReLU(NegativeSlope = a, MaxValue = max) since a, max ≥ 0. The
    /// leaky layer becomes that ReLU; false when the Clip does not follow one.
    /// </summary>
    private bool CappedLeaky(Value x, float max)
    {
        if (x.Producer < 0 || Uses(_node.Input[0]) != 1 || _graph.Output.Any(o => o.Name == _node.Input[0])) return false;
        LayerDraft leaky = _layers[x.Producer];
        string? slope = leaky.Kind == "LeakyReLU" && leaky.Arguments.Count == 1 ? leaky.Arguments[0]
            : leaky.Kind == "ReLU" && leaky.Named.Count == 1 && leaky.Named[0].Name == "NegativeSlope" ? leaky.Named[0].Text : null;
        if (slope is null) return false;
        var layer = new LayerDraft
        {
            Kind = "ReLU", BaseName = "re_lu", NodeName = leaky.NodeName, OpType = leaky.OpType, WantedName = leaky.WantedName, Sources = leaky.Sources,
        };
        layer.Set("NegativeSlope", slope);
        layer.Set("MaxValue", FloatNumber(max));
        _layers[x.Producer] = layer;
        SetOutput(x with { NonNegative = false });
        return true;
    }

    /// <summary>
    /// Whether the activation node folds into the layer that makes its input (<c>Activation =</c>): that layer takes one,
    /// its output goes nowhere else, and the node is unnamed or named after it (<c>conv2d/Relu</c>, <c>conv2d_relu</c>),
    /// as an exporter names the activation of one layer; an activation named on its own stays a layer.
    /// </summary>
    private bool CanFold(Value x, string fold)
    {
        LayerDraft producer = _layers[x.Producer];
        if (!producer.TakesActivation || producer.Activation is not null) return false;
        if (fold == "Softmax" && producer.Kind != "Dense") return false;
        if (Uses(_node.Input[0]) != 1 || _graph.Output.Any(o => o.Name == _node.Input[0])) return false;
        string name = _node.Name, owner = producer.NodeName;
        return name.Length == 0 || owner.Length > 0 && name.Length > owner.Length && name.StartsWith(owner, StringComparison.Ordinal) && name[owner.Length] is '/' or '_' or '.' or ':';
    }

    private void BatchNormalization()
    {
        Value x = ValueInput(0);
        OnlyFirstOutput();
        if (Int("training_mode", 0) != 0) throw Fail("training_mode = 1 normalizes with the batch's statistics; export the model in eval mode");
        if (Int("spatial", 1) != 1) throw Fail("spatial = 0 (statistics per pixel) has no layer");
        float[] scale = FloatsOf(1, "the scale"), offset = FloatsOf(2, "the bias"), mean = FloatsOf(3, "the mean"), variance = FloatsOf(4, "the variance");
        // The channel axis is ONNX axis 1 for every layout (a vector from global pooling keeps its 1x1 axes).
        int c = x.Channels;
        if (new[] { scale, offset, mean, variance }.Any(t => t.Length != c))
            throw Fail($"the statistics do not have one value per channel ({c})");
        float epsilon = Float("epsilon", 1e-5f), momentum = Float("momentum", 0.9f);
        var layer = AddLayer("BatchNormalization", "batch_normalization", [x.Producer]);
        if (momentum != 0.99f) layer.Set("Momentum", FloatNumber(momentum));
        if (epsilon != 0.001f) layer.Set("Epsilon", FloatNumber(epsilon));
        // The export's stand-ins for a layer without Scale or Center: ones named name/unit_scale, zeros named name/zero_offset.
        bool StandIn(int index, string part, float fill, float[] values) =>
            _node.Name.Length > 0 && _node.Input[index] == _node.Name + "/" + part && values.All(v => v == fill);
        bool scaled = !StandIn(1, "unit_scale", 1f, scale), centered = !StandIn(2, "zero_offset", 0f, offset);
        if (!centered) layer.Set("Center", "false");
        if (!scaled) layer.Set("Scale", "false");
        int[] order = x.Layout == Layout.Vector ? x.VectorOrder() : Enumerable.Range(0, c).ToArray();
        float[] Ordered(float[] v) => order.Select(i => v[i]).ToArray();
        if (scaled) layer.Tensors.Add(("gamma", [c], Ordered(scale)));
        if (centered) layer.Tensors.Add(("beta", [c], Ordered(offset)));
        layer.Tensors.Add(("moving_mean", [c], Ordered(mean)));
        layer.Tensors.Add(("moving_variance", [c], Ordered(variance)));
        SetOutput(new Value(IndexOf(layer), x.Shape, x.Layout) { FlattenedFrom = x.FlattenedFrom });
    }

    // ---- shapes ----

    private void Flatten()
    {
        Value x = ValueInput(0);
        long axis = Int("axis", 1);
        if (axis < 0) axis += x.Shape.Length;
        if (axis != 1) throw Fail($"a Flatten at axis {axis} of {Dims(x.Shape)}: only axis 1 (keep the batch, flatten the rest) has a layer");
        FlattenTo(x);
    }

    /// <summary>Makes <paramref name="x"/> a vector <c>[N, rest]</c>: a Flatten layer for an image or sequence, nothing for a vector.</summary>
    private void FlattenTo(Value x)
    {
        long size = x.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        if (x.Layout == Layout.Vector)
        {
            SetOutput(x with { Shape = [x.Shape[0], size] });
            return;
        }
        var layer = AddLayer("Flatten", "flatten", [x.Producer]);
        long[] spatial = Spatial(x);
        bool ordersAgree = x.Channels == 1 || spatial.All(d => d == 1);
        int[]? from = ordersAgree ? null : [x.Channels, (int)spatial[0], spatial.Length > 1 ? (int)spatial[1] : 1];
        SetOutput(new Value(IndexOf(layer), [x.Shape[0], size], Layout.Vector) { FlattenedFrom = from, NonNegative = x.NonNegative });
    }

    private void Reshape()
    {
        Value x = ValueInput(0);
        Constant target = ConstantInput(1, "the shape");
        long[] dims = Integers(target);
        if (dims.Any(d => d == Dynamic)) throw Fail($"the target shape is computed from the batch size at run time ({Dims(dims)})");
        bool allowZero = Int("allowzero", 0) != 0;
        long size = x.Shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        var resolved = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            resolved[i] = dims[i] == 0 && !allowZero ? (i < x.Shape.Length ? (i == 0 ? Batch : x.Shape[i]) : throw Fail($"0 at axis {i} copies no axis")) : dims[i];
        int unknown = resolved.Count(d => d == -1);
        bool batchFirst = resolved.Length > 0 && (resolved[0] == Batch || resolved[0] == x.Shape[0] || resolved[0] == -1);
        if (resolved.Length == 2 && batchFirst && unknown <= 1 && (resolved[1] == size || resolved[1] == -1 && resolved[0] != -1 || resolved[0] == -1 && resolved[1] == size))
        {
            FlattenTo(x);
            return;
        }
        long[] kept = [x.Shape[0], .. x.Shape[1..]];
        if (resolved.Length == x.Shape.Length && resolved.Skip(1).SequenceEqual(x.Shape.Skip(1)) && batchFirst)
        {
            SetOutput(x);
            return;
        }
        throw Fail($"a Reshape of {Dims(kept)} to {Dims(dims)}: only the reshape to [N, features] (a flatten) has a layer");
    }

    private void Squeeze()
    {
        Value x = ValueInput(0);
        long[]? axes = _opset >= 13 ? (OptionalConstant(1, "the axes") is { } a ? Integers(a) : null) : Ints("axes");
        int rank = x.Shape.Length;
        if (_node.OpType == "Unsqueeze")
            throw Fail($"an Unsqueeze of the computed tensor {Dims(x.Shape)} has no layer");
        var remove = (axes ?? Enumerable.Range(0, rank).Where(i => i > 0 && x.Shape[i] == 1).Select(i => (long)i).ToArray())
            .Select(v => v < 0 ? v + rank : v).ToHashSet();
        if (remove.Any(i => i < 2 || i >= rank || x.Shape[i] != 1))
            throw Fail($"a Squeeze of axes {Dims(axes ?? [])} of {Dims(x.Shape)}: only size-1 spatial axes can go");
        long[] shape = x.Shape.Where((_, i) => !remove.Contains(i)).ToArray();
        if (shape.Length == 2) FlattenTo(x);
        else if (shape.Length == 3 && x.Layout == Layout.Image)
            throw Fail($"a Squeeze of {Dims(x.Shape)} to {Dims(shape)} (an image to a sequence) has no layer");
        else SetOutput(x with { Shape = shape });
    }

    private void Alias()
    {
        Value x = ValueInput(0);
        if (_node.OpType == "Dropout")
        {
            OnlyFirstOutput();
            if (OptionalConstant(2, "training_mode") is { } t && t.Count > 0 && t.Numbers.Any(v => v != 0)) throw Fail("training_mode = true drops values at inference");
            // The export's Dropout layer: named as the layer, writing the tensor of that name, its rate the constant name/ratio.
            // It stays a layer (the identity at inference, dropping at training); any other Dropout is dropped.
            if (_node.Name.Length > 0 && _node.Output[0] == _node.Name && _node.Input.Count >= 2 && _node.Input[1] == _node.Name + "/ratio"
                && OptionalConstant(1, "the ratio") is { Count: 1, Floats: [float rate] } && rate >= 0 && rate < 1)
            {
                var layer = AddLayer("Dropout", "dropout", [x.Producer]);
                layer.Arguments.Add(FloatNumber(rate));
                SetOutput(new Value(IndexOf(layer), x.Shape, x.Layout) { FlattenedFrom = x.FlattenedFrom, NonNegative = x.NonNegative });
                return;
            }
        }
        SetOutput(x);
        _notes.Add($"{_node.OpType} '{_node.Name}' dropped (the identity at inference)");
    }

    /// <summary>
    /// A Gather along axis 1 that puts a flattened image back in channels_last order (the export's <c>layer/reorder</c>,
    /// where a flattened image meets a vector of the model's order or ends the model): the vector the model stores, no layer.
    /// </summary>
    private void Reorder()
    {
        if (_node.Input.Count == 2 && _values.TryGetValue(_node.Input[0], out Value? x) && x.FlattenedFrom is not null && Int("axis", 0) == 1
            && _constants.TryGetValue(_node.Input[1], out Constant? indices) && indices is { Integers: { } picks, Dims.Length: 1 }
            && picks.SequenceEqual(x.VectorOrder().Select(i => (long)i)))
        {
            SetOutput(x with { FlattenedFrom = null });
            return;
        }
        throw Fail("Gather of a computed tensor has no layer (only shape computations are folded)");
    }

    private void Pad()
    {
        Value x = ValueInput(0);
        string mode = String("mode") ?? "constant";
        if (mode != "constant") throw Fail($"mode '{mode}' pads with other than zeros; only zero padding has a layer");
        long[] pads;
        float value = 0;
        if (_opset >= 11)
        {
            pads = Integers(ConstantInput(1, "the pads"));
            if (OptionalConstant(2, "the constant value") is { } v) value = (float)Scalar(v, "the constant value");
            if (OptionalConstant(3, "the axes") is { } axesConstant)
            {
                long[] axes = Integers(axesConstant);
                if (pads.Length != 2 * axes.Length) throw Fail($"pads {Dims(pads)} do not have two values per axis of {Dims(axes)}");
                var full = new long[2 * x.Shape.Length];
                for (int i = 0; i < axes.Length; i++)
                {
                    long axis = axes[i] < 0 ? axes[i] + x.Shape.Length : axes[i];
                    if (axis < 0 || axis >= x.Shape.Length) throw Fail($"axis {axes[i]} is out of range");
                    full[axis] = pads[i];
                    full[x.Shape.Length + axis] = pads[axes.Length + i];
                }
                pads = full;
            }
        }
        else
        {
            pads = Ints(_opset >= 2 ? "pads" : "paddings") ?? throw Fail("the pads are missing");
            value = Float("value", 0);
        }
        if (value != 0) throw Fail($"padding with {FloatNumber(value)}: only zero padding has a layer");
        int rank = x.Shape.Length;
        if (x.Layout != Layout.Image) throw Fail($"padding {Dims(x.Shape)}: only images have a padding layer (ZeroPadding2D)");
        if (pads.Length != 2 * rank) throw Fail($"pads {Dims(pads)} do not have {2 * rank} values");
        if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
            throw Fail($"pads {Dims(pads)} pad the batch or the channels; only the height and width have a layer");
        if (pads.Any(p => p < 0)) throw Fail($"negative pads {Dims(pads)} (cropping) have no layer");
        long[] begin = [pads[2], pads[3]], end = [pads[rank + 2], pads[rank + 3]];
        int index = ZeroPadding(x, begin, end, null);
        SetOutput(new Value(index, [x.Shape[0], x.Channels, x.Shape[2] + begin[0] + end[0], x.Shape[3] + begin[1] + end[1]], Layout.Image) { NonNegative = x.NonNegative });
    }
}
