namespace Cnn.Onnx.Tests;

/// <summary>The text of <c>Name.cs</c>: the whole file for one model, and the names the layers get.</summary>
public sealed class SourceTests
{
    [Fact]
    public void TheWholeFile()
    {
        var g = new GraphBuilder();
        string c = g.Node("Conv", [g.Input("x", 1, 1, 6, 6), g.Weights("w", [2, 1, 3, 3]), g.Weights("b", [2])], "conv2d");
        string r = g.Node("Relu", [c], "conv2d/Relu");
        string p = g.Node("MaxPool", [r], "max_pooling2d", ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        string f = g.Node("Flatten", [p], "flatten");
        string d = g.Node("Gemm", [f, g.Weights("dw", [8, 3]), g.Weights("db", [3])], "dense");
        ImportResult result = OnnxImporter.Import(g.Build(g.Node("Softmax", [d], "dense/Softmax")), "small.onnx", new ImportOptions("Small", "Demo"));
        Assert.Equal("""
            // Imported from small.onnx (Cnn.Onnx.Tests, opset 13) by `dotnet cnn import`.
            // The layers are ordinary attributes: the build checks and compiles them like hand-written ones.
            using Cnn;

            namespace Demo;

            /// <summary>The ONNX model small.onnx: input [1, 1, 6, 6] (NCHW), here 6x6x1 channels last.</summary>
            [Model(6, 6, 1)]
            [Conv2D(2, 3, Activation = Activation.ReLU)]
            [MaxPool2D(2)]
            [Flatten]
            [Dense(3, Activation = Activation.Softmax)]
            [ExpectParameters(47)]
            public partial class Small;

            """.Replace("\r\n", "\n"), result.Source);
        Assert.Equal([1, 1, 6, 6], result.OnnxInputShape);
        Assert.Equal([1, 3], result.OnnxOutputShape);
        Assert.Equal([2, 3, 1], result.InputAxes);
        Assert.Equal([1], result.OutputAxes);
        Assert.Equal(["conv2d.kernel", "conv2d.bias", "dense.kernel", "dense.bias"], SafeTensorsFile.Parse(result.Weights).Tensors.Select(t => t.Name));
    }

    [Fact]
    public void LayerNames()
    {
        var g = new GraphBuilder();
        string x = g.Input("x", 1, 4);
        string a = g.Node("Relu", [x], "/block.1/act");     // sanitized
        string b = g.Node("Relu", [a], "block_1_act");      // the same name again: a default
        string c = g.Node("Relu", [b], "input");            // reserved: a default
        string d = g.Node("Relu", [c], "re_lu_1");          // wanted by this layer, so the defaults skip it
        string e = g.Node("Relu", [d], "9lives");           // a digit first: prefixed
        string f = g.Node("Relu", [e], "");                  // unnamed: a default
        string h = g.Node("Relu", [f], new string('n', 70)); // too long: a default
        ImportResult result = OnnxImporter.Import(g.Build(h), "names.onnx", new ImportOptions("Names"));
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        string[] layers = result.Source.Split('\n').Where(l => l.StartsWith("[ReLU", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
        [
            "[ReLU(Name = \"block_1_act\")]",
            "[ReLU]",                          // re_lu
            "[ReLU(Name = \"re_lu_2\")]",      // re_lu_1 is wanted below
            "[ReLU]",                          // re_lu_1, the generator's default here
            "[ReLU(Name = \"_9lives\")]",
            "[ReLU(Name = \"re_lu_3\")]",
            "[ReLU(Name = \"re_lu_4\")]",
        ], layers);
    }
}
