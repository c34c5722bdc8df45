using Cnn;

namespace Cnn.Explainer.Tests;

// The page's two networks (samples/Explainer/Models.cs), declared again on the .NET side with the same weight files
// loaded by WeightFile: the reference the page's numbers are checked against.

[Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 3, Activation = Activation.ReLU)]
[Flatten]
[Dense(64, Activation = Activation.ReLU)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(93_322)]
public partial class FashionReference;

[Model(8, 8, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
[Conv2D(16, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(32, 3, Activation = Activation.ReLU)]
[Flatten]
[Dropout(0.2)]
[Dense(10, Activation = Activation.Softmax)]
[ExpectParameters(6_090)]
public partial class DigitsReference;

internal static class References
{
    public static FashionReference Fashion(string root)
    {
        var model = new FashionReference();
        WeightFile.Load(model, Path.Combine(root, "samples", "Inference", "weights", "fashion-mnist-cnn.safetensors"));
        return model;
    }

    public static DigitsReference Digits(string root)
    {
        var model = new DigitsReference();
        WeightFile.Load(model, Path.Combine(root, "samples", "Explainer", "weights", "digits-cnn.safetensors"));
        return model;
    }

    /// <summary>Test image <paramref name="index"/> of the page's Fashion-MNIST strip, scaled to [0, 1].</summary>
    public static float[] FashionImage(string root, int index)
    {
        (byte[] data, int[] shape) = Idx.Read(Path.Combine(root, "samples", "Explainer", "Data", "fashion-mnist-test-20-images.idx"), 3);
        int size = shape[1] * shape[2];
        return data.AsSpan(index * size, size).ToArray().Select(b => b / 255f).ToArray();
    }
}
