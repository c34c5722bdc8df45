namespace Cnn.Benchmarks;

/// <summary>
/// Bytes allocated per call, measured directly after warm-up: thread-local for the single-threaded calls (so
/// the JIT's and other threads' allocations don't count), process-wide for the 2-thread batch.
/// BenchmarkDotNet's MemoryDiagnoser counts the whole process, background compilation included.
/// </summary>
public static class AllocationCheck
{
    /// <summary>The measured figures: what, bytes per call (per image for the batch).</summary>
    public static IReadOnlyList<(string What, double Bytes)> Run()
    {
        MnistCnn model = BenchData.LoadModel();
        float[] inputs = BenchData.Images(64, train: false).Inputs.AsSpan(0, 64 * 784).ToArray();
        var output = new float[10];
        var outputs = new float[64 * 10];
        var gradients = new float[MnistCnn.ParameterCount];

        // The least of three measurements: an allocation made by the call shows in every one of them; the runtime's own
        // occasional work on other threads (the thread pool's bookkeeping, background compilation) in at most one or two.
        double PerCall(int calls, bool allThreads, Action body)
        {
            for (int i = 0; i < 20; i++) body();
            double least = double.MaxValue;
            for (int repeat = 0; repeat < 3; repeat++)
            {
                long before = allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < calls; i++) body();
                long after = allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
                least = Math.Min(least, (after - before) / (double)calls);
            }
            return least;
        }

        return
        [
            ("Forward", PerCall(200, false, () => model.Forward(inputs.AsSpan(0, 784), output))),
            ("Predict", PerCall(200, false, () => model.Predict(inputs.AsSpan(0, 784)))),
            ("AccumulateGradients (one training sample)", PerCall(100, false, () => model.AccumulateGradients(inputs.AsSpan(0, 784), 3, gradients, 7UL))),
            ("ForwardBatch, 1 thread, per image", PerCall(20, false, () => Inference.ForwardBatch(model, inputs, outputs, threads: 1)) / 64),
            ("ForwardBatch, 2 threads, per image (whole process)", PerCall(20, true, () => Inference.ForwardBatch(model, inputs, outputs, threads: 2)) / 64),
        ];
    }
}
