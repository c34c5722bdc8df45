using StbImageSharp;

namespace Cnn.Samples.Tests;

public sealed class TrainingCurvesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cnn-curves-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static List<EpochResult> History(bool validation) =>
        Enumerable.Range(1, 8).Select(e => new EpochResult(e, 2.0 / e, 1 - 0.5 / e,
            validation ? 2.2 / e + 0.05 : null, validation ? 1 - 0.6 / e : null, TimeSpan.FromSeconds(1))).ToList();

    /// <summary>Pixels of exactly this colour.</summary>
    private static int Count(ImageResult image, ScottPlot.Color color)
    {
        int n = 0;
        for (int i = 0; i < image.Data.Length; i += 4)
            if (image.Data[i] == color.R && image.Data[i + 1] == color.G && image.Data[i + 2] == color.B) n++;
        return n;
    }

    private static ImageResult Decode(string path)
    {
        ImageResult image = ImageResult.FromMemory(File.ReadAllBytes(path), ColorComponents.RedGreenBlueAlpha);
        Assert.Equal(TrainingCurves.Width, image.Width);
        Assert.Equal(TrainingCurves.Height, image.Height);
        return image;
    }

    [Fact]
    public void Writes_loss_and_accuracy_pngs_that_decode_and_show_both_curves()
    {
        IReadOnlyList<string> files = TrainingCurves.Save(History(validation: true), Path.Combine(_directory, "nested"), "Net");
        Assert.Equal([Path.Combine(_directory, "nested", "loss.png"), Path.Combine(_directory, "nested", "accuracy.png")], files);
        foreach (string file in files)
        {
            ImageResult image = Decode(file);
            int pixels = image.Width * image.Height;
            int white = Count(image, ScottPlot.Colors.White);
            // Not blank: axes, text and curves cover a real part of the picture, yet most of it is background.
            Assert.InRange(white, pixels / 2, pixels - pixels / 50);
            Assert.True(Count(image, TrainingCurves.TrainingColor) > 200, $"{file}: no training curve");
            Assert.True(Count(image, TrainingCurves.ValidationColor) > 100, $"{file}: no validation curve");
        }
    }

    [Fact]
    public void Without_validation_data_only_the_training_curve_is_drawn()
    {
        IReadOnlyList<string> files = TrainingCurves.Save(History(validation: false), _directory, "Net");
        foreach (string file in files)
        {
            ImageResult image = Decode(file);
            Assert.True(Count(image, TrainingCurves.TrainingColor) > 200);
            Assert.Equal(0, Count(image, TrainingCurves.ValidationColor));
        }
    }

    [Fact]
    public void A_single_epoch_still_plots()
    {
        IReadOnlyList<string> files = TrainingCurves.Save(History(validation: true).Take(1).ToList(), _directory, "Net");
        Assert.All(files, f => Assert.True(Count(Decode(f), TrainingCurves.TrainingColor) > 0));
    }

    [Fact]
    public void No_epochs_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => TrainingCurves.Save([], _directory, "Net"));
        Assert.Contains("no epochs", e.Message);
        Assert.False(Directory.Exists(_directory));
    }
}
