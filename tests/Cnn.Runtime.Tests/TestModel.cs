namespace Cnn.Runtime.Tests;

/// <summary>
/// A model with only the members weight files use (parameter tensors and storage), shaped like the
/// <c>tiny_conv</c> golden model: runtime tests need no generated code. The compute members throw.
/// </summary>
internal sealed class TestModel : ICnnModel
{
    private static readonly ParameterTensorInfo[] s_tensors =
    [
        new("conv2d.kernel", 0, [3, 3, 1, 4]),
        new("conv2d.bias", 36, [4]),
        new("dense.kernel", 40, [36, 10]),
        new("dense.bias", 400, [10]),
    ];

    private readonly float[] _parameters = new float[410];

    public int InputSize => 64;
    public int OutputSize => 10;
    public int ParameterCount => 410;
    public ReadOnlySpan<int> InputShape => new[] { 8, 8, 1 };
    public ReadOnlySpan<int> OutputShape => new[] { 10 };
    public Loss Loss => Loss.SparseCategoricalCrossEntropy;
    public string Summary => "";
    public IReadOnlyList<LayerInfo> Layers => [];
    public IReadOnlyList<ParameterTensorInfo> ParameterTensors => s_tensors;
    public Span<float> Parameters => _parameters;

    public void InitializeParameters(int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < _parameters.Length; i++) _parameters[i] = (float)(random.NextDouble() * 2 - 1);
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();
    public int Predict(ReadOnlySpan<float> input) => throw new NotSupportedException();
    public float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients) => throw new NotSupportedException();
    public float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients) => throw new NotSupportedException();
    public float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients, ulong dropoutSeed) => throw new NotSupportedException();
    public float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients, ulong dropoutSeed) => throw new NotSupportedException();
    public void InputGradient(ReadOnlySpan<float> input, int outputIndex, Span<float> inputGradient) => throw new NotSupportedException();
    public void AccumulateOutputGradients(ReadOnlySpan<float> input, int outputIndex, Span<float> gradients) => throw new NotSupportedException();
    public void LayerOutput(ReadOnlySpan<float> input, int layerIndex, Span<float> output) => throw new NotSupportedException();
    public void ChannelGradient(ReadOnlySpan<float> input, int layerIndex, int channel, Span<float> inputGradient) => throw new NotSupportedException();
}
