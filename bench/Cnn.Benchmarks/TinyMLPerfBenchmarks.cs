using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using TinyMLPerf;

namespace Cnn.Benchmarks;

/// <summary>
/// Batch-1 latency of the three MLPerf Tiny reference models (samples/TinyMLPerf): our Forward against ONNX Runtime
/// (1 intra-op thread, tensors bound once) on the same weights (<see cref="TinyWeights"/>). The ONNX files are written
/// by <see cref="Cnn.Onnx.Onnx.Export(ICnnModel, string)"/> from the models themselves when the benchmark starts;
/// <see cref="TinyMLPerfAgreement"/> checks both sides agree before anything is timed.
/// --filter '*TinyMLPerf*' runs these alone.
/// </summary>
[BenchmarkCategory("latency")]
public class TinyMLPerfBenchmarks
{
    private ICnnModel _model = null!;
    private OrtImageRunner _ort = null!;
    private float[] _input = null!, _output = null!;

    /// <summary>Which model.</summary>
    [Params("ResNet8", "DsCnn", "MobileNetV1")]
    public string Model { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        (_model, _ort) = TinyMLPerfAgreement.Open(Model);
        _input = BenchData.SeededInput(_model, seed: 1);
        _output = new float[_model.OutputSize];
        _ort.SetInput(_input);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>The generated Forward on one input.</summary>
    [Benchmark(Description = "ours Forward, batch 1")]
    public float OursTinyForward()
    {
        _model.Forward(_input, _output);
        return _output[0];
    }

    /// <summary>ONNX Runtime, 1 intra-op thread, pre-bound tensors.</summary>
    [Benchmark(Baseline = true, Description = "ONNX Runtime, batch 1, 1 thread")]
    public float OrtTinyForward()
    {
        _ort.Run();
        return _ort.Output[0];
    }
}

/// <summary>The models and their ONNX files, and the check that both give the same outputs.</summary>
public static class TinyMLPerfAgreement
{
    /// <summary>The three models, by the names of their classes and ONNX files.</summary>
    public static readonly string[] Models = ["ResNet8", "DsCnn", "MobileNetV1"];

    /// <summary>Where the ONNX files are written: a folder of the temporary directory, one file per model.</summary>
    public static string OnnxDirectory { get; } = Path.Combine(Path.GetTempPath(), "cnn-benchmarks-mlperf-tiny");

    /// <summary>The model with the seeded weights, exported to ONNX, and ONNX Runtime on that file (1 intra-op thread).</summary>
    public static (ICnnModel Model, OrtImageRunner Ort) Open(string name)
    {
        ICnnModel model = name switch
        {
            "ResNet8" => new ResNet8(),
            "DsCnn" => new DsCnn(),
            "MobileNetV1" => new MobileNetV1(),
            _ => throw new ArgumentException($"No MLPerf Tiny model '{name}'.", nameof(name)),
        };
        TinyWeights.Initialize(model);
        Directory.CreateDirectory(OnnxDirectory);
        string path = Path.Combine(OnnxDirectory, name + ".onnx");
        Cnn.Onnx.Onnx.Export(model, path);
        return (model, new OrtImageRunner(path, model.InputShape.ToArray(), model.OutputSize));
    }

    /// <summary>Ours against ONNX Runtime on 8 inputs per model; false (and why) on a difference above the tolerance.</summary>
    public static bool Run(TextWriter log)
    {
        bool ok = true;
        foreach (string name in Models)
        {
            (ICnnModel model, OrtImageRunner ort) = Open(name);
            using (ort)
            {
                float worst = 0;
                var output = new float[model.OutputSize];
                for (int seed = 1; seed <= 8; seed++)
                {
                    float[] input = BenchData.SeededInput(model, seed);
                    model.Forward(input, output);
                    ort.SetInput(input);
                    ort.Run();
                    for (int k = 0; k < output.Length; k++) worst = Math.Max(worst, Math.Abs(output[k] - ort.Output[k]));
                }
                bool agree = worst <= AgreementCheck.Tolerance;
                ok &= agree;
                log.WriteLine($"  {(agree ? "ok  " : "FAIL")} {name} (ours vs ONNX Runtime on its export, 8 inputs): max |difference| {worst:E2} (tolerance {AgreementCheck.Tolerance:E0})");
            }
        }
        return ok;
    }
}
