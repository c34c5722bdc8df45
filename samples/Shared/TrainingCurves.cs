using ScottPlot;

namespace Cnn.Samples;

/// <summary>
/// Training curves as PNG pictures, like plotting a Keras <c>History</c>: loss and accuracy per epoch, training
/// and validation. Rendered headless by ScottPlot through SkiaSharp (on Linux it needs a font, e.g. Debian's
/// <c>fonts-dejavu-core</c>).
/// </summary>
public static class TrainingCurves
{
    /// <summary>Colour of the training curves.</summary>
    public static readonly Color TrainingColor = Color.FromHex("#1F77B4");

    /// <summary>Colour of the validation curves.</summary>
    public static readonly Color ValidationColor = Color.FromHex("#FF7F0E");

    /// <summary>Picture width in pixels.</summary>
    public const int Width = 800;

    /// <summary>Picture height in pixels.</summary>
    public const int Height = 500;

    /// <summary>
    /// Writes <c>loss.png</c> and <c>accuracy.png</c> into <paramref name="directory"/> (created if needed) and returns their paths.
    /// </summary>
    /// <param name="epochs">The epochs, in order (<see cref="History.Epochs"/>).</param>
    /// <param name="directory">Where the pictures go.</param>
    /// <param name="title">The model's name, shown in the titles.</param>
    /// <exception cref="ArgumentException">There are no epochs to plot.</exception>
    public static IReadOnlyList<string> Save(IReadOnlyList<EpochResult> epochs, string directory, string title)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (epochs.Count == 0)
            throw new ArgumentException("There are no epochs to plot: train for at least one epoch.", nameof(epochs));
        Directory.CreateDirectory(directory);
        string loss = Path.Combine(directory, "loss.png");
        string accuracy = Path.Combine(directory, "accuracy.png");
        Plot(epochs, title + ": loss", "Loss", e => e.Loss, e => e.ValidationLoss, Alignment.UpperRight).SavePng(loss, Width, Height);
        Plot(epochs, title + ": accuracy", "Accuracy", e => e.Accuracy, e => e.ValidationAccuracy, Alignment.LowerRight).SavePng(accuracy, Width, Height);
        return [loss, accuracy];
    }

    private static Plot Plot(IReadOnlyList<EpochResult> epochs, string title, string label, Func<EpochResult, double> training, Func<EpochResult, double?> validation, Alignment legend)
    {
        var plot = new Plot();
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        var train = plot.Add.Scatter(x, epochs.Select(training).ToArray(), TrainingColor);
        train.LegendText = "training";
        train.LineWidth = 2;
        train.MarkerSize = 6;
        if (epochs.All(e => validation(e) is not null))
        {
            var val = plot.Add.Scatter(x, epochs.Select(e => validation(e)!.Value).ToArray(), ValidationColor);
            val.LegendText = "validation";
            val.LineWidth = 2;
            val.MarkerSize = 6;
            val.LinePattern = LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel("Epoch");
        plot.YLabel(label);
        // Whole epochs only on the x axis.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        // Where the curves are not: losses fall, accuracies rise.
        plot.ShowLegend(legend);
        return plot;
    }
}
