using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Cnn.Benchmarks;

/// <summary>
/// dotnet run -c Release --project bench/Cnn.Benchmarks -- --filter '*' [--pytorch-train IMG_PER_S]
/// First checks that our outputs, ONNX Runtime's and the scalar network's agree within 1e-5 (exit code 2 if not),
/// then runs the BenchmarkDotNet benchmarks and prints the targets of issue #4 against the results.
/// --check runs only the agreement check.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var rest = new List<string>();
        bool checkOnly = false;
        double? pytorchTraining = null;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--check") checkOnly = true;
            else if (args[i] == "--pytorch-train" && i + 1 < args.Length
                     && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out double ips))
            {
                pytorchTraining = ips;
                i++;
            }
            else rest.Add(args[i]);
        }

#if DEBUG
        Console.Error.WriteLine("Build in Release: dotnet run -c Release --project bench/Cnn.Benchmarks -- --filter '*'");
        return 1;
#else
        Console.WriteLine($"Agreement check (|difference| <= {AgreementCheck.Tolerance:E0} on softmax outputs):");
        if (!AgreementCheck.Run(samples: 32, Console.Out))
        {
            Console.Error.WriteLine("The outputs disagree: nothing was measured.");
            return 2;
        }
        Console.WriteLine("Bytes allocated per call (GC counters around warm calls; target 0):");
        IReadOnlyList<(string What, double Bytes)> allocations = AllocationCheck.Run();
        foreach (var (what, bytes) in allocations) Console.WriteLine($"  {what,-52} {bytes:F1} B");
        if (checkOnly) return 0;
        Console.WriteLine($"FP32 FMA peak of one core, measured: {Flops.PeakGflopsPerCore:F1} GFLOP/s ({(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "Vector512" : "Vector256")}).");

        // In-process: no separate build of a benchmark project (the machine has 2 shared cores), few but
        // adequate iterations so that the whole set takes a few minutes.
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(10)
            .WithIterationTime(TimeInterval.FromMilliseconds(250));
        IConfig config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(DerivedColumn.ImagesPerSecond, DerivedColumn.Gflops, DerivedColumn.PercentOfPeak)
            .WithOptions(ConfigOptions.DisableLogFile);

        Summary[] summaries = BenchmarkSwitcher
            .FromTypes([typeof(Batch1Benchmarks), typeof(Batch256Benchmarks), typeof(TrainingBenchmarks), typeof(GradientBenchmarks), typeof(LayerBenchmarks), typeof(LayerGradientBenchmarks)])
            .Run([.. rest], config)
            .ToArray();
        if (summaries.Length > 0) Report.Print(summaries, allocations, pytorchTraining, Console.Out);
        return 0;
#endif
    }
}
