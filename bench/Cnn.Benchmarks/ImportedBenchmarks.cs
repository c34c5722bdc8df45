using BenchmarkDotNet.Attributes;
using Cnn.Benchmarks.Imported;
using Microsoft.ML.OnnxRuntime;

namespace Cnn.Benchmarks;

/// <summary>
/// Batch-1 latency of two imported ONNX models, torchvision's resnet18 and mobilenet_v2 at 224×224 with random weights
/// (Imported/make.sh exports them and imports them with dotnet-cnn): our Forward of the generated class against ONNX
/// Runtime (1 intra-op thread, tensors bound once) on the same .onnx file. <see cref="ImportedAgreement"/> checks both
/// sides agree before anything is timed. --filter '*Imported*' runs these alone. The weights and ONNX files are not in
/// git (45 MB for resnet18): without them, Program skips these benchmarks and prints <see cref="ImportedModels.Command"/>.
/// </summary>
[BenchmarkCategory("latency")]
public class ImportedBenchmarks
{
    private ICnnModel _model = null!;
    private OrtImageRunner _ort = null!;
    private float[] _input = null!, _output = null!;

    /// <summary>Which model.</summary>
    [Params("ResNet18", "MobileNetV2")]
    public string Model { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (_model, _ort) = ImportedModels.Open(Model);
        _input = BenchData.SeededInput(_model, seed: 1);
        _output = new float[_model.OutputSize];
        _ort.SetInput(_input);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>The generated Forward on one image.</summary>
    [Benchmark(Description = "ours Forward, batch 1")]
    public float OursImportedForward()
    {
        _model.Forward(_input, _output);
        return _output[0];
    }

    /// <summary>ONNX Runtime on the file the model was imported from, 1 intra-op thread, pre-bound tensors.</summary>
    [Benchmark(Baseline = true, Description = "ONNX Runtime, batch 1, 1 thread")]
    public float OrtImportedForward()
    {
        _ort.Run();
        return _ort.Output[0];
    }
}

/// <summary>The imported models, where their weights and ONNX files are, and how to make them.</summary>
public static class ImportedModels
{
    /// <summary>The two models, by the names <see cref="ImportedBenchmarks.Model"/> takes.</summary>
    public static readonly string[] Names = ["ResNet18", "MobileNetV2"];

    /// <summary>The command that writes the weights and ONNX files (from the repository root).</summary>
    public const string Command = "bash bench/Cnn.Benchmarks/Imported/make.sh";

    /// <summary>bench/Cnn.Benchmarks/Imported of the repository the benchmark runs from (found above the executable).</summary>
    public static string Directory { get; } = FindDirectory();

    /// <summary>Whether make.sh has written everything the benchmarks read.</summary>
    public static bool Available => Names.All(n => File.Exists(WeightsPath(n)) && File.Exists(OnnxPath(n)));

    /// <summary>The imported weights of <paramref name="name"/>.</summary>
    public static string WeightsPath(string name) => Path.Combine(Directory, $"Imported{name}.safetensors");

    /// <summary>The ONNX file <paramref name="name"/> was imported from.</summary>
    public static string OnnxPath(string name) => Path.Combine(Directory, "onnx", name switch
    {
        "ResNet18" => "resnet18.onnx",
        "MobileNetV2" => "mobilenet_v2.onnx",
        _ => throw new ArgumentException($"No imported model '{name}'.", nameof(name)),
    });

    /// <summary>The generated model with its imported weights, and ONNX Runtime on its ONNX file (1 intra-op thread).</summary>
    public static (ICnnModel Model, OrtImageRunner Ort) Open(string name)
    {
        ICnnModel model = name switch
        {
            "ResNet18" => new ImportedResNet18(),
            "MobileNetV2" => new ImportedMobileNetV2(),
            _ => throw new ArgumentException($"No imported model '{name}'.", nameof(name)),
        };
        WeightFile.Load(model, WeightsPath(name));
        return (model, new OrtImageRunner(OnnxPath(name), model.InputShape.ToArray(), model.OutputSize));
    }

    private static string FindDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln"))) return Path.Combine(dir.FullName, "bench", "Cnn.Benchmarks", "Imported");
        return Path.Combine(AppContext.BaseDirectory, "Imported");
    }
}

/// <summary>Run before the imported models are timed: ours and ONNX Runtime must give the same outputs.</summary>
public static class ImportedAgreement
{
    /// <summary>The largest absolute difference allowed between our output and ONNX Runtime's (1000 logits).</summary>
    public const float Tolerance = 1e-4f;

    /// <summary>Ours against ONNX Runtime on 2 images per model; false (and why) on a difference above <see cref="Tolerance"/>.</summary>
    public static bool Run(TextWriter log)
    {
        bool ok = true;
        foreach (string name in ImportedModels.Names)
        {
            (ICnnModel model, OrtImageRunner ort) = ImportedModels.Open(name);
            using (ort)
            {
                float worst = 0, largest = 0;
                var output = new float[model.OutputSize];
                for (int seed = 1; seed <= 2; seed++)
                {
                    float[] input = BenchData.SeededInput(model, seed);
                    model.Forward(input, output);
                    ort.SetInput(input);
                    ort.Run();
                    for (int k = 0; k < output.Length; k++)
                    {
                        float d = Math.Abs(output[k] - ort.Output[k]);
                        worst = float.IsNaN(d) ? float.NaN : Math.Max(worst, d);
                        largest = Math.Max(largest, Math.Abs(ort.Output[k]));
                    }
                }
                bool agree = worst <= Tolerance;
                ok &= agree;
                log.WriteLine($"  {(agree ? "ok  " : "FAIL")} imported {name} (ours vs ONNX Runtime on {Path.GetFileName(ImportedModels.OnnxPath(name))}, 2 images): "
                    + $"max |difference| {worst:E2} (outputs up to {largest:G3}; tolerance {Tolerance:E0})");
            }
        }
        return ok;
    }
}
