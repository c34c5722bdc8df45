using ScottPlot;

namespace SpokenDigits;

/// <summary>A spectrogram as the course shows it: time across, frequency up, loudness as colour.</summary>
public static class SpectrogramPicture
{
    /// <summary>Picture size in pixels.</summary>
    public const int Width = 800, Height = 450;

    /// <summary>
    /// Writes the network's input <paramref name="values"/> ([frames, bands], as <see cref="Spectrogram.Compute"/> makes
    /// it) to <paramref name="path"/> as a PNG picture and returns the path.
    /// </summary>
    public static string Save(ReadOnlySpan<float> values, string path, string title, int sampleRate = 22_050)
    {
        if (values.Length != Spectrogram.Frames * Spectrogram.MelBands)
            throw new ArgumentException($"A spectrogram has {Spectrogram.Frames * Spectrogram.MelBands} values, not {values.Length}.", nameof(values));
        // ScottPlot draws row 0 at the top: the highest band goes there.
        var cells = new double[Spectrogram.MelBands, Spectrogram.Frames];
        for (int t = 0; t < Spectrogram.Frames; t++)
            for (int b = 0; b < Spectrogram.MelBands; b++)
                cells[Spectrogram.MelBands - 1 - b, t] = values[t * Spectrogram.MelBands + b];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        double seconds = (double)Spectrogram.Frames * Spectrogram.Hop / sampleRate;
        heatmap.Rectangle = new CoordinateRect(0, seconds, 0, Spectrogram.MelBands);   // the edges of the cells, not their centres
        plot.Add.ColorBar(heatmap).Label = "loudness (1 = loudest, -1 = 80 dB below)";
        plot.Title(title);
        plot.XLabel("time (s)");
        plot.YLabel($"mel band ({Spectrogram.LowHz:F0} Hz to {Spectrogram.HighHz / 1000:F0} kHz)");
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
