using System.Diagnostics;
using System.Globalization;

namespace Cnn.Benchmarks;

/// <summary>
/// Ours against ONNX Runtime measured in turns, after the BenchmarkDotNet runs of the imported and MLPerf Tiny models:
/// each round times a few calls of ours, then as many of ONNX Runtime, and the ratio is taken round by round. The
/// BenchmarkDotNet tables time each side over its own seconds, and on a shared machine the speed moves between them
/// (resnet18's ratio read 1.00–1.26 over five runs of the same build); in turns both sides see the same moments, so the
/// median ratio of the rounds is the figure to compare (the README gives both).
/// </summary>
public static class SideBySide
{
    /// <summary>A model's figures: medians and minimums of the per-call time in ms, and the median per-round ratio.</summary>
    public readonly record struct Result(string Model, double OursMedian, double OursMin, double OrtMedian, double OrtMin, double RatioMedian);

    /// <summary>
    /// Runs <paramref name="ours"/> and <paramref name="ort"/> in turns, <paramref name="calls"/> calls each per round, for
    /// about <paramref name="seconds"/> seconds after a warm-up, and prints one line.
    /// </summary>
    public static Result Measure(string model, Action ours, Action ort, TextWriter log, double seconds = 8, int calls = 5)
    {
        for (int i = 0; i < 10; i++) { ours(); ort(); }
        var oursTimes = new List<double>();
        var ortTimes = new List<double>();
        var ratios = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || ratios.Count < 5)
        {
            double a = Time(ours, calls), b = Time(ort, calls);
            oursTimes.Add(a);
            ortTimes.Add(b);
            ratios.Add(a / b);
        }
        var result = new Result(model, Median(oursTimes), oursTimes.Min(), Median(ortTimes), ortTimes.Min(), Median(ratios));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {model,-12} ours {result.OursMedian,8:F3} ms (min {result.OursMin:F3})   ONNX Runtime {result.OrtMedian,8:F3} ms (min {result.OrtMin:F3})   ours / ONNX Runtime {result.RatioMedian:F3} (median of {ratios.Count} rounds of {calls} + {calls} calls)"));
        return result;
    }

    private static double Time(Action run, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) run();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds / calls;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The imported models (when their files are there) and the MLPerf Tiny models, each in turns with ONNX Runtime.</summary>
    public static void MeasureAll(bool imported, bool tiny, TextWriter log)
    {
        log.WriteLine("Ours and ONNX Runtime in turns (batch 1, 1 thread; the ratio to compare between runs):");
        if (imported)
            foreach (string name in ImportedModels.Names)
                Run(name, ImportedModels.Open(name), log);
        if (tiny)
            foreach (string name in TinyMLPerfAgreement.Models)
                Run(name, TinyMLPerfAgreement.Open(name), log);
    }

    private static void Run(string name, (ICnnModel Model, OrtImageRunner Ort) pair, TextWriter log)
    {
        (ICnnModel model, OrtImageRunner ort) = pair;
        using (ort)
        {
            float[] input = BenchData.SeededInput(model, seed: 1);
            var output = new float[model.OutputSize];
            ort.SetInput(input);
            Measure(name, () => model.Forward(input, output), ort.Run, log);
        }
    }
}
