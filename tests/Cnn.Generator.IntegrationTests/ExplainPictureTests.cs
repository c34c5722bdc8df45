using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// The pictures of <see cref="Explain"/> on generated models: feature maps of every image layer, and inputs found by
/// gradient ascent on a filter's summed activation or on a class output.
/// </summary>
public class ExplainPictureTests
{
    private static ICnnModel Trained<T>(int seed) where T : ICnnModel, new()
    {
        var model = new T();
        model.InitializeParameters(seed);
        // Non-zero biases too, so that the maps are not centred by construction.
        var random = new RandomSource((ulong)seed + 100);
        for (int i = 0; i < model.Parameters.Length; i++) model.Parameters[i] += 0.1f * (random.NextSingle() - 0.5f);
        return model;
    }

    private static double ChannelSum(ICnnModel model, float[] input, int layer, int channel)
    {
        int[] shape = model.Layers[layer].OutputShape;
        var output = new float[shape.Aggregate(1, (a, b) => a * b)];
        model.LayerOutput(input, layer, output);
        double sum = 0;
        for (int j = channel; j < output.Length; j += shape[^1]) sum += output[j];
        return sum;
    }

    private static byte[] TilePixels(ImageGrid grid, int index)
    {
        (int x0, int y0) = grid.TileOrigin(index);
        var tile = new List<byte>();
        for (int y = 0; y < grid.TileHeight; y++)
            tile.AddRange(grid.Pixels.AsSpan(((y0 + y) * grid.Width + x0) * grid.Channels, grid.TileWidth * grid.Channels).ToArray());
        return tile.ToArray();
    }

    [Fact]
    public void FeatureMaps_OnePicturePerImageLayer_OneTilePerChannel()
    {
        ICnnModel model = Trained<ExplainSmooth>(1);
        float[] input = Explain.StartImage(model.InputSize, 5, -1f, 1f);
        IReadOnlyList<LayerPicture> pictures = Explain.FeatureMaps(model, input, scale: 3);
        // conv2d, dropout, average_pooling2d, conv2d_1, tanh have image outputs; flatten and the dense layers do not.
        Assert.Equal([0, 1, 2, 3, 4], pictures.Select(p => p.LayerIndex));
        Assert.Equal(["conv2d", "dropout", "average_pooling2d", "conv2d_1", "activation"], pictures.Select(p => p.LayerName));
        foreach (LayerPicture picture in pictures)
        {
            int[] shape = model.Layers[picture.LayerIndex].OutputShape;
            ImageGrid grid = picture.Image;
            Assert.Equal(shape[2], grid.Count);
            Assert.Equal((shape[0] * 3, shape[1] * 3), (grid.TileHeight, grid.TileWidth));
            PngDecoder.Image png = PngDecoder.Decode(grid.ToPng());
            Assert.Equal((grid.Width, grid.Height, 1), (png.Width, png.Height, png.Channels));
            Assert.Equal(grid.Pixels, png.Pixels);
        }

        // Tile k of the first picture is channel k of layer 0, min-max normalised: its brightest cell is where the channel peaks.
        var output = new float[model.Layers[0].OutputShape.Aggregate(1, (a, b) => a * b)];
        model.LayerOutput(input, 0, output);
        int channels = model.Layers[0].OutputShape[2], width = model.Layers[0].OutputShape[1];
        for (int k = 0; k < channels; k++)
        {
            int best = Enumerable.Range(0, output.Length / channels).MaxBy(j => output[j * channels + k]);
            (int x0, int y0) = pictures[0].Image.TileOrigin(k);
            Assert.Equal(255, pictures[0].Image.Pixels[(y0 + best / width * 3) * pictures[0].Image.Width + x0 + best % width * 3]);
        }
    }

    [Fact]
    public void FilterAscent_IncreasesEveryFiltersActivation()
    {
        ICnnModel model = Trained<CheckConvSame>(2);
        foreach (int layer in new[] { 0, 2 })
        {
            for (int k = 0; k < model.Layers[layer].OutputShape[^1]; k++)
            {
                float[] start = Explain.StartImage(model.InputSize, 7);
                float[] found = Explain.AscendChannel(model, layer, k, steps: 30, stepSize: 0.05f, seed: 7);
                Assert.All(found, v => Assert.InRange(v, 0f, 1f));
                double before = ChannelSum(model, start, layer, k), after = ChannelSum(model, found, layer, k);
                Assert.True(after > before + 1e-3, $"layer {layer} filter {k}: a^k went from {before} to {after}");
                // Gradient ascent on this filter beats the image found for any other filter, on this filter.
                for (int other = 0; other < model.Layers[layer].OutputShape[^1]; other++)
                {
                    if (other == k) continue;
                    float[] otherFound = Explain.AscendChannel(model, layer, other, steps: 30, stepSize: 0.05f, seed: 7);
                    Assert.True(after >= ChannelSum(model, otherFound, layer, k) - 1e-4, $"layer {layer}: filter {k}'s image is not its best");
                }
            }
        }
    }

    [Fact]
    public void FilterVisualisation_OneTilePerFilter_DecodesAndTilesDiffer()
    {
        ICnnModel model = Trained<CheckConvSame>(3);
        ImageGrid grid = Explain.FilterVisualisation(model, 0, steps: 20, scale: 2);
        Assert.Equal(model.Layers[0].OutputShape[^1], grid.Count);
        Assert.Equal((model.InputShape[0] * 2, model.InputShape[1] * 2), (grid.TileHeight, grid.TileWidth));
        Assert.Equal(grid.Pixels, PngDecoder.Decode(grid.ToPng()).Pixels);
        Assert.NotEqual(TilePixels(grid, 0), TilePixels(grid, 1));
    }

    [Fact]
    public void ClassVisualisation_RaisesEachClassAndDiffersBetweenClasses()
    {
        ICnnModel model = Trained<CheckConvSame>(4);
        var output = new float[model.OutputSize];
        float[] start = Explain.StartImage(model.InputSize, 0);
        model.Forward(start, output);
        float[] startOutput = output.ToArray();
        for (int k = 0; k < model.OutputSize; k++)
        {
            float[] found = Explain.AscendOutput(model, k, steps: 40);
            model.Forward(found, output);
            Assert.True(output[k] > startOutput[k], $"class {k}: {startOutput[k]} -> {output[k]}");
        }

        ImageGrid grid = Explain.ClassVisualisation(model, steps: 40, scale: 2);
        Assert.Equal(model.OutputSize, grid.Count);
        PngDecoder.Image png = PngDecoder.Decode(grid.ToPng());
        Assert.Equal((grid.Width, grid.Height), (png.Width, png.Height));
        var tiles = Enumerable.Range(0, grid.Count).Select(k => TilePixels(grid, k)).ToList();
        for (int a = 0; a < tiles.Count; a++)
            for (int b = a + 1; b < tiles.Count; b++)
                Assert.False(tiles[a].SequenceEqual(tiles[b]), $"classes {a} and {b} give the same picture");
    }

    [Fact]
    public void GraphModel_PicturesOfEveryImageLayer_AndAscentThroughBothBranches()
    {
        ICnnModel model = Trained<Residual>(6);
        float[] input = Explain.StartImage(model.InputSize, 3, -1f, 1f);
        IReadOnlyList<LayerPicture> pictures = Explain.FeatureMaps(model, input, scale: 2);
        var imageLayers = Enumerable.Range(0, model.Layers.Count).Where(i => model.Layers[i].OutputShape.Length == 3).ToList();
        Assert.Equal(imageLayers, pictures.Select(p => p.LayerIndex));
        Assert.Contains("add", pictures.Select(p => p.LayerName));
        Assert.Contains("concatenate", pictures.Select(p => p.LayerName));

        // The Concatenate's picture is block_out's channels, then side's, each tile min-max normalised on its own.
        int Index(string name) => model.Layers.Select(l => l.Name).ToList().IndexOf(name);
        float[] Output(string name)
        {
            var values = new float[model.Layers[Index(name)].OutputShape.Aggregate(1, (a, b) => a * b)];
            model.LayerOutput(input, Index(name), values);
            return values;
        }
        float[] merged = Output("concatenate"), blockOut = Output("block_out"), side = Output("side");
        int cells = merged.Length / 12;
        for (int j = 0; j < cells; j++)
        {
            for (int k = 0; k < 8; k++) Assert.Equal(blockOut[j * 8 + k], merged[j * 12 + k]);
            for (int k = 0; k < 4; k++) Assert.Equal(side[j * 4 + k], merged[j * 12 + 8 + k]);
        }
        LayerPicture concatenation = pictures.Single(p => p.LayerName == "concatenate");
        Assert.Equal(12, concatenation.Image.Count);
        Assert.Equal(concatenation.Image.Pixels, PngDecoder.Decode(concatenation.Image.ToPng()).Pixels);

        // Gradient ascent on a channel of the Add (its gradient flows back through the main path and the shortcut) raises it.
        int add = Index("add");
        for (int k = 0; k < 8; k += 3)
        {
            float[] start = Explain.StartImage(model.InputSize, 7);
            float[] found = Explain.AscendChannel(model, add, k, steps: 30, stepSize: 0.05f, seed: 7);
            double before = ChannelSum(model, start, add, k), after = ChannelSum(model, found, add, k);
            Assert.True(after > before + 1e-3, $"add channel {k}: a^k went from {before} to {after}");
        }
    }

    [Fact]
    public void InputsWithTwoChannels_BecomeOneGrayTilePerChannel()
    {
        ICnnModel model = Trained<ExplainSmooth>(5);
        ImageGrid grid = Explain.ClassVisualisation(model, steps: 5);
        Assert.Equal(model.OutputSize * 2, grid.Count);
        Assert.Equal(2, grid.Columns);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        ICnnModel model = Trained<CheckConvSame>(6);
        Assert.Throws<ArgumentException>(() => Explain.FeatureMaps(model, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.FeatureMaps(model, new float[model.InputSize], scale: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.FilterVisualisation(model, model.Layers.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.AscendChannel(model, 0, 99));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.AscendOutput(model, model.OutputSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.AscendOutput(model, 0, steps: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.AscendOutput(model, 0, stepSize: 0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Explain.AscendOutput(model, 0, stepSize: float.NaN));
        Assert.Throws<ArgumentException>(() => Explain.AscendOutput(model, 0, minimum: 1f, maximum: 1f));
        Assert.Throws<ArgumentNullException>(() => Explain.ClassVisualisation(null!));
    }
}
