using Cnn;

namespace Digits;

/// <summary>
/// <c>--explain &lt;folder&gt;</c>: after training, the pictures of issue #6 — the feature maps of every layer for
/// one test image (as CNN Explainer shows them), and "what does the CNN learn": inputs found by gradient ascent
/// that maximise each filter of each convolution, and each class.
/// </summary>
internal static class Pictures
{
    /// <summary>Writes <c>input.png</c>, <c>feature-maps-&lt;layer&gt;.png</c>, <c>filters-&lt;layer&gt;.png</c> and <c>classes.png</c> into <paramref name="folder"/>.</summary>
    public static void Write(ICnnModel model, Dataset test, string folder)
    {
        Directory.CreateDirectory(folder);
        const int Scale = 8; // 8x8 digits become 64x64 tiles
        ReadOnlySpan<float> input = test.Input(0);
        var written = new List<string>();
        void Save(ImageGrid image, string name)
        {
            string path = Path.Combine(folder, name);
            image.Save(path);
            written.Add($"{path} ({image.Width}x{image.Height}, {image.Count} tile(s))");
        }

        Save(ImageGrid.Tile([input.ToArray()], 8, 8, scale: Scale), "input.png");
        foreach (LayerPicture picture in Explain.FeatureMaps(model, input, Scale))
            Save(picture.Image, $"feature-maps-{picture.LayerName}.png");
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            if (model.Layers[layer].Type == "Conv2D")
                Save(Explain.FilterVisualisation(model, layer, steps: 40, stepSize: 0.02f, seed: 1, scale: Scale), $"filters-{model.Layers[layer].Name}.png");
        }
        Save(Explain.ClassVisualisation(model, steps: 40, stepSize: 0.02f, seed: 1, scale: Scale), "classes.png");

        Console.WriteLine();
        Console.WriteLine($"Pictures for test image 0 (label {test.Labels?[0]}, predicted {model.Predict(input)}):");
        foreach (string line in written) Console.WriteLine("  " + line);
    }
}
