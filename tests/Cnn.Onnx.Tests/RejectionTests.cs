namespace Cnn.Onnx.Tests;

/// <summary>What the layers cannot express is reported all at once, each with node name, operator and why; nothing is written.</summary>
public sealed class RejectionTests
{
    internal static ImportResult Import(byte[] onnx) => OnnxImporter.Import(onnx, "bad.onnx", new ImportOptions("Bad"));

    internal static void AssertProblem(ImportResult result, string node, string op, string why)
    {
        Assert.False(result.Succeeded);
        Assert.Equal("", result.Source);
        Assert.Empty(result.Weights);
        Assert.True(result.Problems.Any(p => p.NodeName == node && p.OpType == op && p.Why.Contains(why, StringComparison.Ordinal)),
            $"no problem {node} ({op}) '{why}' in:\n{string.Join("\n", result.Problems)}");
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4, 8, 8);
        string grouped = g.Node("Conv", [x, g.Weights("gw", [4, 2, 3, 3])], "grouped", ("group", 2L));
        string r = g.Node("Relu", [x], "relu");
        string t = g.Node("Transpose", [r], "nhwc", ("perm", new long[] { 0, 2, 3, 1 }));
        string mul = g.Node("Mul", [r, r], "attention");
        string bias = g.Node("Add", [r, g.Weights("c", [1, 4, 1, 1])], "broadcast");
        string clip = g.Node("Clip", [r, g.Scalar("lo", -1), g.Scalar("hi", 1)], "hardtanh");
        string pool = g.Node("MaxPool", [x], "pool", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        string soft = g.Node("Softmax", [r], "softmax", ("axis", 1L));
        string sum = g.Node("Add", [grouped, t], "after_unknown");
        string all = g.Node("Concat", [sum, mul, bias, clip, pool, soft], "cat", ("axis", 1L));
        ImportResult result = Import(g.Build(all));
        AssertProblem(result, "grouped", "Conv", "grouped convolution (2 groups of 2 channels) that is not depthwise");
        AssertProblem(result, "nhwc", "Transpose", "transposing a tensor has no layer");
        AssertProblem(result, "attention", "Mul", "Mul of computed tensors has no layer");
        AssertProblem(result, "broadcast", "Add", "has a layer only as the bias right after a MatMul");
        AssertProblem(result, "hardtanh", "Clip", "Clip(-1, 1) has no layer");
        AssertProblem(result, "pool", "MaxPool", "zero padding equals that only after a ReLU");
        AssertProblem(result, "softmax", "Softmax", "the Softmax layer works on a vector");
        // A supported node after a failed one is not blamed for its input.
        Assert.DoesNotContain(result.Problems, p => p.NodeName is "after_unknown" or "cat");
        Assert.Equal(7, result.Problems.Count);
    }

    [Fact]
    public void DynamicAndUnsupportedInputs()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", null, 3, null, 32);
        ImportResult result = Import(g.Build(g.Node("Relu", [x], "relu")));
        AssertProblem(result, "x", "input", "axis 2 of the input is dynamic ('d2')");

        var five = new GraphBuilder();
        ImportResult rank5 = Import(five.Build(five.Node("Relu", [five.Input("x", 1, 2, 3, 4, 5)], "relu")));
        AssertProblem(rank5, "x", "input", "rank 5");

        var two = new GraphBuilder();
        string a = two.Input("a", 1, 4), b = two.Input("b", 1, 4);
        AssertProblem(Import(two.Build(two.Node("Add", [a, b], "sum"))), "a, b", "input", "the graph has 2 inputs");
    }

    [Fact]
    public void ShapesTheLayersCannotHold()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4, 10);
        string dw = g.Node("Conv", [x, g.Weights("w", [4, 1, 3])], "dw1d", ("group", 4L));
        AssertProblem(Import(g.Build(dw)), "dw1d", "Conv", "a depthwise 1-D convolution");

        var pads = new GraphBuilder();
        string c = pads.Node("Conv", [pads.Input("x", 1, 2, 10), pads.Weights("w", [2, 2, 3])], "asym", ("pads", new long[] { 1, 0 }));
        AssertProblem(Import(pads.Build(c)), "asym", "Conv", "there is no ZeroPadding1D layer");

        var dil = new GraphBuilder();
        string d = dil.Node("Conv", [dil.Input("x", 1, 2, 9, 9), dil.Weights("w", [2, 2, 3, 3])], "ds", ("dilations", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        AssertProblem(Import(dil.Build(d)), "ds", "Conv", "a layer takes a dilation above 1 only with stride 1");

        var flat = new GraphBuilder();
        string f = flat.Node("Flatten", [flat.Input("x", 1, 2, 3, 3)], "flat");
        AssertProblem(Import(flat.Build(f)), "t0", "output", "flattened 2x3x3 map");

        var reshape = new GraphBuilder();
        string rs = reshape.Node("Reshape", [reshape.Input("x", 1, 2, 3, 4), reshape.Ints("shape", 1, 6, 4)], "rs");
        AssertProblem(Import(reshape.Build(rs)), "rs", "Reshape", "only the reshape to [N, features]");

        var ceil = new GraphBuilder();
        string ap = ceil.Node("AveragePool", [ceil.Input("x", 1, 2, 8, 8)], "ap", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        AssertProblem(Import(ceil.Build(ap)), "ap", "AveragePool", "average pooling that does not count the padding matches only TensorFlow's SAME");

        var strides = new GraphBuilder();
        string mp = strides.Node("MaxPool", [strides.Input("x", 1, 2, 8, 8)], "mp", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 1, 2 }));
        AssertProblem(Import(strides.Build(mp)), "mp", "MaxPool", "a pooling layer has one Stride");

        var training = new GraphBuilder();
        string bn = training.Node("BatchNormalization", [training.Input("x", 1, 2, 3, 3), training.Weights("s", [2]), training.Weights("b", [2]), training.Weights("m", [2]), training.Weights("v", [2], offset: 2)], "bn", ("training_mode", 1L));
        AssertProblem(Import(training.Build(bn)), "bn", "BatchNormalization", "export the model in eval mode");

        var domain = new GraphBuilder();
        string custom = domain.Node("Relu", [domain.Input("x", 1, 4)], "custom");
        domain.Model.Graph.Node[0].Domain = "com.microsoft";
        AssertProblem(Import(domain.Build(custom)), "custom", "Relu", "domain 'com.microsoft'");

        var identity = new GraphBuilder();
        string id = identity.Node("Identity", [identity.Input("x", 1, 4)], "id");
        AssertProblem(Import(identity.Build(id)), "t0", "output", "the output is the input itself");
    }

    [Fact]
    public void FloatSixtyFourAndSixteenWeightsAreConvertedWithANote()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 3);
        var w = new TensorProto { Name = "w", DataType = 11, Dims = { 3, 2 }, DoubleData = { 0.5, -1, 2, 0.25, 1e-3, 3 } };
        var b = new TensorProto { Name = "b", DataType = 10, Dims = { 2 }, Int32Data = { 0x3C00, 0xC000 } }; // 1.0, -2.0 as float16
        g.Initializer(w);
        g.Initializer(b);
        ImportResult result = Import(g.Build(g.Node("Gemm", [x, "w", "b"], "fc")));
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        Assert.Contains("initializer 'w' converted from double to float32", result.Notes);
        Assert.Contains("initializer 'b' converted from float16 to float32", result.Notes);
        SafeTensorsFile weights = SafeTensorsFile.Parse(result.Weights);
        Assert.Equal([0.5f, -1f, 2f, 0.25f, 1e-3f, 3f], weights.ReadSingles("fc.kernel"));
        Assert.Equal([1f, -2f], weights.ReadSingles("fc.bias"));
    }
}

/// <summary>Checks that go on past a node that cannot be imported, and weights given as graph inputs.</summary>
public sealed class ContinuationTests
{
    [Fact]
    public void NodesBehindAFailedOneAreStillChecked()
    {
        // EfficientNet's SiLU and squeeze-and-excitation: every Mul is listed, and the grouped convolution behind them.
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4, 6, 6);
        string silu = g.Node("Mul", [x, g.Node("Sigmoid", [x], "sig1")], "silu1");
        string gap = g.Node("GlobalAveragePool", [silu], "se_pool");
        string s = g.Node("Sigmoid", [g.Node("Conv", [gap, g.Weights("se_w", [4, 4, 1, 1])], "se_conv")], "se_sig");
        string scaled = g.Node("Mul", [silu, s], "se_scale");
        string grouped = g.Node("Conv", [scaled, g.Weights("gw", [4, 2, 3, 3])], "grouped", ("group", 2L));
        string swish = g.Node("HardSwish", [grouped], "hswish");
        ImportResult result = OnnxImporter.Import(g.Build(g.Node("Relu", [swish], "relu")), "se.onnx", new ImportOptions("Se"));
        Assert.Equal(["silu1 (Mul)", "se_scale (Mul)", "grouped (Conv)", "hswish (HardSwish)"], result.Problems.Select(p => $"{p.NodeName} ({p.OpType})"));
    }

    [Fact]
    public void WeightsGivenAsInputsAreBound()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 1, 5, 5), w = g.Input("W", 1, 1, 3, 3);
        byte[] onnx = g.Build(g.Node("Conv", [x, w], "conv"));
        Assert.Contains(OnnxImporter.Import(onnx, "conv.onnx", new ImportOptions("Conv")).Problems, p => p.Why.Contains("the graph has 2 inputs"));
        byte[] tensor = Google.Protobuf.MessageExtensions.ToByteArray(GraphBuilder.FloatTensor("", [1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        ImportResult bound = OnnxImporter.Import(OnnxImporter.BindInputs(onnx, "conv.onnx", new Dictionary<string, byte[]> { ["W"] = tensor }), "conv.onnx", new ImportOptions("Conv"));
        Assert.True(bound.Succeeded, string.Join("\n", bound.Problems));
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f], SafeTensorsFile.Parse(bound.Weights).ReadSingles("conv.kernel"));
        var e = Assert.Throws<CnnDataException>(() => OnnxImporter.BindInputs(onnx, "conv.onnx", new Dictionary<string, byte[]> { ["B"] = tensor }));
        Assert.Contains("the graph has no input 'B' to bind", e.Message);
    }

    /// <summary>
    /// After a node that failed, a Reshape to a rank other than 2 is still reported, and a reshape back to a fully known
    /// [N, C, H, W] gives its output that shape, so every channel shuffle of a chain is reported (ShuffleNet's).
    /// </summary>
    [Fact]
    public void ChannelShuffles_AfterAFailedOne_AreEachReported()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4, 3, 3);
        string y = x;
        for (int i = 0; i < 3; i++)
        {
            string split = g.Node("Reshape", [y, g.Ints($"five{i}", 1, 2, 2, 3, 3)], $"split{i}");
            string t = g.Node("Transpose", [split], $"swap{i}", ("perm", new long[] { 0, 2, 1, 3, 4 }));
            string back = g.Node("Reshape", [t, g.Ints($"four{i}", 1, 4, 3, 3)], $"back{i}");
            y = g.Node("Relu", [back], $"relu{i}");
        }
        string flat = g.Node("Reshape", [y, g.Ints("two", 1, 36)], "flat");
        ImportResult result = RejectionTests.Import(g.Build(g.Node("Gemm", [flat, g.Weights("w", [2, 36])], "fc", ("transB", 1L))));
        for (int i = 0; i < 3; i++)
        {
            RejectionTests.AssertProblem(result, $"split{i}", "Reshape", "only the reshape to [N, features] (a flatten) has a layer");
            RejectionTests.AssertProblem(result, $"swap{i}", "Transpose", "transposing a tensor has no layer");
        }
        Assert.Equal(6, result.Problems.Count);

        // A reshape of the unknown tensor to 3 axes other than the way back is reported too.
        var h = new GraphBuilder();
        string t2 = h.Node("Transpose", [h.Input("x", 1, 4, 3, 3)], "swap", ("perm", new long[] { 0, 2, 3, 1 }));
        string odd = h.Node("Reshape", [t2, h.Ints("shape", 1, 12, 3, 1, 1)], "odd");
        ImportResult second = RejectionTests.Import(h.Build(odd));
        RejectionTests.AssertProblem(second, "odd", "Reshape", "a Reshape of a tensor whose shape is unknown (a node before it failed) to [1, 12, 3, 1, 1]");
    }

    [Fact]
    public void MaxPoolIndices_ReduceOverAllAxes_AndAnEmptyBatch_AreNamedAsTheyAre()
    {
        var g = new GraphBuilder();
        string[] outs = g.NodeOutputs("MaxPool", [g.Input("x", 1, 2, 4, 4)], 2, "mp", ("kernel_shape", new long[] { 2, 2 }));
        g.Output(outs[0]);
        g.Output(outs[1]);
        RejectionTests.AssertProblem(RejectionTests.Import(g.Build(outs[0])), "mp", "MaxPool", $"the indices output of MaxPool ('{outs[1]}') is not supported");

        var r = new GraphBuilder();
        string mean = r.Node("ReduceMean", [r.Input("x", 1, 2, 4, 4)], "mean");
        RejectionTests.AssertProblem(RejectionTests.Import(r.Build(mean)), "mean", "ReduceMean", "a reduction over all axes (no axes given) of [1, 2, 4, 4]");

        var e = new GraphBuilder();
        string t = e.Node("Transpose", [e.Input("x", 0, 2, 4, 4)], "t", ("perm", new long[] { 0, 2, 3, 1 }));
        ImportResult empty = RejectionTests.Import(e.Build(e.Node("Reshape", [t, e.Ints("s", 0, 2, 4, 4, 1)], "rs")));
        Assert.Equal([0, 2, 4, 4], empty.OnnxInputShape);
    }
}
