using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// The conformance data of SPEC §6: PyTorch float64 results for four models, read with our own safetensors
/// reader. Outputs must match within 1e-4 relative, the loss, every parameter gradient and the saliency map
/// within 1e-3 relative.
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Files => new() { "keras_mnist", "tiny_conv", "strided_same", "iris_mlp", "residual", "depthwise_separable", "conv1d" };

    private static ICnnModel Create(string file) => file switch
    {
        "keras_mnist" => new KerasMnist(),
        "tiny_conv" => new TinyConv(),
        "strided_same" => new StridedSame(),
        "iris_mlp" => new IrisMlp(),
        "residual" => new Residual(),
        "depthwise_separable" => new DepthwiseSeparable(),
        "conv1d" => new Conv1dGolden(),
        _ => throw new ArgumentException(file),
    };

    private static (ICnnModel Model, SafeTensorsFile File) Load(string name)
    {
        SafeTensorsFile file = SafeTensorsFile.Open(TestPaths.Golden(name + ".safetensors"));
        ICnnModel model = Create(name);
        WeightFile.Load(model, file, ignoreOtherTensors: true);
        return (model, file);
    }

    /// <summary>|actual - expected| ≤ relative·max(|expected|, floor·max|expected|): relative, with a floor scaled to the tensor's magnitude.</summary>
    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double relative, string what, double floor = 1e-2)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (float e in expected) scale = Math.Max(scale, Math.Abs(e));
        for (int i = 0; i < expected.Length; i++)
        {
            double tolerance = relative * Math.Max(Math.Abs(expected[i]), floor * scale) + 1e-12;
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance,
                $"{what}[{i}]: expected {expected[i]:G9}, got {actual[i]:G9} (tolerance {tolerance:G3})");
        }
    }

    private static int Samples(ICnnModel model, SafeTensorsFile file) => (int)(file.Info("input").ElementCount / model.InputSize);

    [Theory]
    [MemberData(nameof(Files))]
    public void Metadata_DescribesThisModel(string name)
    {
        (ICnnModel model, SafeTensorsFile file) = Load(name);
        Assert.Equal(int.Parse(file.Metadata["parameters"]), model.ParameterCount);
        Assert.Equal(file.Metadata["loss"], model.Loss.ToString());
        // "conv2d:26x26x32 max_pooling2d:13x13x32 ..." names and shapes of the layers with a shape of their own.
        foreach (string entry in file.Metadata["shapes"].Split(' '))
        {
            string[] parts = entry.Split(':');
            LayerInfo layer = Assert.Single(model.Layers, l => l.Name == parts[0]);
            Assert.Equal(parts[1], string.Join("x", layer.OutputShape));
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Forward_MatchesPyTorch(string name)
    {
        (ICnnModel model, SafeTensorsFile file) = Load(name);
        float[] inputs = file.ReadSingles("input");
        float[] expected = file.ReadSingles("output");
        var output = new float[model.OutputSize];
        for (int s = 0; s < Samples(model, file); s++)
        {
            model.Forward(inputs.AsSpan(s * model.InputSize, model.InputSize), output);
            AssertClose(expected.AsSpan(s * model.OutputSize, model.OutputSize), output, 1e-4, $"{name} output", floor: 0);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void LossAndParameterGradients_MatchPyTorch(string name)
    {
        (ICnnModel model, SafeTensorsFile file) = Load(name);
        float[] inputs = file.ReadSingles("input");
        float[] targets = file.ReadSingles("target");
        float[] expectedLoss = file.ReadSingles("loss");
        var gradients = new float[model.ParameterCount];
        var losses = new float[Samples(model, file)];
        for (int s = 0; s < losses.Length; s++)
        {
            ReadOnlySpan<float> input = inputs.AsSpan(s * model.InputSize, model.InputSize);
            losses[s] = model.Loss == Loss.SparseCategoricalCrossEntropy
                ? model.AccumulateGradients(input, (int)targets[s], gradients)
                : model.AccumulateGradients(input, targets.AsSpan(s * model.OutputSize, model.OutputSize), gradients);
        }
        AssertClose(expectedLoss, losses, 1e-3, $"{name} loss", floor: 0);

        // grad.* is the gradient of the samples' summed loss alone (SPEC §6), as AccumulateGradients adds it up.
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
            AssertClose(file.ReadSingles("grad." + tensor.Name), gradients.AsSpan(tensor.Offset, tensor.Length), 1e-3, $"{name} grad.{tensor.Name}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Saliency_MatchesPyTorch(string name)
    {
        (ICnnModel model, SafeTensorsFile file) = Load(name);
        int index = int.Parse(file.Metadata["saliency_index"]);
        float[] inputs = file.ReadSingles("input");
        float[] expected = file.ReadSingles("saliency");
        var gradient = new float[model.InputSize];
        for (int s = 0; s < Samples(model, file); s++)
        {
            model.InputGradient(inputs.AsSpan(s * model.InputSize, model.InputSize), index, gradient);
            AssertClose(expected.AsSpan(s * model.InputSize, model.InputSize), gradient, 1e-3, $"{name} saliency");
        }
    }
}
