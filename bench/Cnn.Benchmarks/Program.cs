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
/// dotnet run -c Release --project bench/Cnn.Benchmarks -- --filter '*'     (or a part: --filter '*Batch1*', ...)
/// First checks that our outputs, ONNX Runtime's and the scalar network's agree within 1e-5 (exit code 2 if not) and
/// counts the bytes allocated per call, then runs the BenchmarkDotNet benchmarks, PyTorch's peer script when the
/// training benchmark ran, ours and ONNX Runtime in turns (<see cref="SideBySide"/>) when the imported or MLPerf Tiny
/// benchmarks ran, the fresh-process first-calls measurement when the batch-1 benchmark ran, and prints the
/// targets of issues #4 and #12 against the results. Exit code 3 when a target it printed is not met.
/// --check: measures just what the targets need (batch 1, batch 256, training, PyTorch, allocation, first calls) and
/// exits with 3 unless every target is measured and met.
/// --first-calls: only the agreement check, the allocation count and the first-calls measurement.
/// </summary>
public static class Program
{
    /// <summary>The BenchmarkDotNet filters of <c>--check</c>: the benchmarks the targets are judged on.</summary>
    private static readonly string[] CheckFilters =
        ["*Batch1Benchmarks.OursForward*", "*Batch1Benchmarks.OrtForward*", "*Batch256Benchmarks*", "*TrainingBenchmarks*"];

    public static int Main(string[] args)
    {
        if (args is [FirstCalls.ChildArgument]) return FirstCalls.RunChild(Console.Out);

        var rest = new List<string>();
        bool check = false, firstCallsOnly = false;
        foreach (string arg in args)
        {
            if (arg == "--check") check = true;
            else if (arg == "--first-calls") firstCallsOnly = true;
            else rest.Add(arg);
        }
        if (check && (firstCallsOnly || rest.Contains("--filter")))
        {
            Console.Error.WriteLine("--check chooses its own benchmarks: give it no --filter and no --first-calls.");
            return 1;
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
        if (!TinyMLPerfAgreement.Run(Console.Out))
        {
            Console.Error.WriteLine("An MLPerf Tiny model disagrees with its ONNX file: nothing was measured.");
            return 2;
        }
        // The imported models' weights and ONNX files are made by a script, not committed: without them only their
        // benchmarks are skipped.
        bool imported = ImportedModels.Available;
        if (!imported)
            Console.WriteLine($"  skipped: the imported resnet18 and mobilenet_v2 (ImportedBenchmarks) need their weights in {ImportedModels.Directory}: run `{ImportedModels.Command}`");
        else if (!ImportedAgreement.Run(Console.Out))
        {
            Console.Error.WriteLine("An imported model disagrees with ONNX Runtime on its ONNX file: nothing was measured.");
            return 2;
        }
        Console.WriteLine("Bytes allocated per call (GC counters around warm calls; target 0):");
        IReadOnlyList<(string What, double Bytes)> allocations = AllocationCheck.Run();
        foreach (var (what, bytes) in allocations) Console.WriteLine($"  {what,-52} {bytes:F1} B");

        Summary[] summaries = [];
        if (!firstCallsOnly)
        {
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
            if (check) rest.AddRange(["--filter", .. CheckFilters]);

            Type[] benchmarks = [typeof(Batch1Benchmarks), typeof(Batch256Benchmarks), typeof(TrainingBenchmarks), typeof(GradientBenchmarks), typeof(LayerBenchmarks), typeof(LayerGradientBenchmarks), typeof(TinyMLPerfBenchmarks)];
            if (imported) benchmarks = [.. benchmarks, typeof(ImportedBenchmarks)];
            summaries = BenchmarkSwitcher
                .FromTypes(benchmarks)
                .Run([.. rest], config)
                .ToArray();
            if (summaries.Length == 0) return check ? 3 : 0; // --help, --list, or a filter that matched nothing
        }
        bool Ran(string method) => summaries.Any(s => s.BenchmarksCases.Any(b => b.Descriptor.WorkloadMethod.Name == method));

        // After the benchmarks, so that neither disturbs them.
        PyTorchPeer.Result? pytorch = null;
        if (Ran("Fit"))
        {
            Console.WriteLine();
            Console.WriteLine("PyTorch's training figure for the target:");
            pytorch = PyTorchPeer.Measure(Console.Out);
        }
        if (Ran("OursImportedForward") || Ran("OursTinyForward"))
        {
            Console.WriteLine();
            SideBySide.MeasureAll(Ran("OursImportedForward"), Ran("OursTinyForward"), Console.Out);
        }
        IReadOnlyList<FirstCalls.Result> firstCalls = [];
        if (firstCallsOnly || Ran("OursForward"))
        {
            Console.WriteLine();
            firstCalls = FirstCalls.Measure(Console.Out);
        }

        IReadOnlyList<(string Target, bool Met)> targets = Report.Print(summaries, allocations, pytorch, firstCalls, Console.Out);
        string[] missing = check ? Report.AllTargets.Where(t => !targets.Any(m => m.Target == t)).ToArray()
            : firstCallsOnly && firstCalls.Count == 0 ? ["first calls"] : [];
        string[] failed = targets.Where(t => !t.Met).Select(t => t.Target).Distinct().ToArray();
        Console.WriteLine();
        if (missing.Length > 0) Console.WriteLine($"Not measured: {string.Join(", ", missing)}.");
        if (failed.Length > 0) Console.WriteLine($"Not met: {string.Join(", ", failed)}.");
        if (missing.Length > 0 || failed.Length > 0) return 3;
        Console.WriteLine($"Every target printed is met ({targets.Select(t => t.Target).Distinct().Count()} of {Report.AllTargets.Length}).");
        return 0;
#endif
    }
}
