namespace Cnn.Generator.IntegrationTests;

/// <summary>The PNG writer against an independent decoder, and the tiling of float maps into one picture.</summary>
public class ImagingTests
{
    private static byte[] RandomBytes(int count, int seed)
    {
        var random = new RandomSource((ulong)seed);
        var bytes = new byte[count];
        for (int i = 0; i < count; i++) bytes[i] = (byte)random.NextInt32(256);
        return bytes;
    }

    [Fact]
    public void Crc32_IsTheStandardCheckValue()
    {
        byte[] check = "123456789"u8.ToArray();
        Assert.Equal(0xCBF43926u, PngWriter.Crc32(check));
        Assert.Equal(PngDecoder.Crc(check), PngWriter.Crc32(check));
        byte[] random = RandomBytes(1000, 3);
        Assert.Equal(PngDecoder.Crc(random), PngWriter.Crc32(random));
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 5, 1)]
    [InlineData(3, 40, 3)]
    [InlineData(300, 7, 3)]
    public void Encode_DecodesToTheSamePixels(int width, int height, int channels)
    {
        byte[] pixels = RandomBytes(width * height * channels, width * 31 + height);
        PngDecoder.Image image = PngDecoder.Decode(PngWriter.Encode(pixels, width, height, channels));
        Assert.Equal((width, height, channels), (image.Width, image.Height, image.Channels));
        Assert.Equal(pixels, image.Pixels);
        Assert.Equal(["IHDR", "IDAT", "IEND"], image.Chunks);
    }

    [Fact]
    public void Encode_RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(new byte[4], 0, 4, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(new byte[4], 4, -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(new byte[8], 2, 2, 2));
        var length = Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[11], 2, 2, 3));
        Assert.Equal("pixels", length.ParamName);
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(new byte[1], 100_000, 100_000, 3));
    }

    [Fact]
    public void Save_WritesTheFileAndItsFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "cnn-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, "sub", "a.png");
            byte[] pixels = RandomBytes(12, 1);
            PngWriter.Save(path, pixels, 2, 2, 3);
            Assert.Equal(pixels, PngDecoder.Decode(File.ReadAllBytes(path)).Pixels);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Tile_NormalisesEachMapScalesAndLeavesGaps()
    {
        // Two 2x3 maps on different scales; each is stretched to 0..255 on its own.
        float[] a = [0f, 1f, 2f, 3f, 4f, 5f];
        float[] b = [-100f, -100f, -100f, -100f, -100f, 900f];
        ImageGrid grid = ImageGrid.Tile([a, b], height: 2, width: 3, columns: 2, scale: 2);
        Assert.Equal((2 * 6 + 1, 4, 1), (grid.Width, grid.Height, grid.Channels));
        Assert.Equal((0, 0), grid.TileOrigin(0));
        Assert.Equal((7, 0), grid.TileOrigin(1));
        byte Pixel(int x, int y) => grid.Pixels[y * grid.Width + x];
        // Map a: value (y, x) at pixels [2x, 2x+1] × [2y, 2y+1].
        Assert.Equal(0, Pixel(0, 0));
        Assert.Equal(0, Pixel(1, 1));
        Assert.Equal(51, Pixel(2, 0)); // 1/5 of 255
        Assert.Equal(255, Pixel(5, 3));
        Assert.Equal(ImageGrid.GapValue, Pixel(6, 0));
        Assert.Equal(ImageGrid.GapValue, Pixel(6, 3));
        Assert.Equal(0, Pixel(7, 0));
        Assert.Equal(255, Pixel(12, 3));
        // Round trip through PNG.
        Assert.Equal(grid.Pixels, PngDecoder.Decode(grid.ToPng()).Pixels);
    }

    [Fact]
    public void Tile_LaysOutANearSquareGridAndHandlesOddMaps()
    {
        var maps = Enumerable.Range(0, 5).Select(i => new float[] { i, i + 1, float.NaN, float.PositiveInfinity }).ToList();
        maps.Add([7f, 7f, 7f, 7f]);
        ImageGrid grid = ImageGrid.Tile(maps, 2, 2);
        Assert.Equal((3, 2, 6), (grid.Columns, grid.Rows, grid.Count));
        Assert.Equal((3 * 2 + 2, 2 * 2 + 1), (grid.Width, grid.Height));
        (int x, int y) = grid.TileOrigin(1);
        byte[] tile = [grid.Pixels[y * grid.Width + x], grid.Pixels[y * grid.Width + x + 1], grid.Pixels[(y + 1) * grid.Width + x], grid.Pixels[(y + 1) * grid.Width + x + 1]];
        Assert.Equal([0, 255, 0, 255], tile); // NaN as the smallest, +∞ clamped to the largest finite value
        (x, y) = grid.TileOrigin(5);
        Assert.Equal(128, grid.Pixels[y * grid.Width + x]); // a constant map is mid-gray
        Assert.Throws<ArgumentOutOfRangeException>(() => grid.TileOrigin(6));
    }

    [Fact]
    public void Tile_RgbMapsKeepTheirColours()
    {
        float[] red = [1f, 0f, 0f, 0f, 0f, 0f]; // a 1x2 map: a red pixel, a black one
        ImageGrid grid = ImageGrid.Tile([red], 1, 2, channels: 3);
        Assert.Equal(3, grid.Channels);
        Assert.Equal([255, 0, 0, 0, 0, 0], grid.Pixels);
        PngDecoder.Image image = PngDecoder.Decode(grid.ToPng());
        Assert.Equal((2, 1, 3), (image.Width, image.Height, image.Channels));
    }

    [Fact]
    public void Tile_RejectsBadArguments()
    {
        float[] map = new float[4];
        Assert.Throws<ArgumentException>(() => ImageGrid.Tile([], 2, 2));
        Assert.Throws<ArgumentException>(() => ImageGrid.Tile([new float[3]], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile([map], 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile([map], 2, 2, channels: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile([map], 2, 2, scale: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Tile([map], 2, 2, columns: -1));
        Assert.Throws<ArgumentException>(() => ImageGrid.Tile([map], 2, 2, scale: 1_000_000));
        Assert.Throws<ArgumentNullException>(() => ImageGrid.Tile(null!, 2, 2));
    }
}
