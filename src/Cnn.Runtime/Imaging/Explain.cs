namespace Cnn;

/// <summary>One picture per layer: its index and name in <see cref="ICnnModel.Layers"/>, and the picture.</summary>
/// <param name="LayerIndex">The layer's index (0-based).</param>
/// <param name="LayerName">The layer's name (<c>conv2d</c>, <c>max_pooling2d</c>, ...).</param>
/// <param name="Image">The tiled picture.</param>
public sealed record LayerPicture(int LayerIndex, string LayerName, ImageGrid Image);

/// <summary>
/// Pictures of what a trained network does and has learned, as CNN Explainer and Hung-yi Lee's "what does the
/// CNN learn" slides show them: the feature maps of every layer for one input, and inputs found by gradient
/// ascent that maximise one filter's summed activation a^k = Σ_ij a^k_ij, or one class output.
/// </summary>
/// <remarks>
/// Gradient ascent starts every channel from the same small random image (so that the pictures differ only
/// because the channels differ), takes <c>steps</c> steps of x ← clamp(x + stepSize·(maximum − minimum)·g / rms(g))
/// with the gradient g normalised to unit root mean square, and keeps x in the data range [minimum, maximum].
/// When the gradient is zero (a dead ReLU) or not finite the ascent stops where it is.
/// Input pictures: a 1-channel image is a grayscale tile, a 3-channel image an RGB tile, any other channel
/// count one grayscale tile per channel (one row of tiles per filter or class); a vector input is a 1-pixel-high strip.
/// </remarks>
public static class Explain
{
    /// <summary>
    /// The feature maps of every layer with an image output (<c>[height, width, channels]</c>) for
    /// <paramref name="input"/>: one picture per such layer, one tile per channel.
    /// </summary>
    /// <param name="model">A model, trained or not.</param>
    /// <param name="input"><see cref="ICnnModel.InputSize"/> values.</param>
    /// <param name="scale">Each map value becomes a scale×scale block of pixels.</param>
    /// <exception cref="ArgumentException"><paramref name="input"/> has the wrong length, or <paramref name="scale"/> &lt; 1.</exception>
    public static IReadOnlyList<LayerPicture> FeatureMaps(ICnnModel model, ReadOnlySpan<float> input, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(model);
        Kernels.CheckLength(input.Length, model.InputSize, nameof(input));
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var pictures = new List<LayerPicture>();
        for (int layer = 0; layer < model.Layers.Count; layer++)
        {
            int[] shape = model.Layers[layer].OutputShape;
            if (shape.Length != 3) continue;
            (int h, int w, int c) = (shape[0], shape[1], shape[2]);
            var output = new float[h * w * c];
            model.LayerOutput(input, layer, output);
            var maps = new float[c][];
            for (int k = 0; k < c; k++)
            {
                maps[k] = new float[h * w];
                for (int j = 0; j < h * w; j++) maps[k][j] = output[j * c + k];
            }
            pictures.Add(new LayerPicture(layer, model.Layers[layer].Name, ImageGrid.Tile(maps, h, w, scale: scale)));
        }
        return pictures;
    }

    /// <summary>
    /// For every channel (filter) of layer <paramref name="layerIndex"/>, the input that gradient ascent finds to
    /// maximise that channel's summed activation, tiled into one picture (tile k is filter k).
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="layerIndex">The layer, 0-based as in <see cref="ICnnModel.Layers"/>.</param>
    /// <param name="steps">Ascent steps, at least 0.</param>
    /// <param name="stepSize">The step as a fraction of the data range, positive.</param>
    /// <param name="seed">Chooses the start image.</param>
    /// <param name="minimum">The smallest input value of the data the model was trained on.</param>
    /// <param name="maximum">The largest input value, greater than <paramref name="minimum"/>.</param>
    /// <param name="scale">Each input value becomes a scale×scale block of pixels.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public static ImageGrid FilterVisualisation(ICnnModel model, int layerIndex, int steps = 100, float stepSize = 0.05f, int seed = 0,
        float minimum = 0f, float maximum = 1f, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        Kernels.CheckIndex(layerIndex, model.Layers.Count, nameof(layerIndex));
        int channels = model.Layers[layerIndex].OutputShape[^1];
        var inputs = new float[channels][];
        for (int k = 0; k < channels; k++)
            inputs[k] = AscendChannel(model, layerIndex, k, steps, stepSize, seed, minimum, maximum);
        return InputPicture(model, inputs, scale);
    }

    /// <summary>
    /// For every output (class), the input that gradient ascent finds to maximise it (after the final activation,
    /// through <see cref="ICnnModel.InputGradient"/>), tiled into one picture (tile k is class k).
    /// </summary>
    /// <param name="model">A trained model.</param>
    /// <param name="steps">Ascent steps, at least 0.</param>
    /// <param name="stepSize">The step as a fraction of the data range, positive.</param>
    /// <param name="seed">Chooses the start image (<see cref="StartImage"/>).</param>
    /// <param name="minimum">The smallest input value of the data the model was trained on.</param>
    /// <param name="maximum">The largest input value, greater than <paramref name="minimum"/>.</param>
    /// <param name="scale">Each input value becomes a scale×scale block of pixels.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public static ImageGrid ClassVisualisation(ICnnModel model, int steps = 100, float stepSize = 0.05f, int seed = 0,
        float minimum = 0f, float maximum = 1f, int scale = 4)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var inputs = new float[model.OutputSize][];
        for (int k = 0; k < model.OutputSize; k++)
            inputs[k] = AscendOutput(model, k, steps, stepSize, seed, minimum, maximum);
        return InputPicture(model, inputs, scale);
    }

    /// <summary>The input that gradient ascent finds to maximise Σ_ij a[i, j, <paramref name="channel"/>] of layer <paramref name="layerIndex"/>.</summary>
    /// <param name="model">A trained model.</param>
    /// <param name="layerIndex">The layer, 0-based as in <see cref="ICnnModel.Layers"/>.</param>
    /// <param name="channel">The channel (filter) of the layer's output.</param>
    /// <param name="steps">Ascent steps, at least 0.</param>
    /// <param name="stepSize">The step as a fraction of the data range, positive.</param>
    /// <param name="seed">Chooses the start image (<see cref="StartImage"/>).</param>
    /// <param name="minimum">The smallest input value of the data the model was trained on.</param>
    /// <param name="maximum">The largest input value, greater than <paramref name="minimum"/>.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public static float[] AscendChannel(ICnnModel model, int layerIndex, int channel, int steps = 100, float stepSize = 0.05f, int seed = 0,
        float minimum = 0f, float maximum = 1f)
    {
        ArgumentNullException.ThrowIfNull(model);
        Kernels.CheckIndex(layerIndex, model.Layers.Count, nameof(layerIndex));
        Kernels.CheckIndex(channel, model.Layers[layerIndex].OutputShape[^1], nameof(channel));
        return Ascend(model, (x, g) => model.ChannelGradient(x, layerIndex, channel, g), steps, stepSize, seed, minimum, maximum);
    }

    /// <summary>The input that gradient ascent finds to maximise output <paramref name="outputIndex"/> (after the final activation).</summary>
    /// <param name="model">A trained model.</param>
    /// <param name="outputIndex">The output (class).</param>
    /// <param name="steps">Ascent steps, at least 0.</param>
    /// <param name="stepSize">The step as a fraction of the data range, positive.</param>
    /// <param name="seed">Chooses the start image (<see cref="StartImage"/>).</param>
    /// <param name="minimum">The smallest input value of the data the model was trained on.</param>
    /// <param name="maximum">The largest input value, greater than <paramref name="minimum"/>.</param>
    /// <exception cref="ArgumentException">An argument is out of range.</exception>
    public static float[] AscendOutput(ICnnModel model, int outputIndex, int steps = 100, float stepSize = 0.05f, int seed = 0,
        float minimum = 0f, float maximum = 1f)
    {
        ArgumentNullException.ThrowIfNull(model);
        Kernels.CheckIndex(outputIndex, model.OutputSize, nameof(outputIndex));
        return Ascend(model, (x, g) => model.InputGradient(x, outputIndex, g), steps, stepSize, seed, minimum, maximum);
    }

    /// <summary>The image every ascent starts from: the middle of the data range plus noise of ±5% of it.</summary>
    /// <param name="size">The number of input values.</param>
    /// <param name="seed">Chooses the noise.</param>
    /// <param name="minimum">The smallest input value.</param>
    /// <param name="maximum">The largest input value.</param>
    public static float[] StartImage(int size, int seed, float minimum = 0f, float maximum = 1f)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        CheckRange(minimum, maximum);
        var random = new RandomSource(RandomSource.Mix(unchecked((ulong)seed), 0x5EED_1A6E));
        var x = new float[size];
        float range = maximum - minimum;
        for (int i = 0; i < size; i++)
            x[i] = minimum + range * (0.45f + 0.1f * random.NextSingle());
        return x;
    }

    private delegate void GradientOf(ReadOnlySpan<float> input, Span<float> gradient);

    private static float[] Ascend(ICnnModel model, GradientOf gradientOf, int steps, float stepSize, int seed, float minimum, float maximum)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (!(stepSize > 0f) || !float.IsFinite(stepSize))
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "The step size must be a positive finite number.");
        float[] x = StartImage(model.InputSize, seed, minimum, maximum);
        var g = new float[x.Length];
        float step = stepSize * (maximum - minimum);
        for (int s = 0; s < steps; s++)
        {
            gradientOf(x, g);
            double squares = 0;
            foreach (float v in g) squares += (double)v * v;
            double rms = Math.Sqrt(squares / g.Length);
            if (!(rms > 0) || !double.IsFinite(rms)) break;
            float factor = (float)(step / rms);
            for (int i = 0; i < x.Length; i++)
                x[i] = Math.Clamp(x[i] + factor * g[i], minimum, maximum);
        }
        return x;
    }

    private static void CheckRange(float minimum, float maximum)
    {
        if (!float.IsFinite(minimum) || !float.IsFinite(maximum) || !(maximum > minimum))
            throw new ArgumentException($"The data range [{minimum}, {maximum}] must be finite with maximum > minimum.", nameof(maximum));
    }

    /// <summary>Tiles model inputs: see the class remarks for how channel counts are drawn.</summary>
    private static ImageGrid InputPicture(ICnnModel model, float[][] inputs, int scale)
    {
        ReadOnlySpan<int> shape = model.InputShape;
        if (shape.Length != 3)
            return ImageGrid.Tile(inputs, 1, model.InputSize, columns: 1, scale: scale);
        (int h, int w, int c) = (shape[0], shape[1], shape[2]);
        if (c is 1 or 3)
            return ImageGrid.Tile(inputs, h, w, c, scale: scale);
        var maps = new List<float[]>(inputs.Length * c);
        foreach (float[] input in inputs)
        {
            for (int k = 0; k < c; k++)
            {
                var map = new float[h * w];
                for (int j = 0; j < h * w; j++) map[j] = input[j * c + k];
                maps.Add(map);
            }
        }
        return ImageGrid.Tile(maps, h, w, 1, columns: c, scale: scale);
    }
}
