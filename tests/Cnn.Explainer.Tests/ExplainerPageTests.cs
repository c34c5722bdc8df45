using System.Globalization;
using Cnn;
using OpenQA.Selenium;
using OpenQA.Selenium.Interactions;
using StbImageSharp;
using Xunit;
using Xunit.Abstractions;

namespace Cnn.Explainer.Tests;

/// <summary>
/// samples/Explainer in headless Chromium: the page's numbers against the generated code run in .NET, drawing,
/// the convolution detail, gradient-ascent pictures, training in the browser, and the figures of the README.
/// Each test loads the page afresh.
/// </summary>
public sealed class ExplainerPageTests(PageFixture page, ITestOutputHelper output) : IClassFixture<PageFixture>
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public void TestImage0_ShowsTheProbabilitiesOfForwardInDotNet()
    {
        page.Open();
        Click("test-image-0");
        float[] input = Input();
        Assert.Equal(References.FashionImage(page.RepositoryRoot, 0), input);

        var expected = new float[10];
        References.Fashion(page.RepositoryRoot).Forward(input, expected);
        float[] shown = Probabilities();
        for (int k = 0; k < 10; k++)
            Assert.True(Math.Abs(shown[k] - expected[k]) <= Tolerance, $"class {k}: the page shows {shown[k]}, .NET computes {expected[k]}");
        Assert.Equal(Array.IndexOf(expected, expected.Max()), TopClass());
        Assert.Equal(9, TopClass()); // ankle boot
        page.Screenshot("overview-fashion");
    }

    [Fact]
    public void DrawingAStroke_ChangesThePrediction_AndTheNewInputMatchesForwardInDotNet()
    {
        page.Open();
        Click("test-image-0");
        float[] before = Probabilities();
        float[] inputBefore = Input();

        IWebElement canvas = page.Driver.FindElement(By.Id("canvas"));
        new Actions(page.Driver).MoveToElement(canvas, -40, -45).ClickAndHold()
            .MoveByOffset(15, 20).MoveByOffset(15, 20).MoveByOffset(15, 20).MoveByOffset(15, 20).Release().Perform();
        page.WaitFor(() => page.Driver.FindElement(By.Id("input-name")).Text == "Your drawing" ? "drawn" : null, TimeSpan.FromSeconds(30), "the drawing");
        // The drawing is sent while it is made; wait until the last of it has been run.
        page.WaitFor(() => canvas.GetAttribute("data-busy") == "0" ? "idle" : null, TimeSpan.FromMinutes(1), "the end of the drawing's runs");
        float[] input = page.WaitFor(() =>
        {
            float[] a = Input();
            Thread.Sleep(500);
            return a.SequenceEqual(Input()) ? a : null;
        }, TimeSpan.FromSeconds(30), "a settled drawing")!;
        float[] after = Probabilities();

        Assert.True(input.Zip(inputBefore, (a, b) => Math.Abs(a - b)).Max() > 0.5f, "the stroke did not change the input");
        Assert.True(after.Zip(before, (a, b) => Math.Abs(a - b)).Max() > 1e-3f, "the probabilities did not change after drawing");
        var expected = new float[10];
        References.Fashion(page.RepositoryRoot).Forward(input, expected);
        for (int k = 0; k < 10; k++)
            Assert.True(Math.Abs(after[k] - expected[k]) <= Tolerance, $"class {k}: the page shows {after[k]}, .NET computes {expected[k]}");
        Assert.Equal(Array.IndexOf(expected, expected.Max()), TopClass());
        page.Screenshot("drawing");
    }

    [Theory]
    [InlineData(0, 0, 0)]   // Fashion-MNIST conv2d: 28x28x1 -> 26x26x32, the slide's case
    [InlineData(0, 2, 5)]   // Fashion-MNIST conv2d_1: 32 input channels
    [InlineData(1, 0, 3)]   // Digits conv2d: same padding
    public void ClickingAConvolutionCell_ShowsASumEqualToTheMapValue(int model, int layer, int channel)
    {
        page.Open();
        Click($"model-{model}");
        Click("test-image-0");
        ICnnModel reference = model == 0 ? References.Fashion(page.RepositoryRoot) : References.Digits(page.RepositoryRoot);
        float[] input = Input();
        int[] shape = reference.Layers[layer].OutputShape;
        var map = new float[shape[0] * shape[1] * shape[2]];
        reference.LayerOutput(input, layer, map);
        // A cell with a clearly positive value (after ReLU a zero would make the check trivial); for Digits the
        // corner cell, whose window lies partly in the padding.
        int cell = model == 1 ? 0 : Enumerable.Range(0, shape[0] * shape[1]).First(i => map[i * shape[2] + channel] > 0.1f);
        (int row, int column) = (cell / shape[1], cell % shape[1]);
        Assert.True(map[cell * shape[2] + channel] > 0f, "the chosen cell is zero: pick another channel");

        Click($"map-{layer}-{channel}");
        IWebElement large = page.WaitFor(() => page.Driver.FindElements(By.Id("large-map")).FirstOrDefault(), TimeSpan.FromSeconds(30), "the large map");
        const int cellPixels = 12;
        new Actions(page.Driver).MoveToElement(large, column * cellPixels + cellPixels / 2 - shape[1] * cellPixels / 2,
            row * cellPixels + cellPixels / 2 - shape[0] * cellPixels / 2).Click().Perform();
        IWebElement sum = page.WaitFor(() => page.Driver.FindElements(By.Id("cell-sum")).FirstOrDefault(), TimeSpan.FromSeconds(30), "the cell's sum");
        float shownSum = Value(sum);
        float shownMap = Value(page.Driver.FindElement(By.Id("cell-map-value")));
        float expected = map[cell * shape[2] + channel];

        Assert.Contains($"row {row}, column {column}", page.Driver.FindElement(By.CssSelector(".detail")).Text);
        Assert.True(Math.Abs(shownSum - shownMap) <= Tolerance * Math.Max(1, Math.Abs(shownMap)), $"the sum {shownSum} differs from the map value {shownMap}");
        Assert.True(Math.Abs(shownMap - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"the page's map value {shownMap} differs from .NET's {expected}");
        page.Screenshot($"cell-{model}-{layer}-{channel}");
    }

    [Fact]
    public void FilterPictures_AreTheRuntimesGradientAscent()
    {
        page.Open();
        Click("model-1");
        Click("ascend-0");
        page.WaitFor(() => page.Driver.FindElement(By.Id("ascent-progress")).Text.Contains("16 of 16 done in") ? "done" : null,
            TimeSpan.FromMinutes(3), "16 filter pictures");
        IReadOnlyList<IWebElement> tiles = page.Driver.FindElements(By.CssSelector(".tiles img"));
        Assert.Equal(16, tiles.Count);

        DigitsReference reference = References.Digits(page.RepositoryRoot);
        foreach (int filter in new[] { 0, 7 })
        {
            byte[] expected = ImageGrid.Tile([Explain.AscendChannel(reference, 0, filter, steps: 30, stepSize: 0.02f, seed: 1)], 8, 8).Pixels;
            string src = tiles[filter].GetAttribute("src")!;
            ImageResult shown = ImageResult.FromMemory(Convert.FromBase64String(src[(src.IndexOf(',') + 1)..]), ColorComponents.Grey);
            Assert.Equal((8, 8), (shown.Width, shown.Height));
            int worst = expected.Zip(shown.Data, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 2, $"filter {filter}: a pixel differs by {worst} levels from Explain.AscendChannel in .NET");
        }
        page.Screenshot("filters-digits");
    }

    [Fact]
    public void TrainingOneEpochInTheBrowser_LowersTheLoss_AndThePageUsesTheNewWeights()
    {
        page.Open();
        Click("model-1");
        Click("test-image-0");
        float[] before = Probabilities();
        IWebElement epochs = page.Driver.FindElement(By.Id("train-epochs"));
        epochs.Clear();
        epochs.SendKeys("1" + Keys.Tab);
        Click("train");
        IWebElement epoch1 = page.WaitFor(() => page.Driver.FindElements(By.Id("epoch-1")).FirstOrDefault(), TimeSpan.FromMinutes(5), "epoch 1 of training");
        page.WaitFor(() => page.Driver.FindElement(By.Id("train-status")).Text.Contains("now uses these weights") ? "done" : null, TimeSpan.FromMinutes(1), "the end of training");

        double initial = Double(page.Driver.FindElement(By.Id("epoch-0")), "data-val-loss");
        double trained = Double(epoch1, "data-val-loss");
        double trainingLoss = Double(epoch1, "data-loss");
        output.WriteLine($"test loss untrained {initial:F4}, after one epoch {trained:F4}; training loss of the epoch {trainingLoss:F4}");
        Assert.True(initial > 2.0, $"an untrained 10-class model should have a test loss near ln 10, not {initial}");
        Assert.True(trained < initial - 0.5, $"one epoch did not lower the test loss enough: {initial} -> {trained}");
        Assert.True(trainingLoss < initial, $"the epoch's training loss {trainingLoss} is not below the untrained test loss {initial}");
        float[] after = Probabilities();
        Assert.True(after.Zip(before, (a, b) => Math.Abs(a - b)).Max() > 1e-3f, "the page still shows the old weights' probabilities");
        page.Screenshot("training");
    }

    /// <summary>The README's figures: load to first prediction, one prediction, the compressed download.</summary>
    [Fact]
    public void Figures()
    {
        // The first load of a fresh browser (this test runs first when run alone: see the README), then a reload.
        (double load, double downloaded, double compute) = page.Open();
        (double reload, double redownloaded, double recompute) = page.Open();
        long served = page.Server.BytesSent.Values.Sum();
        // The download as Brotli: each file the page fetched, as its .br (what a server with precompressed files sends).
        string[] files = page.Server.BytesSent.Keys.Select(path => Path.Combine(page.Site, "wwwroot", path.TrimStart('/'))).ToArray();
        long brotli = files.Sum(file => new FileInfo(File.Exists(file + ".br") ? file + ".br" : file).Length);
        long uncompressed = files.Sum(file => new FileInfo(file).Length);
        var lines = new List<string>
        {
            $"load to first prediction: {load:F0} ms (files all arrived at {downloaded:F0} ms; computing the prediction and its pictures took {compute:F0} ms)",
            $"reload to first prediction: {reload:F0} ms (files at {redownloaded:F0} ms; computing {recompute:F0} ms)",
            $"files fetched: {page.Server.BytesSent.Count}, {served:N0} bytes sent (gzip or Brotli as the browser accepted), {brotli:N0} bytes as Brotli, {uncompressed:N0} bytes uncompressed",
        };
        foreach ((string id, string name) in new[] { ("model-0", "Fashion-MNIST"), ("model-1", "Digits") })
        {
            Click(id);
            Click("measure");
            IWebElement time = page.WaitFor(() => page.Driver.FindElements(By.Id("prediction-time")).FirstOrDefault(), TimeSpan.FromMinutes(2), "the prediction time");
            lines.Add($"one prediction, {name}: {Double(time, "data-ms"):F3} ms ({time.Text})");
        }
        foreach (string line in lines) output.WriteLine(line);
        File.WriteAllLines(Path.Combine(page.ScreenshotFolder, "figures.txt"), lines);
        Assert.True(load > 0 && reload > 0 && compute > 0 && brotli > 0);
        Assert.True(brotli < 8 * 1024 * 1024, $"the page downloads {brotli:N0} bytes compressed");
    }

    private void Click(string id) => page.Driver.FindElement(By.Id(id)).Click();

    private float[] Input() =>
        page.Driver.FindElement(By.Id("input-name")).GetAttribute("data-input")!
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    private float[] Probabilities() =>
        page.Driver.FindElements(By.CssSelector(".bar-row")).OrderBy(e => int.Parse(e.GetAttribute("data-class")!, CultureInfo.InvariantCulture))
            .Select(e => float.Parse(e.GetAttribute("data-probability")!, CultureInfo.InvariantCulture)).ToArray();

    private int TopClass() => int.Parse(page.Driver.FindElement(By.Id("top-class")).GetAttribute("data-class")!, CultureInfo.InvariantCulture);

    private static float Value(IWebElement element) => float.Parse(element.GetAttribute("data-value")!, CultureInfo.InvariantCulture);

    private static double Double(IWebElement element, string attribute) => double.Parse(element.GetAttribute(attribute)!, CultureInfo.InvariantCulture);
}
