using System.Text.Json;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Networks exported by PyTorch (Fixtures/make_fixtures.py): they import, compile, and give PyTorch's outputs (stored
/// beside each file) and ONNX Runtime's.
/// </summary>
public sealed class TorchFixtureTests
{
    private static readonly string[] s_names = ["torch_small_cnn", "torch_mobile_block", "torch_sequence"];

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    [Fact]
    public void TheLayersAreTheNetworks()
    {
        ImportResult cnn = OnnxImporter.Import(Fixture("torch_small_cnn.onnx"), new ImportOptions("SmallCnn"));
        Assert.True(cnn.Succeeded, string.Join("\n", cnn.Problems));
        Assert.Equal([2, 3, 1], cnn.InputAxes);
        Assert.Equal([1], cnn.OutputAxes);
        string[] lines = cnn.Source.Split('\n');
        Assert.Contains("[Model(16, 16, 3)]", lines);
        Assert.Contains("[Conv2D(8, 3, Padding = Padding.Same, Name = \"conv1_Conv\")]", lines);
        Assert.Contains("[BatchNormalization(Momentum = 0.9, Epsilon = 1E-05, Name = \"bn1_BatchNormalization\")]", lines);
        // PyTorch's padding=1 with stride 2 on 8x8 pads 1 on both sides; TensorFlow's SAME would pad 0 and 1.
        Assert.Contains("[ZeroPadding2D(1, Name = \"conv2_Conv_pad\")]", lines);
        Assert.Contains("[Conv2D(16, 3, Stride = 2, Name = \"conv2_Conv\")]", lines);
        Assert.Contains("[Flatten(Name = \"Flatten\")]", lines);
        Assert.Contains("[ExpectParameters(9_978)]", lines);
        Assert.Contains("[Dense(32, Name = \"fc1_Gemm\")]", lines);

        ImportResult block = OnnxImporter.Import(Fixture("torch_mobile_block.onnx"), new ImportOptions("MobileBlock"));
        Assert.True(block.Succeeded, string.Join("\n", block.Problems));
        lines = block.Source.Split('\n');
        Assert.Contains("[DepthwiseConv2D(3, Padding = Padding.Same, Name = \"dw_Conv\")]", lines);
        // An activation named on its own (PyTorch's module) stays a layer.
        Assert.Contains("[ReLU(MaxValue = 6, Name = \"act_Clip\")]", lines);
        Assert.Contains("[Add(\"input\", \"project_Conv\", Name = \"Add\")]", lines);
        Assert.Contains("[GlobalAveragePooling2D(Name = \"pool_GlobalAveragePool\")]", lines);
        Assert.Contains("[Dense(5, Name = \"fc_Gemm\")]", lines);
    }

    [Fact]
    public void ImportedNetworksGivePyTorchsOutputs()
    {
        var imports = s_names.Select(n => (Name: n, Result: OnnxImporter.Import(Fixture(n + ".onnx"), new ImportOptions(n.Replace("torch_", "Torch_"), "Fixtures")))).ToList();
        Assert.All(imports, i => Assert.True(i.Result.Succeeded, i.Name + ": " + string.Join("\n", i.Result.Problems)));
        (var diagnostics, var assembly) = ImportedModels.Compile(imports.Select(i => i.Result.Source));
        Assert.True(diagnostics.IsEmpty, string.Join("\n", diagnostics));
        Assert.NotNull(assembly);
        foreach (var (name, result) in imports)
        {
            ICnnModel model = ImportedModels.Create(assembly, result, "Fixtures");
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Fixture(name + ".json")));
            int[] inShape = json.RootElement.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            int[] outShape = json.RootElement.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            float[] input = json.RootElement.GetProperty("input").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            float[] expected = json.RootElement.GetProperty("output").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            int[] inOrder = ImportedModels.Order(inShape, result.InputAxes), outOrder = ImportedModels.Order(outShape, result.OutputAxes);
            var x = new float[model.InputSize];
            var y = new float[model.OutputSize];
            for (int n = 0; n < inShape[0]; n++)
            {
                for (int j = 0; j < x.Length; j++) x[j] = input[n * x.Length + inOrder[j]];
                model.Forward(x, y);
                for (int j = 0; j < y.Length; j++)
                {
                    float e = expected[n * y.Length + outOrder[j]];
                    Assert.True(Math.Abs(y[j] - e) <= 1e-4 * Math.Max(1, Math.Abs(e)), $"{name} sample {n} output {j}: {y[j]}, PyTorch {e}");
                }
            }
            Assert.Null(ImportedModels.Compare(model, result, File.ReadAllBytes(Fixture(name + ".onnx"))));
        }
    }
}
