using Microsoft.ML.OnnxRuntime;

namespace Cnn.Benchmarks;

/// <summary>
/// ONNX Runtime on one image model's ONNX file at batch 1 (the MLPerf Tiny exports, the imported torchvision models):
/// input [1, C, H, W] (NCHW; a symbolic batch is bound as 1) and output tensors created once over managed arrays and
/// bound once; <see cref="SetInput"/> transposes our HWC input into it.
/// </summary>
public sealed class OrtImageRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _runOptions = new();
    private readonly int _height, _width, _channels;
    private readonly float[] _nchw;

    /// <summary>The outputs of the last <see cref="Run"/>.</summary>
    public float[] Output { get; }

    /// <summary>Opens <paramref name="path"/> for an input of <paramref name="hwc"/> (our shape) and <paramref name="outputs"/> outputs.</summary>
    public OrtImageRunner(string path, int[] hwc, int outputs)
    {
        _session = new InferenceSession(path, OrtRunner.Options(threads: 1));
        (_height, _width, _channels) = (hwc[0], hwc[1], hwc[2]);
        string inputName = _session.InputMetadata.Keys.Single(), outputName = _session.OutputMetadata.Keys.Single();
        int[] dims = _session.InputMetadata[inputName].Dimensions;
        // An export's batch is symbolic (-1 here).
        if (dims is not [1 or -1, var c, var h, var w] || c != _channels || h != _height || w != _width)
            throw new InvalidOperationException($"{path}: expected an input [1, {_channels}, {_height}, {_width}], found [{string.Join(", ", dims)}].");
        _nchw = new float[_height * _width * _channels];
        Output = new float[outputs];
        _input = OrtValue.CreateTensorValueFromMemory(_nchw, [1, _channels, _height, _width]);
        _output = OrtValue.CreateTensorValueFromMemory(Output, [1, outputs]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(inputName, _input);
        _binding.BindOutput(outputName, _output);
    }

    /// <summary>Copies an input in our [H, W, C] layout into the bound [1, C, H, W] tensor (not timed).</summary>
    public void SetInput(ReadOnlySpan<float> hwc)
    {
        for (int y = 0; y < _height; y++)
            for (int x = 0; x < _width; x++)
                for (int c = 0; c < _channels; c++)
                    _nchw[(c * _height + y) * _width + x] = hwc[(y * _width + x) * _channels + c];
    }

    /// <summary>Runs the model.</summary>
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
