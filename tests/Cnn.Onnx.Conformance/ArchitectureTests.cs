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

    [ArchitecturesFact]
    public void ExploreUnsupported()
    {
        foreach (string name in new[] { "shufflenet_v2_x0_5_64", "efficientnet_b0_64", "regnet_x_400mf_64" })
        {
            ImportResult import = Import(name);
            output.WriteLine($"{name}: {import.Succeeded} {import.Problems.Count}");
            foreach (var g in import.Problems.GroupBy(p => (p.OpType, p.Why))) output.WriteLine($"  {g.Count()} x {g.Key.OpType}: {g.Key.Why}   e.g. {g.First().NodeName}");
        }
    }
}
