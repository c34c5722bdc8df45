using Cnn;

namespace Explainer;

/// <summary>One test image of the strip: its pixels (the model input) and its true label.</summary>
/// <param name="Pixels">Height·width values in [0, 1].</param>
/// <param name="Label">The true class.</param>
public sealed record TestImage(float[] Pixels, int Label);

/// <summary>A model the page explains: the network, its class names, its shipped test images and (Digits) its training data.</summary>
public sealed class ExplainedModel
{
    private ExplainedModel(string title, ICnnModel model, string[] classNames, IReadOnlyList<TestImage> testImages)
    {
        Title = title;
        Model = model;
        ClassNames = classNames;
        TestImages = testImages;
    }

    /// <summary>How many test images the strip shows.</summary>
    public const int StripLength = 20;

    /// <summary>"Fashion-MNIST" or "Digits".</summary>
    public string Title { get; }

    /// <summary>The generated network; training replaces it.</summary>
    public ICnnModel Model { get; set; }

    /// <summary>The class names, by label.</summary>
    public string[] ClassNames { get; }

    /// <summary>The strip of test images.</summary>
    public IReadOnlyList<TestImage> TestImages { get; }

    /// <summary>The input's height (the models here have one channel).</summary>
    public int Height => Model.InputShape[0];

    /// <summary>The input's width.</summary>
    public int Width => Model.InputShape[1];

    /// <summary>For the Digits model: the training and test split of samples/Digits, so that the page can train it.</summary>
    public (Dataset Train, Dataset Test)? TrainingData { get; private init; }

    /// <summary>The seed model with its Fashion-MNIST weights and the first 20 Fashion-MNIST test images.</summary>
    public static ExplainedModel FashionMnist()
    {
        (byte[] pixels, int[] shape) = Idx.Read(Resource("fashion-images"), expectedRank: 3, "fashion-mnist-test-20-images.idx");
        (byte[] labels, _) = Idx.Read(Resource("fashion-labels"), expectedRank: 1, "fashion-mnist-test-20-labels.idx");
        int size = shape[1] * shape[2];
        var images = new TestImage[shape[0]];
        for (int i = 0; i < images.Length; i++)
            images[i] = new TestImage(pixels.AsSpan(i * size, size).ToArray().Select(p => p / 255f).ToArray(), labels[i]);
        return new ExplainedModel("Fashion-MNIST", FashionCnn.CreateWithEmbeddedWeights(),
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], images);
    }

    /// <summary>The Digits model with its trained weights; the strip is the first 20 images of its test split.</summary>
    public static ExplainedModel Digits()
    {
        Dataset digits = Datasets.Digits(Resource("digits.csv.gz"), "digits.csv.gz");
        (Dataset train, Dataset test) = digits.Split(testFraction: 0.2, seed: 1); // as samples/Digits
        var images = new TestImage[Math.Min(StripLength, test.Count)];
        for (int i = 0; i < images.Length; i++) images[i] = new TestImage(test.Input(i).ToArray(), test.Labels![i]);
        return new ExplainedModel("Digits", DigitsCnn.CreateWithEmbeddedWeights(),
            ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], images)
        {
            TrainingData = (train, test),
        };
    }

    private static Stream Resource(string name) =>
        typeof(ExplainedModel).Assembly.GetManifestResourceStream(name)
        ?? throw new InvalidOperationException($"The resource '{name}' is not embedded in this build.");
}
