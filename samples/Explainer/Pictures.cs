using System.Globalization;
using Cnn;

namespace Explainer;

/// <summary>Turns maps into images the page can show, with the runtime's own PNG writer (no JavaScript, no canvas).</summary>
public static class Pictures
{
    /// <summary>A <c>data:</c> URL of one grayscale map (height·width values, min-max normalised), one pixel per value.</summary>
    public static string DataUrl(float[] map, int height, int width) =>
        "data:image/png;base64," + Convert.ToBase64String(ImageGrid.Tile([map], height, width).ToPng());

    /// <summary>Channel <paramref name="channel"/> of a <c>[height, width, channels]</c> tensor (channels last).</summary>
    public static float[] Channel(ReadOnlySpan<float> tensor, int height, int width, int channels, int channel)
    {
        var map = new float[height * width];
        for (int i = 0; i < map.Length; i++) map[i] = tensor[i * channels + channel];
        return map;
    }

    /// <summary>A value as the page prints it: 4 decimals.</summary>
    public static string Number(float value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A value exactly (round-trip), for the data attributes the browser test reads.</summary>
    public static string Exact(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
