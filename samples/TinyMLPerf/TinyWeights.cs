using Cnn;

namespace TinyMLPerf;

/// <summary>
/// The weights the sample, the PyTorch equivalence fixture and the benchmark all use, made to behave like a trained
/// network's: the model's own <see cref="ICnnModel.InitializeParameters"/> (Glorot-uniform kernels), seeded values for
/// the biases, gamma and beta (which that leaves at 0, 1, 0), and BatchNormalization's moving statistics set near the
/// real statistics of each layer's input on seeded inputs (as training would leave them; with the initial 0 and 1 the
/// signal of a deep network fades and its output hardly depends on its input). So a wrong bias, a misplaced
/// normalisation or a shifted padding changes the outputs.
/// </summary>
public static class TinyWeights
{
    /// <summary>The seed of every file made from these weights.</summary>
    public const int Seed = 2026;

    /// <summary>How many seeded inputs the moving statistics are measured on.</summary>
    private const int CalibrationInputs = 8;

    /// <summary>Fills <paramref name="model"/>'s parameters from <paramref name="seed"/>.</summary>
    public static void Initialize(ICnnModel model, int seed = Seed)
    {
        model.InitializeParameters(seed);
        var random = new Random(seed);
        Span<float> parameters = model.Parameters;
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            (float low, float high) = Suffix(tensor) switch
            {
                "bias" or "beta" => (-0.1f, 0.1f),
                "gamma" => (0.5f, 1.5f),
                _ => (0f, 0f), // kernels keep their Glorot values; moving statistics below
            };
            if (low == high) continue;
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++) values[i] = low + (high - low) * random.NextSingle();
        }

        // Layer by layer, so that each normalisation sees the normalised layers before it. In these models every
        // BatchNormalization directly follows the layer whose output it normalises.
        var inputs = new float[CalibrationInputs][];
        for (int n = 0; n < inputs.Length; n++)
        {
            inputs[n] = new float[model.InputSize];
            for (int i = 0; i < inputs[n].Length; i++) inputs[n][i] = random.NextSingle();
        }
        IReadOnlyList<LayerInfo> layers = model.Layers;
        for (int layer = 1; layer < layers.Count; layer++)
        {
            if (layers[layer].Type != "BatchNormalization") continue;
            ParameterTensorInfo mean = model.ParameterTensors.Single(t => t.Name == layers[layer].Name + ".moving_mean");
            ParameterTensorInfo variance = model.ParameterTensors.Single(t => t.Name == layers[layer].Name + ".moving_variance");
            int channels = mean.Length;
            var output = new float[layers[layer - 1].OutputShape.Aggregate(1, (a, d) => a * d)];
            var sum = new double[channels];
            var squares = new double[channels];
            foreach (float[] input in inputs)
            {
                model.LayerOutput(input, layer - 1, output);
                for (int i = 0; i < output.Length; i++)
                {
                    sum[i % channels] += output[i];
                    squares[i % channels] += (double)output[i] * output[i];
                }
            }
            long count = (long)inputs.Length * output.Length / channels;
            for (int c = 0; c < channels; c++)
            {
                double m = sum[c] / count, v = Math.Max(squares[c] / count - m * m, 1e-6);
                // Near, not equal to, the measured statistics.
                model.Parameters[mean.Offset + c] = (float)(m + 0.1 * Math.Sqrt(v) * (2 * random.NextDouble() - 1));
                model.Parameters[variance.Offset + c] = (float)(v * (0.8 + 0.4 * random.NextDouble()));
            }
        }
    }

    private static string Suffix(ParameterTensorInfo tensor) => tensor.Name[(tensor.Name.LastIndexOf('.') + 1)..];

    /// <summary>SHA-256 of the parameters as little-endian float32, in hexadecimal: which weights a fixture was made with.</summary>
    public static string Fingerprint(ICnnModel model) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters)));
}
