namespace Cnn.Benchmarks;

/// <summary>
/// Run before any benchmark: our Forward, our batched Forward, the plain scalar network and ONNX Runtime
/// must give the same softmax outputs (within 1e-5 absolute) on the same images, or nothing is measured.
/// </summary>
public static class AgreementCheck
{
    /// <summary>The largest absolute difference allowed between two softmax outputs.</summary>
    public const float Tolerance = 1e-5f;

    /// <summary>Compares everything on <paramref name="samples"/> images; returns false (and says why) on a mismatch.</summary>
    public static bool Run(int samples, TextWriter log)
    {
        MnistCnn model = BenchData.LoadModel();
        Dataset images = BenchData.Images(samples, train: false);
        var golden = SafeTensorsFile.Open(BenchData.WeightsPath);
        float[] goldenInput = golden.ReadSingles("input");
        float[] goldenOutput = golden.ReadSingles("output");

        // The golden sample first, then the images.
        int count = 1 + images.Count;
        var inputs = new float[count * 784];
        goldenInput.AsSpan(0, 784).CopyTo(inputs);
        images.Inputs.AsSpan(0, images.Count * 784).CopyTo(inputs.AsSpan(784));

        var ours = new float[count * 10];
        for (int i = 0; i < count; i++) model.Forward(inputs.AsSpan(i * 784, 784), ours.AsSpan(i * 10, 10));

        var batched = new float[count * 10];
        Inference.ForwardBatch(model, inputs, batched, threads: 2);

        var scalarNet = new ScalarMnist(model);
        var scalar = new float[count * 10];
        for (int i = 0; i < count; i++) scalarNet.Forward(inputs.AsSpan(i * 784, 784), scalar.AsSpan(i * 10, 10));

        using var ort = new OrtRunner(count, threads: 1);
        inputs.CopyTo(ort.Input);
        ort.Run();

        bool ok = true;
        ok &= Compare("ours (Forward) vs ONNX Runtime", ours, ort.Output, log);
        ok &= Compare("ours (ForwardBatch, 2 threads) vs ONNX Runtime", batched, ort.Output, log);
        ok &= Compare("plain scalar C# vs ONNX Runtime", scalar, ort.Output, log);
        ok &= Compare("ours vs the golden output (PyTorch float64)", ours.AsSpan(0, 10).ToArray(), goldenOutput.AsSpan(0, 10).ToArray(), log);
        for (int i = 0; i < count; i++)
        {
            float sum = 0;
            for (int k = 0; k < 10; k++) sum += ort.Output[i * 10 + k];
            if (Math.Abs(sum - 1f) > 1e-4f)
            {
                log.WriteLine($"FAIL: ONNX Runtime's output {i} sums to {sum}, not 1: the .onnx file has no softmax?");
                ok = false;
            }
        }
        log.WriteLine($"Agreement check on the golden sample and {images.Count} {BenchData.InputSource} images: {(ok ? "passed" : "FAILED")}.");
        return ok;
    }

    private static bool Compare(string what, float[] actual, float[] expected, TextWriter log)
    {
        float worst = 0;
        int at = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            float d = Math.Abs(actual[i] - expected[i]);
            if (float.IsNaN(d)) { worst = float.NaN; at = i; break; }
            if (d > worst) { worst = d; at = i; }
        }
        bool ok = worst <= Tolerance;
        log.WriteLine($"  {(ok ? "ok  " : "FAIL")} {what}: max |difference| {worst:E2} (sample {at / 10}, output {at % 10}; tolerance {Tolerance:E0})");
        return ok;
    }
}
