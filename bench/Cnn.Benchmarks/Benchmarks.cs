using BenchmarkDotNet.Attributes;

namespace Cnn.Benchmarks;

/// <summary>Batch-1 latency of one image: ours, ONNX Runtime (1 thread), plain scalar C#.</summary>
[BenchmarkCategory("latency")]
public class Batch1Benchmarks
{
    private MnistCnn _model = null!;
    private ScalarMnist _scalar = null!;
    private OrtRunner _ort = null!;
    private readonly float[] _input = new float[784];
    private readonly float[] _output = new float[10];

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchData.LoadModel();
        _scalar = new ScalarMnist(_model);
        BenchData.Images(1, train: false).Inputs.AsSpan(0, 784).CopyTo(_input);
        _ort = new OrtRunner(batch: 1, threads: 1);
        _input.CopyTo(_ort.Input);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>The generated Forward on one image.</summary>
    [Benchmark(Description = "ours Forward, batch 1")]
    public float OursForward()
    {
        _model.Forward(_input, _output);
        return _output[0];
    }

    /// <summary>ONNX Runtime, 1 intra-op thread, pre-bound tensors.</summary>
    [Benchmark(Baseline = true, Description = "ONNX Runtime, batch 1, 1 thread")]
    public float OrtForward()
    {
        _ort.Run();
        return _ort.Output[0];
    }

    /// <summary>Nested scalar loops, same weights.</summary>
    [Benchmark(Description = "plain scalar C#, batch 1")]
    public float ScalarForward()
    {
        _scalar.Forward(_input, _output);
        return _output[0];
    }
}

/// <summary>Throughput on 256 images: ours (Inference.ForwardBatch) against ONNX Runtime, on 1 and 2 threads.</summary>
[BenchmarkCategory("batch")]
public class Batch256Benchmarks
{
    /// <summary>Images per batch.</summary>
    public const int Batch = 256;

    private MnistCnn _model = null!;
    private OrtRunner _ort = null!;
    private float[] _inputs = null!;
    private readonly float[] _outputs = new float[Batch * 10];

    /// <summary>Threads for both: our workers, ONNX Runtime's IntraOpNumThreads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchData.LoadModel();
        _inputs = BenchData.Images(Batch, train: false).Inputs.AsSpan(0, Batch * 784).ToArray();
        _ort = new OrtRunner(Batch, Threads);
        _inputs.CopyTo(_ort.Input);
    }

    [GlobalCleanup]
    public void Cleanup() => _ort.Dispose();

    /// <summary>Inference.ForwardBatch over 256 images; the figures are per image.</summary>
    [Benchmark(OperationsPerInvoke = Batch, Description = "ours ForwardBatch, batch 256")]
    public float OursBatch()
    {
        Inference.ForwardBatch(_model, _inputs, _outputs, Threads);
        return _outputs[0];
    }

    /// <summary>ONNX Runtime on a [256, 1, 28, 28] tensor; the figures are per image.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "ONNX Runtime, batch 256")]
    public float OrtBatch()
    {
        _ort.Run();
        return _ort.Output[0];
    }
}

/// <summary>
/// Training: one slice of an epoch (2,048 images, batches of 64, RMSprop) with Trainer.Fit on 1 and 2 threads;
/// and one sample's AccumulateGradients (the per-sample work, which must not allocate).
/// </summary>
[BenchmarkCategory("training")]
[WarmupCount(1), IterationCount(5)]
public class TrainingBenchmarks
{
    /// <summary>Images per timed Fit.</summary>
    public const int Samples = 2048;

    private MnistCnn _model = null!;
    private float[] _initial = null!;
    private Dataset _train = null!;

    /// <summary>TrainingOptions.Threads.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchData.LoadModel();
        _model.InitializeParameters(1234);
        _initial = _model.Parameters.ToArray();
        _train = BenchData.Images(Samples, train: true);
    }

    /// <summary>Every timed epoch starts from the same weights.</summary>
    [IterationSetup]
    public void ResetWeights() => _initial.CopyTo(_model.Parameters);

    /// <summary>One epoch over 2,048 images, batch 64, RMSprop (Keras defaults); the figures are per image.</summary>
    [Benchmark(OperationsPerInvoke = Samples, Description = "ours Trainer.Fit, batch 64, RMSprop")]
    public double Fit()
    {
        History history = Trainer.Fit(_model, _train, new TrainingOptions
        {
            Epochs = 1, BatchSize = 64, Optimizer = new RmsProp(), Seed = 1, Threads = Threads,
        });
        return history.Epochs[0].Loss;
    }
}

/// <summary>One sample's forward and backward pass (what training does per image), single thread.</summary>
[BenchmarkCategory("training")]
public class GradientBenchmarks
{
    private MnistCnn _model = null!;
    private readonly float[] _input = new float[784];
    private float[] _gradients = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = BenchData.LoadModel();
        _gradients = new float[MnistCnn.ParameterCount];
        BenchData.Images(1, train: true).Inputs.AsSpan(0, 784).CopyTo(_input);
    }

    /// <summary>AccumulateGradients on one image (with the dropout-seed overload the trainer uses).</summary>
    [Benchmark(Description = "ours AccumulateGradients, 1 sample")]
    public float AccumulateGradients() => _model.AccumulateGradients(_input, 3, _gradients, 42UL);
}

/// <summary>Each layer type of the seed model alone, with its shapes: time per call, GFLOP/s and % of FMA peak (see <see cref="Flops"/>).</summary>
[BenchmarkCategory("layers")]
public class LayerBenchmarks
{
    private readonly Conv1Layer _conv1 = new();
    private readonly Conv2Layer _conv2 = new();
    private readonly Conv3Layer _conv3 = new();
    private readonly Pool1Layer _pool1 = new();
    private readonly Pool2Layer _pool2 = new();
    private readonly Dense1Layer _dense1 = new();
    private readonly Dense2Layer _dense2 = new();
    private readonly float[] _input = new float[26 * 26 * 32];
    private readonly float[] _output = new float[26 * 26 * 32];

    [GlobalSetup]
    public void Setup()
    {
        FillAfterReLU(_input);
        _conv1.InitializeParameters(1);
        _conv2.InitializeParameters(2);
        _conv3.InitializeParameters(3);
        _dense1.InitializeParameters(4);
        _dense2.InitializeParameters(5);
    }

    /// <summary>Activations as after a ReLU: about half zero, the rest positive (seeded).</summary>
    internal static void FillAfterReLU(float[] values)
    {
        var random = new Random(7);
        for (int i = 0; i < values.Length; i++) values[i] = Math.Max(0f, random.NextSingle() - 0.5f);
    }

    [Benchmark(Description = "Conv2D 28x28x1 -> 26x26x32")]
    public float Conv1() { _conv1.Forward(_input.AsSpan(0, Conv1Layer.InputSize), _output.AsSpan(0, Conv1Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "Conv2D 13x13x32 -> 11x11x64")]
    public float Conv2() { _conv2.Forward(_input.AsSpan(0, Conv2Layer.InputSize), _output.AsSpan(0, Conv2Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "Conv2D 5x5x64 -> 3x3x64")]
    public float Conv3() { _conv3.Forward(_input.AsSpan(0, Conv3Layer.InputSize), _output.AsSpan(0, Conv3Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "MaxPool2D 26x26x32 -> 13x13x32")]
    public float Pool1() { _pool1.Forward(_input.AsSpan(0, Pool1Layer.InputSize), _output.AsSpan(0, Pool1Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "MaxPool2D 11x11x64 -> 5x5x64")]
    public float Pool2() { _pool2.Forward(_input.AsSpan(0, Pool2Layer.InputSize), _output.AsSpan(0, Pool2Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "Dense 576 -> 64 (ReLU)")]
    public float Dense1() { _dense1.Forward(_input.AsSpan(0, Dense1Layer.InputSize), _output.AsSpan(0, Dense1Layer.OutputSize)); return _output[0]; }

    [Benchmark(Description = "Dense 64 -> 10 (softmax)")]
    public float Dense2() { _dense2.Forward(_input.AsSpan(0, Dense2Layer.InputSize), _output.AsSpan(0, Dense2Layer.OutputSize)); return _output[0]; }
}

/// <summary>
/// The backward pass of each convolution of the seed model alone, from a one-hot output gradient (no loss): the
/// parameter gradients (forward, then the kernel and bias gradients) and the input gradient (forward, then dx).
/// Take the forward time of <see cref="LayerBenchmarks"/> off to get each part.
/// </summary>
[BenchmarkCategory("layers")]
public class LayerGradientBenchmarks
{
    private readonly Conv1Layer _conv1 = new();
    private readonly Conv2Layer _conv2 = new();
    private readonly Conv3Layer _conv3 = new();
    private readonly float[] _input = new float[26 * 26 * 32];
    private readonly float[] _inputGradient = new float[26 * 26 * 32];
    private readonly float[] _gradients = new float[Conv3Layer.ParameterCount];

    [GlobalSetup]
    public void Setup()
    {
        LayerBenchmarks.FillAfterReLU(_input);
        _conv1.InitializeParameters(1);
        _conv2.InitializeParameters(2);
        _conv3.InitializeParameters(3);
    }

    private float Step(ICnnModel model)
    {
        model.AccumulateOutputGradients(_input.AsSpan(0, model.InputSize), 0, _gradients.AsSpan(0, model.ParameterCount));
        return _gradients[0];
    }

    private float InputGradient(ICnnModel model)
    {
        model.InputGradient(_input.AsSpan(0, model.InputSize), 0, _inputGradient.AsSpan(0, model.InputSize));
        return _inputGradient[0];
    }

    [Benchmark(Description = "Conv2D 28x28x1 -> 26x26x32: forward + parameter gradients")]
    public float Conv1Step() => Step(_conv1);

    [Benchmark(Description = "Conv2D 13x13x32 -> 11x11x64: forward + parameter gradients")]
    public float Conv2Step() => Step(_conv2);

    [Benchmark(Description = "Conv2D 13x13x32 -> 11x11x64: forward + input gradient")]
    public float Conv2InputGradient() => InputGradient(_conv2);

    [Benchmark(Description = "Conv2D 5x5x64 -> 3x3x64: forward + parameter gradients")]
    public float Conv3Step() => Step(_conv3);

    [Benchmark(Description = "Conv2D 5x5x64 -> 3x3x64: forward + input gradient")]
    public float Conv3InputGradient() => InputGradient(_conv3);
}
