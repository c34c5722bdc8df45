using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Cnn.Benchmarks;

/// <summary>After the run: the figures of the README table, and how far each target (issues #4 and #12) is.</summary>
public static class Report
{
    private sealed record Result(double Nanoseconds, long? BytesPerOperation);

    /// <summary>The targets, by the name <see cref="Print"/> reports them under.</summary>
    public static readonly string[] AllTargets = ["batch 1", "batch 256", "training", "allocation", "first calls"];

    /// <summary>
    /// Prints the per-layer table and the targets. <paramref name="pytorch"/> is PyTorch's measured figures (null if
    /// not run), <paramref name="firstCalls"/> the fresh-process measurements (empty if not run). Returns each target
    /// printed, by its name in <see cref="AllTargets"/>, and whether it was met.
    /// </summary>
    public static IReadOnlyList<(string Target, bool Met)> Print(IReadOnlyList<Summary> summaries, IReadOnlyList<(string What, double Bytes)> allocations,
        PyTorchPeer.Result? pytorch, IReadOnlyList<FirstCalls.Result> firstCalls, TextWriter log)
    {
        var targets = new List<(string Target, bool Met)>();
        string Mark(string target, bool met)
        {
            targets.Add((target, met));
            return met ? "MET" : "NOT MET";
        }

        Result? Find(string method, int threads = 1)
        {
            foreach (Summary summary in summaries)
                foreach (BenchmarkCase b in summary.BenchmarksCases)
                    if (b.Descriptor.WorkloadMethod.Name == method && Flops.Threads(b) == threads
                        && summary[b] is { ResultStatistics: { } stats } report)
                        return new Result(stats.Mean, report.GcStats.GetBytesAllocatedPerOperation(b));
            return null;
        }

        log.WriteLine();
        (string Method, string Name, ICnnModel Model)[] layers =
        [
            ("Conv1", "Conv2D 28x28x1 -> 26x26x32", new Conv1Layer()),
            ("Conv2", "Conv2D 13x13x32 -> 11x11x64", new Conv2Layer()),
            ("Conv3", "Conv2D 5x5x64 -> 3x3x64", new Conv3Layer()),
            ("Dense1", "Dense 576 -> 64", new Dense1Layer()),
            ("Dense2", "Dense 64 -> 10 + softmax", new Dense2Layer()),
            ("Pool1", "MaxPool2D 26x26x32 -> 13x13x32", new Pool1Layer()),
            ("Pool2", "MaxPool2D 11x11x64 -> 5x5x64", new Pool2Layer()),
        ];
        if (layers.Any(l => Find(l.Method) is not null))
            log.WriteLine($"Per layer type (one layer alone, seed model shapes; peak {Flops.PeakGflopsPerCore:F1} GFLOP/s per core, measured):");
        foreach (var (method, name, model) in layers)
        {
            if (Find(method) is not { } r) continue;
            long macs = Flops.MultiplyAdds(model);
            string rate = macs > 0
                ? $"{2 * macs / r.Nanoseconds,6:F1} GFLOP/s = {100 * 2 * macs / r.Nanoseconds / Flops.PeakGflopsPerCore,5:F1}% of peak"
                : $"{model.InputSize * 4.0 / r.Nanoseconds,6:F1} GB/s read (no multiply-adds)";
            log.WriteLine($"  {name,-32} {r.Nanoseconds / 1000,9:F2} µs  {2 * macs,10:N0} FLOP  {rate}");
        }

        log.WriteLine();
        log.WriteLine("Targets (issues #4 and #12):");
        Result? ours1 = Find("OursForward"), ort1 = Find("OrtForward"), scalar1 = Find("ScalarForward");
        if (ours1 is not null && ort1 is not null)
            log.WriteLine($"  batch-1 Forward no slower than ONNX Runtime (1 thread): ours {ours1.Nanoseconds / 1000:F1} µs, ORT {ort1.Nanoseconds / 1000:F1} µs " +
                          $"-> {ours1.Nanoseconds / ort1.Nanoseconds:F2}x ORT's time {Mark("batch 1", ours1.Nanoseconds <= ort1.Nanoseconds)}");
        if (scalar1 is not null && ours1 is not null)
            log.WriteLine($"  (plain scalar C#: {scalar1.Nanoseconds / 1000:F1} µs, {scalar1.Nanoseconds / ours1.Nanoseconds:F1}x ours)");
        foreach (int threads in new[] { 1, 2 })
        {
            Result? ours = Find("OursBatch", threads), ort = Find("OrtBatch", threads);
            if (ours is null || ort is null) continue;
            double ratio = ort.Nanoseconds / ours.Nanoseconds;
            log.WriteLine($"  batch-256, {threads} thread(s): ours {1e9 / ours.Nanoseconds:N0} img/s, ORT {1e9 / ort.Nanoseconds:N0} img/s -> {ratio:F2}x ORT" +
                          (threads == 2 ? $" (target >= 0.80x: {Mark("batch 256", ratio >= 0.8)})" : ""));
        }
        foreach (int threads in new[] { 1, 2 })
        {
            if (Find("Fit", threads) is not { } fit) continue;
            double ips = 1e9 / fit.Nanoseconds;
            string versus = threads == 2 && pytorch is not null
                ? $" vs PyTorch {pytorch.TrainingImagesPerSecond:N0} img/s (measured after the run) -> {ips / pytorch.TrainingImagesPerSecond:F2}x " +
                  $"(target >= 2x: {Mark("training", ips >= 2 * pytorch.TrainingImagesPerSecond)})"
                : threads == 2 ? " (PyTorch not measured: the target is not judged)" : "";
            log.WriteLine($"  training, batch 64, RMSprop, {threads} thread(s): {ips:N0} img/s{versus}");
        }
        log.WriteLine("  bytes allocated per call, GC counters around warm calls (target: 0 per Forward and per training sample):");
        foreach (var (what, bytes) in allocations)
            log.WriteLine($"    {what,-52} {bytes:F1} B {Mark("allocation", bytes == 0)}");
        log.WriteLine("  bytes allocated per operation, MemoryDiagnoser (whole process: background JIT compilation counts too):");
        foreach (var (method, threads, what) in new[]
                 {
                     ("OursForward", 1, "Forward"), ("OursBatch", 2, "ForwardBatch, per image, 2 threads"),
                     ("AccumulateGradients", 1, "AccumulateGradients (one training sample)"), ("Fit", 2, "Trainer.Fit, per image, 2 threads"),
                     ("OrtForward", 1, "ONNX Runtime Run, batch 1"),
                 })
        {
            if (Find(method, threads) is { } r)
                log.WriteLine($"    {what,-45} {(r.BytesPerOperation is long bytes ? $"{bytes:N0} B" : "?")}");
        }
        if (firstCalls.Count > 0)
        {
            double median = FirstCalls.MedianRatio(firstCalls);
            log.WriteLine($"  first {FirstCalls.Calls:N0} Forward calls in a fresh process <= {FirstCalls.TargetRatio}x the steady state (median of {firstCalls.Count} processes, wall-clock): " +
                          $"{string.Join(", ", firstCalls.Select(r => $"{r.Ratio:F2}x"))} -> {median:F2}x {Mark("first calls", median <= FirstCalls.TargetRatio)} " +
                          $"(thread CPU time: {FirstCalls.MedianCpuRatio(firstCalls):F2}x)");
        }
        if (pytorch is not null)
            log.WriteLine($"  (PyTorch {pytorch.Version}, 2 threads, beside it: batch 1 {pytorch.Batch1Microseconds:F1} µs, batch 256 {pytorch.Batch256ImagesPerSecond:N0} img/s, " +
                          $"training {pytorch.TrainingImagesPerSecond:N0} img/s, {pytorch.TestAccuracyPercent:F2} % after 1 epoch)");
        return targets;
    }
}
