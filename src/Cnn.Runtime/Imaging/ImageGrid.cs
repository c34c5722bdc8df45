namespace Cnn;

/// <summary>
/// Many small float maps (feature maps, optimised inputs) tiled into one 8-bit picture, row by row: each
/// map min-max normalised on its own (its smallest value black, its largest white), upscaled by an integer
/// factor with square pixels, and the tiles separated by a 1-pixel gap.
/// </summary>
public sealed class ImageGrid
{
    private ImageGrid(byte[] pixels, int width, int height, int channels, int columns, int rows, int tileWidth, int tileHeight, int count)
    {
        Pixels = pixels;
        Width = width;
        Height = height;
        Channels = channels;
        Columns = columns;
        Rows = rows;
        TileWidth = tileWidth;
        TileHeight = tileHeight;
        Count = count;
    }

    /// <summary>The pixels, rows top to bottom, <see cref="Channels"/> bytes each.</summary>
    public byte[] Pixels { get; }

    /// <summary>The picture's width in pixels.</summary>
    public int Width { get; }

    /// <summary>The picture's height in pixels.</summary>
    public int Height { get; }

    /// <summary>1 (grayscale) or 3 (RGB).</summary>
    public int Channels { get; }

    /// <summary>Tiles per row.</summary>
    public int Columns { get; }

    /// <summary>Rows of tiles.</summary>
    public int Rows { get; }

    /// <summary>A tile's width in pixels (the map's width times the scale).</summary>
    public int TileWidth { get; }

    /// <summary>A tile's height in pixels (the map's height times the scale).</summary>
    public int TileHeight { get; }

    /// <summary>The number of tiles.</summary>
    public int Count { get; }

    /// <summary>The gray of the gap between tiles and of the unused cells of the last row: visible against black and white tiles.</summary>
    public const byte GapValue = 128;

    /// <summary>The top-left pixel of tile <paramref name="index"/>.</summary>
    public (int X, int Y) TileOrigin(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return (index % Columns * (TileWidth + 1), index / Columns * (TileHeight + 1));
    }

    /// <summary>The picture as a PNG file.</summary>
    public byte[] ToPng() => PngWriter.Encode(Pixels, Width, Height, Channels);

    /// <summary>Writes the picture as a PNG file to <paramref name="path"/>, creating its folder.</summary>
    public void Save(string path) => PngWriter.Save(path, Pixels, Width, Height, Channels);

    /// <summary>
    /// Tiles <paramref name="maps"/>, each <c>[height, width, channels]</c> row-major (channels last), into one picture.
    /// A map whose values are all equal becomes mid-gray; NaN counts as the map's smallest value and infinities are
    /// clamped to its finite range.
    /// </summary>
    /// <param name="maps">At least one map, each with height·width·channels values.</param>
    /// <param name="height">A map's height, at least 1.</param>
    /// <param name="width">A map's width, at least 1.</param>
    /// <param name="channels">1 (grayscale tiles) or 3 (RGB tiles, normalised over all three channels together).</param>
    /// <param name="columns">Tiles per row; 0 chooses a near-square grid (⌈√count⌉ columns).</param>
    /// <param name="scale">Each map value becomes a scale×scale block of pixels; at least 1.</param>
    /// <exception cref="ArgumentException">An argument is out of range, a map has the wrong length, or the picture would be too large.</exception>
    public static ImageGrid Tile(IReadOnlyList<float[]> maps, int height, int width, int channels = 1, int columns = 0, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(maps);
        if (maps.Count == 0) throw new ArgumentException("There are no maps to tile.", nameof(maps));
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Tiles are grayscale (1 channel) or RGB (3 channels).");
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int count = maps.Count;
        long mapSize = (long)height * width * channels;
        for (int i = 0; i < count; i++)
        {
            if (maps[i] is null) throw new ArgumentException($"Map {i} is null.", nameof(maps));
            if (maps[i].Length != mapSize)
                throw new ArgumentException($"Map {i} has {maps[i].Length} values, but a {height}x{width}x{channels} map has {mapSize}.", nameof(maps));
        }
        if (columns == 0) columns = (int)Math.Ceiling(Math.Sqrt(count));
        columns = Math.Min(columns, count);
        int rows = (count + columns - 1) / columns;

        long tileWidth = (long)width * scale, tileHeight = (long)height * scale;
        long pictureWidth = columns * tileWidth + columns - 1, pictureHeight = rows * tileHeight + rows - 1;
        if (pictureWidth * pictureHeight * channels > Array.MaxLength || pictureWidth > int.MaxValue || pictureHeight > int.MaxValue)
            throw new ArgumentException($"{count} tiles of {tileWidth}x{tileHeight} pixels make a picture too large to hold in memory.", nameof(scale));

        var pixels = new byte[pictureWidth * pictureHeight * channels];
        Array.Fill(pixels, GapValue);
        var grid = new ImageGrid(pixels, (int)pictureWidth, (int)pictureHeight, channels, columns, rows, (int)tileWidth, (int)tileHeight, count);
        for (int i = 0; i < count; i++)
        {
            float[] map = maps[i];
            (float min, float max) = FiniteRange(map);
            (int x0, int y0) = grid.TileOrigin(i);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        byte value = Normalise(map[(y * width + x) * channels + c], min, max);
                        for (int dy = 0; dy < scale; dy++)
                        {
                            int row = y0 + y * scale + dy;
                            int start = (row * grid.Width + x0 + x * scale) * channels + c;
                            for (int dx = 0; dx < scale; dx++)
                                pixels[start + dx * channels] = value;
                        }
                    }
                }
            }
        }
        return grid;
    }

    private static (float Min, float Max) FiniteRange(float[] map)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in map)
        {
            if (!float.IsFinite(v)) continue;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return (min, max);
    }

    private static byte Normalise(float value, float min, float max)
    {
        if (!(max > min)) return 128; // a constant map (or no finite values): nothing to show but its presence
        if (float.IsNaN(value)) return 0;
        double t = (Math.Clamp(value, min, max) - (double)min) / ((double)max - min);
        return (byte)Math.Round(t * 255.0);
    }
}
