// Classifies Fashion-MNIST images with the seed model's trained weights compiled into the executable.
// Usage: Inference [--bench [--runs N]] [--labels LABELS.idx] FILE...
//   FILE: a PGM image (P2 or P5, 28x28, a light object on a dark background as in Fashion-MNIST),
//         or an IDX image file (N x 28 x 28 bytes, plain or gzip).
// Prints, for each image: "<file>[#index]: <label> <class name> (<probability>)", then every class probability
// for single images. --labels: the IDX label file of an IDX image file; prints the accuracy.
// --bench: the vector width of the kernels, the time from Main to the first prediction, and the median latency of
// one prediction over 2,000 runs (--runs N: over N).
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Cnn;

namespace Inference;

internal static unsafe class Program
{
    /// <summary>The program, run as the executable's entry point or from <see cref="NativeMain"/>.</summary>
    private static int Main(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        bool bench = false;
        int runs = 2000;
        string? labelsPath = null;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--bench": bench = true; break;
                case "--runs" when i + 1 < args.Length && int.TryParse(args[i + 1], out runs) && runs > 0: bench = true; i++; break;
                case "--labels" when i + 1 < args.Length: labelsPath = args[++i]; break;
                case "-h" or "--help": Usage(Console.Out); return 0;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) { Console.Error.WriteLine($"Unknown option {args[i]}"); Usage(Console.Error); return 2; }
                    files.Add(args[i]);
                    break;
            }
        }
        if (files.Count == 0) { Usage(Console.Error); return 2; }

        try
        {
            FashionCnn model = FashionCnn.CreateWithEmbeddedWeights();
            Span<float> probabilities = stackalloc float[FashionCnn.OutputSize];
            double firstPrediction = -1;
            float[]? lastImage = null;
            foreach (string file in files)
            {
                if (IsPgm(file))
                {
                    (float[] pixels, int width, int height) = Pgm.Read(file);
                    if (width != 28 || height != 28)
                        throw new CnnDataException(Path.GetFileName(file), $"the image is {width}x{height}, but the model takes 28x28");
                    model.Forward(pixels, probabilities);
                    if (firstPrediction < 0) firstPrediction = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    int label = ArgMax(probabilities);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: {label} {FashionCnn.ClassNames[label]} ({probabilities[label]:P2})"));
                    for (int c = 0; c < probabilities.Length; c++)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c} {FashionCnn.ClassNames[c],-12} {probabilities[c]:F4}"));
                    lastImage = pixels;
                }
                else
                {
                    (float[] pixels, int[] shape) = Idx.ReadImages(file);
                    if (shape[1] != 28 || shape[2] != 28)
                        throw new CnnDataException(Path.GetFileName(file), $"the images are {shape[1]}x{shape[2]}, but the model takes 28x28");
                    int[]? labels = labelsPath is null ? null : Idx.ReadLabels(labelsPath);
                    if (labels is not null && labels.Length != shape[0])
                        throw new CnnDataException(Path.GetFileName(labelsPath!), $"{labels.Length} labels for {shape[0]} images");
                    int correct = 0;
                    for (int n = 0; n < shape[0]; n++)
                    {
                        ReadOnlySpan<float> image = pixels.AsSpan(n * FashionCnn.InputSize, FashionCnn.InputSize);
                        model.Forward(image, probabilities);
                        if (firstPrediction < 0) firstPrediction = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                        int label = ArgMax(probabilities);
                        if (labels is not null && labels[n] == label) correct++;
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}#{n}: {label} {FashionCnn.ClassNames[label]} ({probabilities[label]:P2})"));
                        lastImage ??= image.ToArray();
                    }
                    if (labels is not null)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Accuracy: {correct}/{shape[0]} = {(double)correct / Math.Max(1, shape[0]):P2}"));
                }
            }

            if (bench && lastImage is not null)
            {
                Console.WriteLine($"Kernels: {Kernels.VectorWidth}-bit vectors");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Main to first prediction: {firstPrediction:F2} ms"));
                var times = new double[runs];
                for (int i = 0; i < Math.Max(1, runs / 10); i++) model.Forward(lastImage, probabilities);
                for (int i = 0; i < times.Length; i++)
                {
                    long t = Stopwatch.GetTimestamp();
                    model.Forward(lastImage, probabilities);
                    times[i] = Stopwatch.GetElapsedTime(t).TotalMicroseconds;
                }
                Array.Sort(times);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Latency of one prediction over {times.Length} runs: median {times[times.Length / 2]:F1} us, p10 {times[times.Length / 10]:F1} us, p90 {times[times.Length * 9 / 10]:F1} us"));
            }
            return 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Console.Error.WriteLine($"error: no such file: {(e as FileNotFoundException)?.FileName ?? e.Message}");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // CnnDataException (a malformed image, IDX or weight resource) is an IOException and names the file.
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// <see cref="Main"/> as the exported C function <c>int cnn_inference_main(int argc, char **argv)</c> (argv[0] the
    /// program's name): the entry point of the x86-64-v4 build, a NativeAOT shared library. On an AVX-512 machine the
    /// published x86-64-v3 executable loads that library and runs the program there, before its own .NET runtime
    /// would start (native/x86_64_v4.c).
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "cnn_inference_main")]
    private static int NativeMain(int argc, byte** argv)
    {
        var args = new string[Math.Max(0, argc - 1)];
        for (int i = 0; i < args.Length; i++) args[i] = Marshal.PtrToStringUTF8((nint)argv[i + 1]) ?? "";
        return Main(args);
    }

    private static bool IsPgm(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return stream.ReadByte() == 'P';
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    private static void Usage(TextWriter writer) => writer.WriteLine(
        """
        Usage: Inference [--bench [--runs N]] [--labels LABELS.idx] FILE...
          FILE          a PGM image (P2 or P5, 28x28, light object on dark background) or an IDX image file (plain or .gz)
          --labels      the IDX label file for an IDX image file: also prints the accuracy
          --bench       prints the kernels' vector width, the time from Main to the first prediction and the latency
                        of one prediction (median of 2,000 runs, or of N with --runs N)
        """);
}
