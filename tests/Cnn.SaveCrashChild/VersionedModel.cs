using System.Globalization;

namespace Cnn.SaveCrashChild;

/// <summary>
/// A model with 262,656 parameters (a 1 MB weight file, so that a save takes long enough to be interrupted)
/// whose values are a function of a version number, recorded in the file's metadata: a file whose values do not
/// match its version is a torn write. Shared (as a linked file) with the test that kills the saving process.
/// </summary>
internal sealed class VersionedModel : ICnnModel
{
    private static readonly ParameterTensorInfo[] s_tensors = [new("dense.kernel", 0, [512, 512]), new("dense.bias", 262_144, [512])];

    private readonly float[] _parameters = new float[262_656];

    /// <summary>The metadata key that holds the version.</summary>
    public const string VersionKey = "version";

    /// <summary>Parameter <paramref name="index"/> of <paramref name="version"/>: exact in float, different for consecutive versions.</summary>
    public static float Value(long version, int index) => (float)((version * 31 + index) % 1000) / 8f;

    /// <summary>Sets the parameters to those of <paramref name="version"/>.</summary>
    public void SetVersion(long version)
    {
        for (int i = 0; i < _parameters.Length; i++) _parameters[i] = Value(version, i);
    }

    /// <summary>The index of the first parameter that is not that of <paramref name="version"/>, or -1.</summary>
    public int FirstMismatch(long version)
    {
        for (int i = 0; i < _parameters.Length; i++)
            if (_parameters[i] != Value(version, i)) return i;
        return -1;
    }

    /// <summary>Saves the parameters of <paramref name="version"/> to <paramref name="path"/>.</summary>
    public void Save(long version, string path)
    {
        SetVersion(version);
        WeightFile.Save(this, path, new Dictionary<string, string> { [VersionKey] = version.ToString(CultureInfo.InvariantCulture) });
    }

    public int InputSize => 512;
    public int OutputSize => 512;
    public int ParameterCount => _parameters.Length;
    public ReadOnlySpan<int> InputShape => new[] { 512 };
    public ReadOnlySpan<int> OutputShape => new[] { 512 };
    public Loss Loss => Loss.MeanSquaredError;
    public string Summary => "";
    public IReadOnlyList<LayerInfo> Layers => [];
    public IReadOnlyList<ParameterTensorInfo> ParameterTensors => s_tensors;
    public Span<float> Parameters => _parameters;
    public void InitializeParameters(int seed) => SetVersion(seed);
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
