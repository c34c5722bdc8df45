using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Cnn;
using Cnn.Generator.IntegrationTests.Models;

// The golden checks of tests/Cnn.Generator.IntegrationTests/GoldenTests.cs as a console program: every file of
// ../shared/golden through the project's own safetensors reader; outputs within 1e-4 relative, loss, parameter
// gradients and saliency within 1e-3. Exit code 0 when everything matches, 1 on a mismatch, 2 on bad arguments.
//   Cnn.Arm64Check [GOLDEN-DIR] [--expect-width 128] [--bench N]
// --expect-width fails unless the kernels run at that width (CI: 128 on ARM64, where Vector128 is the hardware's);
// --bench times N forward passes of the seed model (keras_mnist) after the checks.

string? goldenDirectory = null;
int expectWidth = 0, benchRuns = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--expect-width" when i + 1 < args.Length && int.TryParse(args[i + 1], out expectWidth): i++; break;
        case "--bench" when i + 1 < args.Length && int.TryParse(args[i + 1], out benchRuns) && benchRuns > 0: i++; break;
        default:
            if (args[i].StartsWith('-') || goldenDirectory is not null)
            {
                Console.Error.WriteLine($"Unexpected argument '{args[i]}'. Usage: Cnn.Arm64Check [GOLDEN-DIR] [--expect-width 512|256|128] [--bench N]");
                return 2;
            }
            goldenDirectory = args[i];
            break;
    }
}
goldenDirectory ??= Path.Combine("..", "shared", "golden");
if (!Directory.Exists(goldenDirectory))
{
    Console.Error.WriteLine($"No golden folder at '{Path.GetFullPath(goldenDirectory)}': pass its path (the repository's ../shared/golden).");
    return 2;
}

Console.WriteLine($"{RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}: kernels at {Kernels.VectorWidth} bits " +
    $"(hardware-accelerated: Vector128 {Vector128.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector512 {Vector512.IsHardwareAccelerated})");
if (expectWidth != 0 && Kernels.VectorWidth != expectWidth)
{
    Console.WriteLine($"FAIL: the kernels run at {Kernels.VectorWidth} bits, expected {expectWidth}");
    return 1;
}

int failures = 0, checks = 0;
foreach (string name in new[] { "keras_mnist", "tiny_conv", "strided_same", "iris_mlp" })
{
    ICnnModel model = name switch
    {
        "keras_mnist" => new KerasMnist(),
        "tiny_conv" => new TinyConv(),
        "strided_same" => new StridedSame(),
        _ => new IrisMlp(),
    };
    SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(goldenDirectory, name + ".safetensors"));
    WeightFile.Load(model, file, ignoreOtherTensors: true);
    float[] inputs = file.ReadSingles("input");
    int samples = (int)(file.Info("input").ElementCount / model.InputSize);
    int before = failures;

    float[] expectedOutput = file.ReadSingles("output");
    var output = new float[model.OutputSize];
    for (int s = 0; s < samples; s++)
    {
        model.Forward(inputs.AsSpan(s * model.InputSize, model.InputSize), output);
        Check(expectedOutput.AsSpan(s * model.OutputSize, model.OutputSize), output, 1e-4, $"{name} output", floor: 0);
    }

    float[] targets = file.ReadSingles("target");
    var gradients = new float[model.ParameterCount];
    var losses = new float[samples];
    for (int s = 0; s < samples; s++)
    {
        ReadOnlySpan<float> input = inputs.AsSpan(s * model.InputSize, model.InputSize);
        losses[s] = model.Loss == Loss.SparseCategoricalCrossEntropy
            ? model.AccumulateGradients(input, (int)targets[s], gradients)
            : model.AccumulateGradients(input, targets.AsSpan(s * model.OutputSize, model.OutputSize), gradients);
    }
    Check(file.ReadSingles("loss"), losses, 1e-3, $"{name} loss", floor: 0);
    foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        Check(file.ReadSingles("grad." + tensor.Name), gradients.AsSpan(tensor.Offset, tensor.Length), 1e-3, $"{name} grad.{tensor.Name}");

    int index = int.Parse(file.Metadata["saliency_index"]);
    float[] expectedSaliency = file.ReadSingles("saliency");
    var saliency = new float[model.InputSize];
    for (int s = 0; s < samples; s++)
    {
        model.InputGradient(inputs.AsSpan(s * model.InputSize, model.InputSize), index, saliency);
        Check(expectedSaliency.AsSpan(s * model.InputSize, model.InputSize), saliency, 1e-3, $"{name} saliency");
    }
    Console.WriteLine($"{(failures == before ? "ok  " : "FAIL")} {name}: {samples} samples, forward, loss, {model.ParameterTensors.Count} gradients, saliency");
}
Console.WriteLine(failures == 0 ? $"OK: {checks} golden tensors match" : $"FAIL: {failures} of {checks} golden tensors differ");
if (failures > 0) return 1;

if (benchRuns > 0)
{
    // The seed model's forward pass, batch 1: the median of benchRuns timed calls after as many warm-up calls.
    var model = new KerasMnist();
    WeightFile.Load(model, SafeTensorsFile.Open(Path.Combine(goldenDirectory, "keras_mnist.safetensors")), ignoreOtherTensors: true);
    float[] input = SafeTensorsFile.Open(Path.Combine(goldenDirectory, "keras_mnist.safetensors")).ReadSingles("input").AsSpan(0, KerasMnist.InputSize).ToArray();
    var output = new float[KerasMnist.OutputSize];
    var times = new double[benchRuns];
    for (int i = 0; i < benchRuns; i++) model.Forward(input, output);
    // Processor time as well as wall time: on a busy machine (or under an emulator sharing it) the first is steadier.
    TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    for (int i = 0; i < benchRuns; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        model.Forward(input, output);
        times[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
    }
    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / benchRuns;
    Array.Sort(times);
    Console.WriteLine($"keras_mnist Forward at {Kernels.VectorWidth} bits: median {times[benchRuns / 2]:F1} us over {benchRuns} runs (min {times[0]:F1} us), processor time {cpu:F1} us per run");
}
return 0;

// |actual - expected| ≤ relative·max(|expected|, floor·max|expected|), as GoldenTests.AssertClose; prints the first bad value.
void Check(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what, double floor = 1e-2)
{
    checks++;
    double scale = 0;
    foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
    if (expected.Length != actual.Length)
    {
        Console.WriteLine($"  {what}: {actual.Length} values, expected {expected.Length}");
        failures++;
        return;
    }
    for (int i = 0; i < expected.Length; i++)
    {
        double tolerance = relative * Math.Max(Math.Abs(expected[i]), floor * scale) + 1e-12;
        if (!(Math.Abs(actual[i] - expected[i]) <= tolerance))
        {
            Console.WriteLine($"  {what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance:G3})");
            failures++;
            return;
        }
    }
}
