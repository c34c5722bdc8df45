using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// ReLU with a slope and a cap, LeakyReLU, ReLU6, ZeroPadding2D, 1D pooling and global pooling against PyTorch:
/// Fixtures/make_layer_fixtures.py wrote each model's parameters, inputs, outputs and input gradients (float64,
/// rounded) into Fixtures/*.safetensors, which these tests read with the project's own reader. Outputs within
/// 1e-4 relative, input gradients within 1e-3 (SPEC §6's tolerances).
/// </summary>
public class LayerFixtureTests
{
    public static TheoryData<string> Files => new() { "fixture_image_max", "fixture_image_average", "fixture_image_flatten", "fixture_sequence_average", "fixture_sequence_max" };

    private static ICnnModel Create(string file) => file switch
    {
        "fixture_image_max" => new FixtureImageMax(),
        "fixture_image_average" => new FixtureImageAverage(),
        "fixture_image_flatten" => new FixtureImageFlatten(),
        "fixture_sequence_average" => new FixtureSequenceAverage(),
        "fixture_sequence_max" => new FixtureSequenceMax(),
        _ => throw new ArgumentException(file),
    };

    private static (ICnnModel Model, SafeTensorsFile File, int Samples) Load(string name)
    {
        SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(TestPaths.RepositoryRoot, "tests", "Cnn.Generator.IntegrationTests", "Fixtures", name + ".safetensors"));
        ICnnModel model = Create(name);
        WeightFile.Load(model, file, ignoreOtherTensors: true);
        int samples = (int)(file.Info("input").ElementCount / model.InputSize);
        Assert.Equal(3, samples);
        return (model, file, samples);
    }

    /// <summary>|actual - expected| ≤ relative·max(|expected|, 1e-2·max|expected|).</summary>
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), 1e-2 * scale) + 1e-12;
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Forward_MatchesPyTorch(string name)
    {
        (ICnnModel model, SafeTensorsFile file, int samples) = Load(name);
        float[] inputs = file.ReadSingles("input"), expected = file.ReadSingles("output");
        var output = new float[model.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            model.Forward(inputs.AsSpan(s * model.InputSize, model.InputSize), output);
            AssertClose(expected.AsSpan(s * model.OutputSize, model.OutputSize), output, 1e-4, $"{name} sample {s} output");
        }
        // A test whose every output is 0 (or capped) would check little: some must lie strictly inside.
        Assert.Contains(expected, v => v != 0f && v != 6f);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void InputGradient_MatchesPyTorch(string name)
    {
        (ICnnModel model, SafeTensorsFile file, int samples) = Load(name);
        float[] inputs = file.ReadSingles("input"), expected = file.ReadSingles("saliency");
        var gradient = new float[model.InputSize];
        for (int s = 0; s < samples; s++)
            for (int k = 0; k < model.OutputSize; k++)
            {
                model.InputGradient(inputs.AsSpan(s * model.InputSize, model.InputSize), k, gradient);
                AssertClose(expected.AsSpan((s * model.OutputSize + k) * model.InputSize, model.InputSize), gradient, 1e-3, $"{name} sample {s} d output[{k}] / d input");
            }
        Assert.Contains(expected, v => v != 0f);
    }
}
