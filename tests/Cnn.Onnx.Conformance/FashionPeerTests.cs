using System.Diagnostics;
using System.Globalization;
using Cnn.Tests;
using Xunit.Abstractions;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// Issue #14 §3, a trained model: the seed model trained in PyTorch with the recipe of <c>../shared/peers/pytorch_peer.py</c>
/// and exported to ONNX (<c>train_fashion_peer.py</c>, which also writes PyTorch's test accuracy and its predicted class for
/// each of the 10,000 Fashion-MNIST test images) imports, compiles with the generator, and classifies the test set as
/// PyTorch does: the same accuracy within <see cref="AccuracyPoints"/> and the same answer on at least
/// <see cref="AgreementFraction"/> of the images.
/// </summary>
public class FashionPeerTests(ITestOutputHelper output)
{
    /// <summary>How far our test accuracy may be from PyTorch's, in percentage points.</summary>
    public const double AccuracyPoints = 0.05;

    /// <summary>The share of test images on which our predicted class must be PyTorch's.</summary>
    public const double AgreementFraction = 0.999;

    [FashionPeerFact]
    public void PyTorchTrainedSeedModel_ImportsAndReachesPyTorchsTestAccuracy()
    {
        string folder = TestData.RequireFashionPeer();
        string[] lines = File.ReadAllLines(Path.Combine(folder, "fashion_peer.txt"));
        Assert.True(lines.Length >= 2, "fashion_peer.txt must hold the accuracy and a line of predictions");
        double pytorchAccuracy = double.Parse(lines[0], CultureInfo.InvariantCulture);
        string pytorchPredictions = lines[1].Trim();

        ImportResult import = OnnxImporter.Import(Path.Combine(folder, "fashion_peer.onnx"), new ImportOptions("FashionPeer", "Trained.FashionPeer"));
        Assert.True(import.Succeeded, $"fashion_peer.onnx did not import:\n{string.Join("\n", import.Problems)}");
        using CompiledModels compiled = ModelCompiler.CompileAndLoad(
            [new ModelSource("fashion_peer", import.Source, "Trained.FashionPeer", import.ClassName, import.Weights)]);
        Assert.True(compiled.Failures.Count == 0, string.Join("\n", compiled.Failures.Select(f => $"{f.Key}: {f.Value}")));
        ICnnModel model = compiled.Models["fashion_peer"];
        Assert.Equal(93_322, model.ParameterCount);

        Dataset test = FashionMnistData.Test();
        Assert.Equal(10_000, test.Count);
        Assert.Equal(test.Count, pytorchPredictions.Length);
        // The images are 28x28 in row-major order, which is NCHW with one channel: the ONNX input [1, 1, 28, 28].
        Assert.Equal([1, 1, 28, 28], import.OnnxInputShape);
        Assert.Equal([1, 10], import.OnnxOutputShape);
        Assert.Null(Layout.Problem(import.OnnxInputShape, import.InputAxes, model.InputShape));

        float[] input = new float[model.InputSize], probabilities = new float[model.OutputSize];
        int correct = 0, agree = 0;
        var disagreements = new List<string>();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < test.Count; i++)
        {
            Layout.ToModel(test.Input(i), import.OnnxInputShape, import.InputAxes, input);
            model.Forward(input, probabilities);
            int predicted = ArgMax(probabilities);
            if (predicted == test.Labels![i]) correct++;
            if (predicted == pytorchPredictions[i] - '0') agree++;
            else if (disagreements.Count < 10) disagreements.Add($"image {i}: ours {predicted}, PyTorch {pytorchPredictions[i]} (label {test.Labels[i]})");
        }
        double accuracy = 100.0 * correct / test.Count;
        output.WriteLine($"test accuracy: ours {accuracy:F2} %, PyTorch {pytorchAccuracy:F2} %; same class on {agree:N0} of {test.Count:N0} images; "
            + $"10,000 predictions in {clock.Elapsed.TotalMilliseconds:F0} ms");
        foreach (string d in disagreements) output.WriteLine(d);

        Assert.True(Math.Abs(accuracy - pytorchAccuracy) <= AccuracyPoints,
            $"test accuracy {accuracy:F2} %, PyTorch's {pytorchAccuracy:F2} % (more than {AccuracyPoints} points apart)");
        Assert.True(agree >= AgreementFraction * test.Count,
            $"the same class as PyTorch on only {agree} of {test.Count} images:\n{string.Join("\n", disagreements)}");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
