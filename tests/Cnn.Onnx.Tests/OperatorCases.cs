namespace Cnn.Onnx.Tests;

/// <summary>
/// One small ONNX graph per operator mapping, with the attribute lines its import must contain. Every case also
/// compiles and matches ONNX Runtime (<see cref="OperatorTests.EveryCaseCompilesAndMatchesOnnxRuntime"/>).
/// </summary>
internal static class OperatorCases
{
    public sealed record Case(string Name, Func<byte[]> Build, params string[] Lines);

    private static string Conv(GraphBuilder g, string x, long cin, long cout, long k, string? name = null, bool bias = true, params (string, object)[] attributes)
    {
        string w = g.Weights($"w{Guid.NewGuid():N}", [cout, cin, k, k], scale: 0.5f);
        string[] inputs = bias ? [x, w, g.Weights($"b{Guid.NewGuid():N}", [cout], scale: 0.1f)] : [x, w];
        return g.Node("Conv", inputs, name, attributes);
    }

    public static readonly Case[] All =
    [
        new("ConvSameRelu", () =>
        {
            var g = new GraphBuilder();
            string c = Conv(g, g.Input("x", 1, 3, 8, 8), 3, 5, 3, "conv1", true, ("pads", new long[] { 1, 1, 1, 1 }));
            return g.Build(g.Node("Relu", [c], "conv1/Relu"));
        }, "[Model(8, 8, 3, Loss = Loss.MeanSquaredError)]", "[Conv2D(5, 3, Padding = Padding.Same, Activation = Activation.ReLU, Name = \"conv1\")]"),

        new("ConvStridedPadsNotSame", () =>
        {
            var g = new GraphBuilder();
            return g.Build(Conv(g, g.Input("x", 1, 2, 8, 8), 2, 4, 3, "c", true, ("pads", new long[] { 1, 1, 1, 1 }), ("strides", new long[] { 2, 2 })));
        }, "[ZeroPadding2D(1, Name = \"c_pad\")]", "[Conv2D(4, 3, Stride = 2, Name = \"c\")]"),

        new("ConvDilatedSame", () =>
        {
            var g = new GraphBuilder();
            return g.Build(Conv(g, g.Input("x", 1, 2, 9, 9), 2, 3, 3, null, true, ("pads", new long[] { 2, 2, 2, 2 }), ("dilations", new long[] { 2, 2 })));
        }, "[Conv2D(3, 3, Padding = Padding.Same, DilationRate = 2)]"),

        new("ConvRectangularNoBiasStrides", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", 1, 3, 7, 9);
            return g.Build(g.Node("Conv", [x, g.Weights("w", [4, 3, 2, 3])], "rect", ("strides", new long[] { 1, 2 })));
        }, "[Conv2D(4, 2, 3, StrideHeight = 1, StrideWidth = 2, UseBias = false, Name = \"rect\")]"),

        new("DepthwiseReLU6", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", 1, 4, 6, 6);
            string c = g.Node("Conv", [x, g.Weights("dw_w", [8, 1, 3, 3]), g.Weights("dw_b", [8])], "dw", ("group", 4L), ("pads", new long[] { 1, 1, 1, 1 }));
            return g.Build(g.Node("Clip", [c, g.Scalar("lo", 0), g.Scalar("hi", 6)], "dw/Clip"));
        }, "[DepthwiseConv2D(3, DepthMultiplier = 2, Padding = Padding.Same, Activation = Activation.ReLU6, Name = \"dw\")]"),

        new("Conv1DCausalSamePoolGlobalGemm", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", 1, 4, 10);
            string c1 = g.Node("Conv", [x, g.Weights("w1", [6, 4, 3]), g.Weights("b1", [6])], "causal", ("pads", new long[] { 2, 0 }));
            string c2 = g.Node("Conv", [c1, g.Weights("w2", [5, 6, 3])], "same", ("pads", new long[] { 1, 1 }));
            string p = g.Node("MaxPool", [c2], "pool", ("kernel_shape", new long[] { 2 }), ("strides", new long[] { 2 }));
            string a = g.Node("AveragePool", [p], "avg", ("kernel_shape", new long[] { 2 }), ("strides", new long[] { 1 }));
            string gap = g.Node("GlobalAveragePool", [a], "gap");
            string f = g.Node("Flatten", [gap], "flat");
            return g.Build(g.Node("Gemm", [f, g.Weights("fc_w", [3, 5]), g.Weights("fc_b", [3])], "fc", ("transB", 1L)));
        }, "[Model(10, 4, Loss = Loss.MeanSquaredError)]", "[Conv1D(6, 3, Padding = Padding.Causal, Name = \"causal\")]",
           "[Conv1D(5, 3, Padding = Padding.Same, UseBias = false, Name = \"same\")]", "[MaxPool1D(2, Name = \"pool\")]",
           "[AvgPool1D(2, Stride = 1, Name = \"avg\")]", "[GlobalAveragePooling1D(Name = \"gap\")]", "[Dense(3, Name = \"fc\")]"),

        new("MaxPoolCeilModeIsSame", () =>
        {
            var g = new GraphBuilder();
            return g.Build(g.Node("MaxPool", [g.Input("x", 1, 3, 8, 8)], "mp", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("ceil_mode", 1L)));
        }, "[MaxPool2D(3, Stride = 2, Padding = Padding.Same, Name = \"mp\")]"),

        new("MaxPoolPadsAfterRelu", () =>
        {
            var g = new GraphBuilder();
            string r = g.Node("Relu", [g.Input("x", 1, 3, 8, 8)], "relu");
            return g.Build(g.Node("MaxPool", [r], "mp", ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })));
        }, "[ReLU(Name = \"relu\")]", "[ZeroPadding2D(1, 0, 1, 0, Name = \"mp_pad\")]", "[MaxPool2D(3, Stride = 2, Name = \"mp\")]"),

        new("AveragePoolCountIncludePad", () =>
        {
            var g = new GraphBuilder();
            return g.Build(g.Node("AveragePool", [g.Input("x", 1, 2, 6, 6)], "ap", ("kernel_shape", new long[] { 3, 3 }), ("pads", new long[] { 1, 1, 1, 1 }), ("count_include_pad", 1L)));
        }, "[ZeroPadding2D(1, Name = \"ap_pad\")]", "[AvgPool2D(3, Stride = 1, Name = \"ap\")]"),

        new("AveragePoolExcludePadIsSame", () =>
        {
            var g = new GraphBuilder();
            return g.Build(g.Node("AveragePool", [g.Input("x", 1, 2, 6, 5)], "ap", ("kernel_shape", new long[] { 3, 2 }), ("strides", new long[] { 2, 2 }), ("auto_pad", "SAME_UPPER")));
        }, "[AvgPool2D(3, 2, Stride = 2, Padding = Padding.Same, Name = \"ap\")]"),

        new("GlobalMaxPoolGemmSoftmax", () =>
        {
            var g = new GraphBuilder();
            string gmp = g.Node("GlobalMaxPool", [g.Input("x", 1, 6, 5, 5)], "gmp");
            string f = g.Node("Flatten", [gmp], "flat");
            string d = g.Node("Gemm", [f, g.Weights("w", [4, 6]), g.Weights("b", [4])], "fc", ("transB", 1L), ("alpha", 0.5f), ("beta", 2f));
            return g.Build(g.Node("Softmax", [d], ""));
        }, "[Model(5, 5, 6)]", "[GlobalMaxPooling2D(Name = \"gmp\")]", "[Dense(4, Activation = Activation.Softmax, Name = \"fc\")]"),

        new("ReduceMeanKeepDimsZero", () =>
        {
            var g = new GraphBuilder();
            string m = g.Node("ReduceMean", [g.Input("x", 1, 3, 4, 4)], "mean", ("axes", new long[] { 2, 3 }), ("keepdims", 0L));
            return g.Build(g.Node("MatMul", [m, g.Weights("w", [3, 2])], "mm"));
        }, "[GlobalAveragePooling2D(Name = \"mean\")]", "[Dense(2, UseBias = false, Name = \"mm\")]"),

        new("FlattenReordersDenseRows", () =>
        {
            var g = new GraphBuilder();
            string c = Conv(g, g.Input("x", 1, 2, 5, 4), 2, 3, 2, "conv");
            string f = g.Node("Flatten", [c], "flatten");
            return g.Build(g.Node("Gemm", [f, g.Weights("w", [36, 7]), g.Weights("b", [7])], "dense"));
        }, "[Conv2D(3, 2, Name = \"conv\")]", "[Flatten]", "[Dense(7)]"),

        new("ReshapeChainMatMulAddActivations", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", null, 3, 4, 4);
            string c = Conv(g, x, 3, 2, 3, "conv");
            string shape = g.Node("Shape", [c], "s");
            string zero = g.Node("Constant", [], "zero", ("value", new TensorProto { DataType = 7, Int64Data = { 0 } }));
            string batch = g.Node("Gather", [shape, zero], "g", ("axis", 0L));
            string unsq = g.Node("Unsqueeze", [batch, g.Ints("axes0", 0)], "u");
            string target = g.Node("Concat", [unsq, g.Ints("minus1", -1)], "cat", ("axis", 0L));
            string r = g.Node("Reshape", [c, target], "reshape");
            string mm = g.Node("MatMul", [r, g.Weights("w", [8, 5])], "fc");
            string add = g.Node("Add", [mm, g.Weights("bias", [5])], "fc_add");
            string l = g.Node("LeakyRelu", [add], "leaky", ("alpha", 0.2f));
            return g.Build(g.Node("Sigmoid", [l], "sig"));
        }, "[Model(4, 4, 3, Loss = Loss.BinaryCrossEntropy)]", "[Flatten(Name = \"reshape\")]", "[Dense(5, Name = \"fc\")]", "[LeakyReLU(0.2, Name = \"leaky\")]", "[Sigmoid(Name = \"sig\")]"),

        new("BatchNormalizationTanh", () =>
        {
            var g = new GraphBuilder();
            string c = Conv(g, g.Input("x", 1, 3, 5, 5), 3, 4, 1, "conv");
            string bn = g.Node("BatchNormalization", [c, g.Weights("s", [4]), g.Weights("bb", [4]), g.Weights("m", [4], scale: 0.2f), g.Weights("v", [4], scale: 0.5f, offset: 1.0f)], "bn", ("epsilon", 1e-5f), ("momentum", 0.9f));
            return g.Build(g.Node("Tanh", [bn], "tanh"));
        }, "[BatchNormalization(Momentum = 0.9, Epsilon = 1E-05, Name = \"bn\")]", "[Tanh(Name = \"tanh\")]"),

        new("ResidualAddConcat", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", 1, 4, 6, 6);
            string r1 = g.Node("Relu", [Conv(g, x, 4, 4, 3, "c1", true, ("pads", new long[] { 1, 1, 1, 1 }))], "r1");
            string c2 = Conv(g, r1, 4, 4, 3, "c2", true, ("pads", new long[] { 1, 1, 1, 1 }));
            string sum = g.Node("Add", [c2, r1], "sum");
            string r2 = g.Node("Relu", [sum], "out");
            string cat = g.Node("Concat", [r1, r2], "cat", ("axis", 1L));
            string gap = g.Node("GlobalAveragePool", [cat], "gap");
            string f = g.Node("Flatten", [gap], "flat");
            return g.Build(g.Node("Gemm", [f, g.Weights("w", [8, 3]), g.Weights("b", [3])], "fc"));
        }, "[ReLU(Name = \"r1\")]", "[Add(\"c2\", \"r1\", Name = \"sum\")]", "[Concatenate(\"r1\", \"out\", Name = \"cat\")]"),

        // The conventions of Cnn.Onnx's export, read back as the layers they were (the round trip of issue #14).
        new("ExportConventions", () =>
        {
            var g = new GraphBuilder();
            string x = g.Input("x", 1, 2, 6, 6);
            string dw = Conv(g, x, 1, 4, 3, "sep/depthwise", false, ("pads", new long[] { 1, 1, 1, 1 }), ("group", 2L));
            string sep = Conv(g, dw, 4, 3, 1, "sep", true, ("pads", new long[] { 0, 0, 0, 0 }));
            string bn = g.Node("BatchNormalization",
                [sep, g.Weights("bn/unit_scale", [3], [1, 1, 1]), g.Weights("bn/zero_offset", [3], [0, 0, 0]), g.Weights("bn.moving_mean", [3]), g.Weights("bn.moving_variance", [3], offset: 2)],
                "bn", ("epsilon", 0.001f), ("momentum", 0.99f));
            string leaky = g.Node("LeakyRelu", [bn], "act", ("alpha", 0.1f));
            g.Model.Graph.Node[^1].DocString = "ReLU: max_value=2, negative_slope=0.1, threshold=0";
            string act = g.Node("Clip", [leaky, "", g.Scalar("act/max", 2f)], "act/max_value");
            // Dropout named as its layer, writing the tensor of that name, with its rate the constant drop/ratio.
            g.Model.Graph.Node.Add(new NodeProto { OpType = "Dropout", Name = "drop", Input = { act, g.Scalar("drop/ratio", 0.25f) }, Output = { "drop" } });
            string b1 = Conv(g, "drop", 3, 3, 1, "b1");
            string b2 = Conv(g, "drop", 3, 3, 1, "b2");
            string sum = g.Node("Sum", ["drop", b1, b2], "sum");
            // A gamma of ones that is not the export's stand-in stays a tensor.
            string bn2 = g.Node("BatchNormalization",
                [sum, g.Weights("bn2.gamma", [3], [1, 1, 1]), g.Weights("bn2.beta", [3]), g.Weights("bn2.moving_mean", [3]), g.Weights("bn2.moving_variance", [3], offset: 2)],
                "bn2", ("epsilon", 0.001f), ("momentum", 0.99f));
            string gap = g.Node("GlobalAveragePool", [bn2], "gap");
            return g.Build(g.Node("Gemm", [g.Node("Flatten", [gap], "flat"), g.Weights("w", [2, 3]), g.Weights("b", [2])], "fc", ("transB", 1L)));
        }, "[SeparableConv2D(3, 3, DepthMultiplier = 2, Padding = Padding.Same, Name = \"sep\")]", "[BatchNormalization(Center = false, Scale = false, Name = \"bn\")]",
            "[ReLU(NegativeSlope = 0.1, MaxValue = 2, Name = \"act\")]", "[Dropout(0.25, Name = \"drop\")]",
            "[Add(\"drop\", \"b1\", \"b2\", Name = \"sum\")]", "[BatchNormalization(Name = \"bn2\")]"),

        new("PadDropoutIdentity", () =>
        {
            var g = new GraphBuilder();
            string p = g.Node("Pad", [g.Input("x", 1, 2, 5, 5), g.Ints("pads", 0, 0, 1, 2, 0, 0, 0, 1)], "pad");
            string d = g.Node("Dropout", [p], "drop");
            string i = g.Node("Identity", [d], "id");
            return g.Build(Conv(g, i, 2, 3, 3, "conv"));
        }, "[ZeroPadding2D(1, 0, 2, 1, Name = \"pad\")]", "[Conv2D(3, 3, Name = \"conv\")]"),

        new("VectorModel", () =>
        {
            var g = new GraphBuilder(opset: 9);
            string d1 = g.Node("Gemm", [g.Input("x", 2, 10), g.Weights("w1", [10, 6]), g.Weights("b1", [6])], "");
            string r = g.Node("Clip", [d1], "", ("min", 0f), ("max", 6f));
            string d2 = g.Node("Gemm", [r, g.Weights("w2", [6, 3]), g.Weights("b2", [3])], "");
            return g.Build(g.Node("Softmax", [d2], "", ("axis", 1L)));
        }, "[Model(10)]", "[Dense(6, Activation = Activation.ReLU6)]", "[Dense(3, Activation = Activation.Softmax)]"),

        new("SequenceRelu", () =>
        {
            var g = new GraphBuilder();
            return g.Build(g.Node("Relu", [g.Input("x", 3, 4, 5)], "relu"));
        }, "[Model(5, 4, Loss = Loss.MeanSquaredError)]", "[ReLU(Name = \"relu\")]"),

        new("BatchNormalizationAfterFlatten", () =>
        {
            var g = new GraphBuilder();
            string c = Conv(g, g.Input("x", 1, 2, 3, 3), 2, 2, 2, "conv");
            string f = g.Node("Flatten", [c], "flat");
            string bn = g.Node("BatchNormalization", [f, g.Weights("s", [8]), g.Weights("bb", [8]), g.Weights("m", [8]), g.Weights("v", [8], scale: 0.5f, offset: 1.0f)], "bn");
            string r = g.Node("Clip", [bn, g.Scalar("zero", 0), g.Scalar("three", 3)], "cap");
            return g.Build(g.Node("Gemm", [r, g.Weights("w", [8, 2])], "fc"));
        }, "[BatchNormalization(Momentum = 0.9, Epsilon = 1E-05, Name = \"bn\")]", "[ReLU(MaxValue = 3, Name = \"cap\")]", "[Dense(2, UseBias = false, Name = \"fc\")]"),

        new("PointwiseConvolutionsOfAPooledVector", () =>
        {
            var g = new GraphBuilder();
            string gap = g.Node("GlobalAveragePool", [g.Input("x", 1, 6, 4, 4)], "squeeze");
            string c1 = g.Node("Conv", [gap, g.Weights("w1", [3, 6, 1, 1]), g.Weights("b1", [3])], "reduce");
            string r = g.Node("Relu", [c1], "reduce/Relu");
            string c2 = g.Node("Conv", [r, g.Weights("w2", [6, 3, 1, 1])], "expand");
            return g.Build(g.Node("Sigmoid", [c2], "expand/Sigmoid"));
        }, "[GlobalAveragePooling2D(Name = \"squeeze\")]", "[Dense(3, Activation = Activation.ReLU, Name = \"reduce\")]",
           "[Dense(6, UseBias = false, Activation = Activation.Sigmoid, Name = \"expand\")]"),
    ];
}
