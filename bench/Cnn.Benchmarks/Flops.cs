using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Cnn.Benchmarks;

/// <summary>
/// Floating-point work of each benchmark, counted from the models' own layer and parameter tables
/// (multiply-adds × 2), and the machine's FMA peak to compare against.
/// </summary>
public static class Flops
{
    /// <summary>
    /// FP32 FMA peak of one core of this machine in GFLOP/s, measured once (<see cref="FmaPeak"/>): the hardware
    /// differs between runs (PERF.md's machine gave 117.5, 32 FLOP/cycle; others give twice that).
    /// </summary>
    public static double PeakGflopsPerCore => s_peak ??= FmaPeak.Measure();

    private static double? s_peak;

    /// <summary>Multiply-adds of one forward pass: Conv2D = output pixels × kernel size, Dense = kernel size.</summary>
    public static long MultiplyAdds(ICnnModel model)
    {
        long total = 0;
        foreach (LayerInfo layer in model.Layers)
        {
            ParameterTensorInfo? kernel = model.ParameterTensors.FirstOrDefault(t => t.Name == layer.Name + ".kernel");
            if (kernel is null) continue;
            total += layer.Type switch
            {
                "Conv2D" => (long)layer.OutputShape[0] * layer.OutputShape[1] * kernel.Length,
                "Dense" => kernel.Length,
                _ => throw new InvalidOperationException($"No FLOP count for a {layer.Type} layer."),
            };
        }
        return total;
    }

    /// <summary>The FLOP of one operation of a benchmark (per image for the batched ones), or null when it does no multiply-adds.</summary>
    public static (double Flop, bool Estimate)? Of(BenchmarkCase benchmark)
    {
        string method = benchmark.Descriptor.WorkloadMethod.Name;
        long forward = 2 * MultiplyAdds(new MnistCnn());
        return method switch
        {
            "OursForward" or "OrtForward" or "ScalarForward" or "OursBatch" or "OrtBatch" => (forward, false),
            // A forward and a backward pass (gradients of the inputs and of the weights): about 3 × forward.
            "Fit" or "AccumulateGradients" => (3.0 * forward, true),
            "Conv1" => (2 * MultiplyAdds(new Conv1Layer()), false),
            "Conv2" => (2 * MultiplyAdds(new Conv2Layer()), false),
            "Conv3" => (2 * MultiplyAdds(new Conv3Layer()), false),
            "Dense1" => (2 * MultiplyAdds(new Dense1Layer()), false),
            "Dense2" => (2 * MultiplyAdds(new Dense2Layer()), false),
            _ => null,
        };
    }

    /// <summary>The threads a benchmark runs on (its Threads parameter, else 1).</summary>
    public static int Threads(BenchmarkCase benchmark) =>
        benchmark.Parameters.Items.FirstOrDefault(p => p.Name == "Threads")?.Value is int t ? t : 1;

    /// <summary>Mean nanoseconds per operation of a finished benchmark, or null.</summary>
    public static double? MeanNanoseconds(Summary summary, BenchmarkCase benchmark) => summary[benchmark]?.ResultStatistics?.Mean;
}

/// <summary>A summary column computed from the mean time per operation.</summary>
public sealed class DerivedColumn(string name, string legend, Func<Summary, BenchmarkCase, string> value) : IColumn
{
    /// <summary>Images per second (per operation, as OperationsPerInvoke makes every operation one image).</summary>
    public static readonly DerivedColumn ImagesPerSecond = new("img/s", "Images (operations) per second: 1 s / mean",
        (s, b) => Flops.MeanNanoseconds(s, b) is double ns && b.Descriptor.Type != typeof(LayerBenchmarks) ? $"{1e9 / ns:N0}" : "-");

    /// <summary>GFLOP/s: multiply-adds × 2 of the operation over its mean time.</summary>
    public static readonly DerivedColumn Gflops = new("GFLOP/s", "Multiply-adds × 2 of one operation / mean time (≈: backward counted as 2 × forward)",
        (s, b) => Flops.MeanNanoseconds(s, b) is double ns && Flops.Of(b) is var (flop, estimate) ? $"{(estimate ? "≈" : "")}{flop / ns:F1}" : "-");

    /// <summary>Percent of the FMA peak of the threads used.</summary>
    public static readonly DerivedColumn PercentOfPeak = new("% FMA peak", $"GFLOP/s over {Flops.PeakGflopsPerCore:F1} GFLOP/s (FMA loop measured on this machine) per thread used",
        (s, b) => Flops.MeanNanoseconds(s, b) is double ns && Flops.Of(b) is var (flop, estimate)
            ? $"{(estimate ? "≈" : "")}{100 * flop / ns / (Flops.PeakGflopsPerCore * Flops.Threads(b)):F1}%" : "-");

    public string Id => "Cnn." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => value(summary, benchmarkCase);
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => value(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
