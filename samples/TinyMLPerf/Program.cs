// The three MLPerf Tiny reference models (TinyModels.cs): for each, its summary, its parameter counts and the median
// latency of one Forward on one input (batch 1, this thread), with the seeded weights of TinyWeights.
// Usage: TinyMLPerf [calls] [--write-weights DIR]
//   calls: how many timed Forward calls per model (default 2000; as many again warm up first)
//   --write-weights DIR: also writes DIR/<model>.safetensors (the weights the PyTorch fixture and the benchmark use)
using System.Diagnostics;
using System.Globalization;
using Cnn;
using TinyMLPerf;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const string Usage = "Usage: TinyMLPerf [calls] [--write-weights DIR]";
int calls = 2000;
string? weightsDirectory = null;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--write-weights" && i + 1 < args.Length) weightsDirectory = args[++i];
    else if (int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1) calls = n;
    else
    {
        Console.Error.WriteLine($"Unknown argument '{args[i]}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

(string Name, ICnnModel Model)[] models = [("ResNet8", new ResNet8()), ("DsCnn", new DsCnn()), ("MobileNetV1", new MobileNetV1())];
Console.WriteLine($"Kernels: {Kernels.VectorWidth}-bit vectors; {calls:N0} timed calls per model.");
foreach ((string name, ICnnModel model) in models)
{
    TinyWeights.Initialize(model);
    Console.WriteLine();
    Console.WriteLine(model.Summary);
    var input = new float[model.InputSize];
    var random = new Random(TinyWeights.Seed);
    for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle();
    var output = new float[model.OutputSize];
    double median = MedianMicroseconds(model, input, output, calls);
    Console.WriteLine($"{name}: {model.ParameterCount:N0} parameters ({model.TrainableParameterCount:N0} trainable), " +
                      $"input {string.Join("x", model.InputShape.ToArray())}, batch-1 Forward median {median:F1} µs, class {model.Predict(input)}");
    if (weightsDirectory is not null)
    {
        Directory.CreateDirectory(weightsDirectory);
        string path = Path.Combine(weightsDirectory, name + ".safetensors");
        WeightFile.Save(model, path, new Dictionary<string, string> { ["seed"] = TinyWeights.Seed.ToString(CultureInfo.InvariantCulture) });
        Console.WriteLine($"Weights written to {path}.");
    }
}
return 0;

// Each call timed alone, after as many warm-up calls; the median is robust to the other work of a shared machine.
static double MedianMicroseconds(ICnnModel model, float[] input, float[] output, int calls)
{
    for (int i = 0; i < calls; i++) model.Forward(input, output);
    var times = new double[calls];
    for (int i = 0; i < calls; i++)
    {
        long start = Stopwatch.GetTimestamp();
        model.Forward(input, output);
        times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
    }
    Array.Sort(times);
    return times[calls / 2];
}
