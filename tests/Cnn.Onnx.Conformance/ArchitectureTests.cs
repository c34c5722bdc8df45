using System.Diagnostics;
using Cnn.Onnx.Proto;
using Xunit.Abstractions;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// Issue #14 §3, real architectures: torchvision's resnet18, mobilenet_v2 and squeezenet1_1 with random weights
/// (<c>export_torchvision.py</c>), at 64x64 and 224x224, import, compile together with the generator and match ONNX Runtime
/// on the same file within <see cref="Tolerance"/>; shufflenet_v2, efficientnet_b0 and regnet_x_400mf, which need what the
/// layers lack, are rejected with every missing piece at once.
/// </summary>
public class ArchitectureTests(ITestOutputHelper output)
{
    /// <summary>The exports that must import and match.</summary>
    public static readonly string[] Supported =
        ["resnet18_64", "resnet18_224", "mobilenet_v2_64", "mobilenet_v2_224", "squeezenet1_1_64", "squeezenet1_1_224"];

    private static string ModelPath(string name) => Path.Combine(TestData.RequireArchitectures(), name, "model.onnx");

    private static ImportResult Import(string name) =>
        OnnxImporter.Import(ModelPath(name), new ImportOptions(ModelCompiler.Identifier(name), "Architectures." + ModelCompiler.Identifier(name)));

    [ArchitecturesFact]
    public void Resnet18_MobilenetV2_Squeezenet11_ImportCompileAndMatchOnnxRuntime()
    {
        var clock = Stopwatch.StartNew();
        var imports = Supported.ToDictionary(n => n, Import);
        foreach ((string name, ImportResult import) in imports)
            Assert.True(import.Succeeded, $"{name} did not import:\n{string.Join("\n", import.Problems)}");
        output.WriteLine($"imported in {clock.Elapsed.TotalSeconds:F1} s");

        clock.Restart();
        using CompiledModels compiled = ModelCompiler.CompileAndLoad(imports.Select(p =>
            new ModelSource(p.Key, p.Value.Source, "Architectures." + p.Value.ClassName, p.Value.ClassName, p.Value.Weights)).ToList());
        output.WriteLine($"compiled in {clock.Elapsed.TotalSeconds:F1} s ({compiled.Timings})");
        Assert.True(compiled.Failures.Count == 0, string.Join("\n", compiled.Failures.Select(f => $"{f.Key}: {f.Value}")));

        foreach ((string name, ImportResult import) in imports)
        {
            OnnxTensor input = TensorFile.Read(Path.Combine(TestData.RequireArchitectures(), name, "input_0.pb"));
            clock.Restart();
            OnnxTensor expected = OrtReference.Run(File.ReadAllBytes(ModelPath(name)), input);
            TimeSpan ort = clock.Elapsed;
            ICnnModel model = compiled.Models[name];
            Assert.Equal(input.Shape, import.OnnxInputShape);
            Assert.Equal(expected.Shape, import.OnnxOutputShape);
            Assert.Null(Layout.Problem(import.OnnxInputShape, import.InputAxes, model.InputShape));
            Assert.Null(Layout.Problem(import.OnnxOutputShape, import.OutputAxes, model.OutputShape));

            float[] modelIn = new float[model.InputSize], modelOut = new float[model.OutputSize], actual = new float[expected.Data.Length];
            clock.Restart();
            Layout.ToModel(input.Data, input.Shape, import.InputAxes, modelIn);
            model.Forward(modelIn, modelOut);
            Layout.ToOnnx(modelOut, expected.Shape, import.OutputAxes, actual);
            (int? mismatch, double maxError) = Tolerance.Compare(expected.Data, actual);
            output.WriteLine($"{name}: {model.ParameterCount:N0} parameters, {model.Layers.Count} layers, largest difference {maxError:G2} "
                + $"(outputs up to {expected.Data.Max(Math.Abs):G3}); ONNX Runtime {ort.TotalMilliseconds:F0} ms with session creation, ours {clock.Elapsed.TotalMilliseconds:F0} ms");
            Assert.True(mismatch is null, $"{name}: output {mismatch} is {actual[mismatch ?? 0]:R}, ONNX Runtime says {expected.Data[mismatch ?? 0]:R} (largest difference {maxError:G3})");
        }
    }

    /// <summary>
    /// efficientnet_b0 multiplies computed tensors (SiLU is x·sigmoid(x), squeeze-and-excitation scales the channels by a
    /// computed vector): every one of its Mul nodes has no layer, and each must be named, not only the first, after which the
    /// rest of the graph cannot be imported.
    /// </summary>
    [ArchitecturesFact]
    public void EfficientnetB0_IsRejected_WithEveryMul()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath("efficientnet_b0_64")));
        var expected = model.Graph.Node.Where(n => n.OpType == "Mul")
            .Select(n => new ImportProblem(n.Name, "Mul", "Mul of computed tensors has no layer (only the shape computations that feed a Reshape are folded)"))
            .ToList();
        Assert.Equal(65, expected.Count);
        AssertRejectedWithExactly("efficientnet_b0_64", expected);
    }

    /// <summary>regnet_x_400mf's 3x3 convolutions are grouped (groups of 16 channels), which no layer computes: all 22 are named.</summary>
    [ArchitecturesFact]
    public void RegnetX400mf_IsRejected_WithEveryGroupedConvolution()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath("regnet_x_400mf_64")));
        var weights = model.Graph.Initializer.ToDictionary(t => t.Name);
        var expected = new List<ImportProblem>();
        foreach (NodeProto conv in model.Graph.Node.Where(n => n.OpType == "Conv"))
        {
            long groups = conv.Attribute.FirstOrDefault(a => a.Name == "group")?.I ?? 1;
            long perGroup = weights[conv.Input[1]].Dims[1];
            if (groups > 1 && perGroup > 1)
                expected.Add(new ImportProblem(conv.Name, "Conv",
                    $"a grouped convolution ({groups} groups of {perGroup} channels) that is not depthwise (group = channels = {groups * perGroup}) has no layer"));
        }
        Assert.Equal(22, expected.Count);
        AssertRejectedWithExactly("regnet_x_400mf_64", expected);
    }

    /// <summary>
    /// shufflenet_v2's channel shuffle is a Reshape to [N, groups, C / groups, H, W], a Transpose of the two channel axes
    /// and a Reshape back; no layer does either of the first two, and each of the 16 shuffles must be named. The channel
    /// split before each unit (Slice on the channel axis) has no layer either and may be named too.
    /// </summary>
    [ArchitecturesFact]
    public void ShufflenetV2_IsRejected_WithEveryChannelShuffle()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(ModelPath("shufflenet_v2_x0_5_64")));
        var constants = model.Graph.Node.Where(n => n.OpType == "Constant").ToDictionary(n => n.Output[0], n => n.Attribute.Single(a => a.Name == "value").T);
        List<NodeProto> transposes = model.Graph.Node.Where(n => n.OpType == "Transpose").ToList();
        List<NodeProto> toFiveAxes = model.Graph.Node.Where(n => n.OpType == "Reshape" && constants.TryGetValue(n.Input[1], out TensorProto? shape) && shape.Dims[0] == 5).ToList();
        Assert.Equal(16, transposes.Count);
        Assert.Equal(16, toFiveAxes.Count);

        ImportResult import = Import("shufflenet_v2_x0_5_64");
        Assert.False(import.Succeeded);
        Assert.Equal("", import.Source);
        var missing = transposes.Select(t => $"{t.Name} (Transpose): transposing a tensor has no layer (the model is channels_last throughout)")
            .Except(import.Problems.Select(p => p.ToString()))
            .Concat(toFiveAxes.Where(r => !import.Problems.Any(p => p.NodeName == r.Name && p.OpType == "Reshape" && p.Why.Contains("only the reshape to [N, features] (a flatten) has a layer", StringComparison.Ordinal)))
                .Select(r => $"{r.Name} (Reshape): a reshape to 5 axes"))
            .ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} channel-shuffle problems are not reported:\n{string.Join("\n", missing)}\nreported:\n{string.Join("\n", import.Problems)}");
        Assert.All(import.Problems, p => Assert.Contains(p.OpType, new[] { "Transpose", "Reshape", "Slice" }));
    }

    /// <summary>The import of <paramref name="name"/> fails with exactly <paramref name="expected"/> (in any order), and writes nothing.</summary>
    private void AssertRejectedWithExactly(string name, List<ImportProblem> expected)
    {
        ImportResult import = Import(name);
        output.WriteLine($"{name}: {import.Problems.Count} problems, {expected.Count} expected");
        Assert.False(import.Succeeded);
        Assert.Equal("", import.Source);
        Assert.Empty(import.Weights);
        var missing = expected.Except(import.Problems).ToList();
        var extra = import.Problems.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{name}: {missing.Count} problems not reported, {extra.Count} not expected.\nNot reported:\n{string.Join("\n", missing)}\nNot expected:\n{string.Join("\n", extra)}");
    }
}
