using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// A training-mode batch of a Conv2D/BatchNormalization/ReLU/Flatten/Dense model against PyTorch in float64, in the batch
/// format of SPEC §7 (Fixtures/bn_batch.safetensors, written by Fixtures/bn_batch.py), within SPEC §6's tolerances:
/// outputs 1e-4 relative, the loss and the gradients 1e-3.
/// </summary>
public class BatchNormalizationFixtureTests
{
    private static readonly string s_path = Path.Combine(TestPaths.RepositoryRoot, "tests", "Cnn.Generator.IntegrationTests", "Fixtures", "bn_batch.safetensors");

    /// <summary>As GoldenTests' check, plus an absolute floor: a bias before BatchNormalization has a gradient of exactly 0 in theory, 1e-17 in float64, 1e-9 in float32.</summary>
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what, double floor = 1e-2, double absolute = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), floor * scale) + absolute;
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance:G3})");
        }
    }

    /// <summary>This project's fixture, and the golden file of SPEC §7 (Conv2D, BatchNormalization, ReLU, pooling, GlobalAveragePooling2D).</summary>
    public static TheoryData<string> Files => new() { "fixture", "bn_cnn" };

    [Theory]
    [MemberData(nameof(Files))]
    public void BatchStep_MatchesPyTorch(string name)
    {
        SafeTensorsFile file = SafeTensorsFile.Open(name == "fixture" ? s_path : TestPaths.Golden(name + ".safetensors"));
        ICnnModel model = name == "fixture" ? new BnBatchFixture() : new BnCnn();
        WeightFile.Load(model, file, ignoreOtherTensors: true);
        Assert.Equal(int.Parse(file.Metadata["parameters"]), model.ParameterCount);
        Assert.Equal(int.Parse(file.Metadata["trainable_parameters"]), model.TrainableParameterCount);
        int n = int.Parse(file.Metadata["batch"]);
        float[] inputs = file.ReadSingles("inputs");
        int[] targets = file.ReadSingles("targets").Select(t => (int)t).ToArray();
        Assert.Equal(n * model.InputSize, inputs.Length);
        float[] stored = model.Parameters.ToArray();

        // Inference with the stored moving statistics.
        var output = new float[model.OutputSize];
        float[] inference = file.ReadSingles("inference_outputs");
        for (int i = 0; i < n; i++)
        {
            model.Forward(inputs.AsSpan(i * model.InputSize, model.InputSize), output);
            AssertClose(inference.AsSpan(i * model.OutputSize, model.OutputSize), output, 1e-4, $"inference_outputs[{i}]");
        }

        // The training-mode batch on two threads (the result does not depend on them).
        var gradients = new float[model.ParameterCount];
        var outputs = new float[n * model.OutputSize];
        float loss = model.AccumulateBatchGradients(inputs, targets, gradients, true, 2, outputs);
        AssertClose(file.ReadSingles("outputs"), outputs, 1e-4, "outputs");
        AssertClose(file.ReadSingles("loss"), new[] { loss }, 1e-3, "loss");
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            ReadOnlySpan<float> actual = gradients.AsSpan(tensor.Offset, tensor.Length);
            AssertClose(file.ReadSingles("grad." + tensor.Name), actual, 1e-3, "grad." + tensor.Name, absolute: 1e-6);
            if (!tensor.Trainable) Assert.All(actual.ToArray(), g => Assert.Equal(0f, g));
        }
        foreach (string layer in new[] { "batch_normalization", "batch_normalization_1" })
        {
            foreach (string statistic in new[] { "moving_mean", "moving_variance" })
            {
                ParameterTensorInfo tensor = model.ParameterTensors.Single(t => t.Name == $"{layer}.{statistic}");
                AssertClose(file.ReadSingles($"{layer}.{statistic}_after"), model.Parameters.Slice(tensor.Offset, tensor.Length), 1e-4, $"{layer}.{statistic}_after");
            }
        }
        // Only the moving statistics moved.
        foreach (ParameterTensorInfo tensor in model.ParameterTensors.Where(t => t.Trainable))
            Assert.Equal(stored.AsSpan(tensor.Offset, tensor.Length).ToArray(), model.Parameters.Slice(tensor.Offset, tensor.Length).ToArray());
    }
}
