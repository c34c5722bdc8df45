using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Cnn.Benchmarks;

/// <summary>After the run: the figures of the README table, and how far each target of issue #4 is.</summary>
public static class Report
{
    private sealed record Result(double Nanoseconds, long? BytesPerOperation);

    /// <summary>Prints the per-layer table and the targets; <paramref name="pytorchTraining"/> is PyTorch's 2-thread training img/s if known.</summary>
    public static void Print(IReadOnlyList<Summary> summaries, IReadOnlyList<(string What, double Bytes)> allocations, double? pytorchTraining, TextWriter log)
    {
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
        log.WriteLine($"Per layer type (one layer alone, seed model shapes; peak {Flops.PeakGflopsPerCore:F1} GFLOP/s per core, measured):");
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
        log.WriteLine("Targets (issue #4):");
        Result? ours1 = Find("OursForward"), ort1 = Find("OrtForward"), scalar1 = Find("ScalarForward");
        if (ours1 is not null && ort1 is not null)
            log.WriteLine($"  batch-1 Forward no slower than ONNX Runtime (1 thread): ours {ours1.Nanoseconds / 1000:F1} µs, ORT {ort1.Nanoseconds / 1000:F1} µs " +
                          $"-> {ours1.Nanoseconds / ort1.Nanoseconds:F2}x ORT's time {(ours1.Nanoseconds <= ort1.Nanoseconds ? "MET" : "NOT MET")}");
        if (scalar1 is not null && ours1 is not null)
            log.WriteLine($"  (plain scalar C#: {scalar1.Nanoseconds / 1000:F1} µs, {scalar1.Nanoseconds / ours1.Nanoseconds:F1}x ours)");
        foreach (int threads in new[] { 1, 2 })
        {
            Result? ours = Find("OursBatch", threads), ort = Find("OrtBatch", threads);
            if (ours is null || ort is null) continue;
            double ratio = ort.Nanoseconds / ours.Nanoseconds;
            log.WriteLine($"  batch-256, {threads} thread(s): ours {1e9 / ours.Nanoseconds:N0} img/s, ORT {1e9 / ort.Nanoseconds:N0} img/s -> {ratio:F2}x ORT" +
                          (threads == 2 ? $" (target >= 0.80x: {(ratio >= 0.8 ? "MET" : "NOT MET")})" : ""));
        }
        foreach (int threads in new[] { 1, 2 })
        {
            if (Find("Fit", threads) is not { } fit) continue;
            double ips = 1e9 / fit.Nanoseconds;
            string versus = threads == 2 && pytorchTraining is double torch
                ? $" vs PyTorch {torch:N0} img/s -> {ips / torch:F2}x (target >= 2x: {(ips >= 2 * torch ? "MET" : "NOT MET")})"
                : threads == 2 ? " (pass --pytorch-train IMG_PER_S from pytorch_peer.py 2 to compare)" : "";
            log.WriteLine($"  training, batch 64, RMSprop, {threads} thread(s): {ips:N0} img/s{versus}");
        }
        log.WriteLine("  bytes allocated per call, GC counters around warm calls (target: 0 per Forward and per training sample):");
        foreach (var (what, bytes) in allocations)
            log.WriteLine($"    {what,-52} {bytes:F1} B {(bytes == 0 ? "MET" : "NOT MET")}");
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
    }
}
