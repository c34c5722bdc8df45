using Microsoft.ML.OnnxRuntime;

namespace Cnn.Benchmarks;

/// <summary>The data every benchmark shares: the seed model's weights, test images, the ONNX file.</summary>
public static class BenchData
{
    /// <summary>A seeded input of <paramref name="model"/> with values in [0, 1), in our channels_last layout.</summary>
    public static float[] SeededInput(ICnnModel model, int seed)
    {
        var random = new Random(seed);
        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = random.NextSingle();
        return input;
    }

    /// <summary>The folder with keras_mnist.onnx and keras_mnist.safetensors (copied beside the executable).</summary>
    public static string DataDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "data");

    /// <summary>The ONNX export of the seed model with the same weights as <see cref="WeightsPath"/>.</summary>
    public static string OnnxPath => Path.Combine(DataDirectory, "keras_mnist.onnx");

    /// <summary>The seed model's weights (shared/golden/keras_mnist.safetensors: weights plus the golden sample).</summary>
    public static string WeightsPath => Path.Combine(DataDirectory, "keras_mnist.safetensors");

    /// <summary>Where the inputs come from: "Fashion-MNIST" or "random".</summary>
    public static string InputSource { get; private set; } = "";

    /// <summary>The seed model with the reference weights.</summary>
    public static MnistCnn LoadModel()
    {
        var model = new MnistCnn();
        WeightFile.Load(model, SafeTensorsFile.Open(WeightsPath), ignoreOtherTensors: true);
        return model;
    }

    /// <summary>
    /// <paramref name="count"/> images of 784 values: Fashion-MNIST (test or training set) when the Debian
    /// package dataset-fashion-mnist is installed, else uniform random pixels in [0, 1).
    /// </summary>
    public static Dataset Images(int count, bool train)
    {
        if (Directory.Exists(Datasets.FashionMnistDirectory))
        {
            InputSource = "Fashion-MNIST";
            return Datasets.FashionMnist(train).Take(count);
        }
        InputSource = "random";
        var random = new Random(train ? 1 : 2);
        var pixels = new float[count * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = random.NextSingle();
        var labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = random.Next(10);
        return new Dataset(pixels, [28, 28, 1], labels, 10);
    }
}

/// <summary>
/// ONNX Runtime on keras_mnist.onnx for a fixed batch size: input and output tensors created once over
/// managed arrays and bound once (IoBinding), so a run measures inference, not marshalling.
/// </summary>
public sealed class OrtRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();

    /// <summary>Batch × 784 input values (NCHW with one channel is the same memory as our HWC).</summary>
    public float[] Input { get; }

    /// <summary>Batch × 10 softmax outputs of the last <see cref="Run"/>.</summary>
    public float[] Output { get; }

    /// <summary>Opens the session with <paramref name="threads"/> intra-op threads and no spinning.</summary>
    public OrtRunner(int batch, int threads)
    {
        _session = new InferenceSession(BenchData.OnnxPath, Options(threads));
        string inputName = _session.InputMetadata.Keys.Single();
        string outputName = _session.OutputMetadata.Keys.Single();
        int[] dims = _session.InputMetadata[inputName].Dimensions;
        if (dims.Length != 4 || dims[1] != 1 || dims[2] != 28 || dims[3] != 28)
            throw new InvalidOperationException($"{BenchData.OnnxPath}: expected an input [N, 1, 28, 28], found [{string.Join(", ", dims)}].");
        Input = new float[batch * 784];
        Output = new float[batch * 10];
        _input = OrtValue.CreateTensorValueFromMemory(Input, [batch, 1, 28, 28]);
        _output = OrtValue.CreateTensorValueFromMemory(Output, [batch, 10]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(inputName, _input);
        _binding.BindOutput(outputName, _output);
    }

    /// <summary>
    /// The session options of every ONNX Runtime peer in the benchmark: <paramref name="threads"/> intra-op threads, one
    /// inter-op thread, sequential execution, all graph optimisations, and no spinning between runs.
    /// </summary>
    public static SessionOptions Options(int threads)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /// <summary>Runs the model on <see cref="Input"/> into <see cref="Output"/>.</summary>
    public void Run() => _session.RunWithBinding(_runOptions, _binding);

    /// <inheritdoc/>
    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
