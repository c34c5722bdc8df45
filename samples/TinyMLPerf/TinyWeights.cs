using Cnn;

namespace TinyMLPerf;

/// <summary>
/// The weights the sample, the PyTorch equivalence fixture and the benchmark all use: the model's own
/// <see cref="ICnnModel.InitializeParameters"/> (Glorot-uniform kernels), then seeded values for what that leaves at a
/// constant (biases 0; BatchNormalization's gamma 1, beta 0, moving mean 0, moving variance 1), so that a wrong bias or a
/// misplaced normalisation changes the outputs.
/// </summary>
public static class TinyWeights
{
    /// <summary>The seed of every file made from these weights.</summary>
    public const int Seed = 2026;

    /// <summary>Fills <paramref name="model"/>'s parameters from <paramref name="seed"/>.</summary>
    public static void Initialize(ICnnModel model, int seed = Seed)
    {
        model.InitializeParameters(seed);
        var random = new Random(seed);
        Span<float> parameters = model.Parameters;
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            (float low, float high) = tensor.Name[(tensor.Name.LastIndexOf('.') + 1)..] switch
            {
                "bias" or "beta" => (-0.1f, 0.1f),
                "gamma" => (0.5f, 1.5f),
                "moving_mean" => (-0.2f, 0.2f),
                "moving_variance" => (0.5f, 1.5f),
                _ => (0f, 0f), // kernels keep their Glorot values
            };
            if (low == high) continue;
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextSingle();
        }
    }

    /// <summary>SHA-256 of the parameters as little-endian float32, in hexadecimal: which weights a fixture was made with.</summary>
    public static string Fingerprint(ICnnModel model) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters)));
}
