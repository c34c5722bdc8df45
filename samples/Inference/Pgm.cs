using Cnn;

namespace Inference;

/// <summary>
/// Netpbm grey-scale images: P2 (plain, decimal text) and P5 (raw bytes, one byte per pixel up to maxval 255,
/// two big-endian bytes above), with <c>#</c> comments in the header. Pixels are scaled to [0, 1].
/// </summary>
public static class Pgm
{
    /// <summary>The largest image accepted, so that a corrupt header cannot make us allocate gigabytes.</summary>
    public const int MaxPixels = 1 << 24;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="CnnDataException">The file is not a valid PGM image.</exception>
    public static (float[] Pixels, int Width, int Height) Read(string path) => Parse(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>Parses the bytes of a PGM file.</summary>
    /// <exception cref="CnnDataException">The bytes are not a valid PGM image.</exception>
    public static (float[] Pixels, int Width, int Height) Parse(byte[] bytes, string source = "<stream>")
    {
        if (bytes.Length < 2 || bytes[0] != 'P' || (bytes[1] != '2' && bytes[1] != '5'))
            throw new CnnDataException(source, "not a PGM image: it must start with P2 (plain) or P5 (raw)");
        bool raw = bytes[1] == '5';
        int position = 2;
        int width = ReadNumber(bytes, ref position, source, "width");
        int height = ReadNumber(bytes, ref position, source, "height");
        int maxValue = ReadNumber(bytes, ref position, source, "maximum value");
        if (width < 1 || height < 1 || (long)width * height > MaxPixels)
            throw new CnnDataException(source, $"the image size {width}x{height} is not supported (1 to {MaxPixels} pixels)");
        if (maxValue < 1 || maxValue > 65535)
            throw new CnnDataException(source, $"the maximum value {maxValue} must be between 1 and 65535");

        var pixels = new float[width * height];
        if (raw)
        {
            // Exactly one whitespace byte separates the header from the raster.
            position++;
            int size = maxValue > 255 ? 2 : 1;
            long needed = (long)pixels.Length * size;
            if (bytes.Length - (long)position < needed)
                throw new CnnDataException(source, $"the raster has {Math.Max(0, bytes.Length - position)} bytes, but {width}x{height} pixels need {needed} (truncated file?)");
            for (int i = 0; i < pixels.Length; i++)
            {
                int value = size == 1 ? bytes[position + i] : (bytes[position + 2 * i] << 8) | bytes[position + 2 * i + 1];
                pixels[i] = Scale(value, maxValue, source, i);
            }
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = Scale(ReadNumber(bytes, ref position, source, $"pixel {i}"), maxValue, source, i);
        }
        return (pixels, width, height);
    }

    private static float Scale(int value, int maxValue, string source, int index) =>
        value <= maxValue ? (float)value / maxValue
            : throw new CnnDataException(source, $"pixel {index} is {value}, above the maximum value {maxValue}");

    /// <summary>A decimal number after whitespace and comments.</summary>
    private static int ReadNumber(byte[] bytes, ref int position, string source, string what)
    {
        while (position < bytes.Length)
        {
            byte b = bytes[position];
            if (b == '#')
                while (position < bytes.Length && bytes[position] != '\n') position++;
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)'\v' or (byte)'\f')
                position++;
            else
                break;
        }
        long value = 0;
        int start = position;
        while (position < bytes.Length && bytes[position] >= '0' && bytes[position] <= '9')
        {
            value = value * 10 + (bytes[position] - '0');
            if (value > int.MaxValue) throw new CnnDataException(source, $"the {what} is too large");
            position++;
        }
        if (position == start)
            throw new CnnDataException(source, position >= bytes.Length
                ? $"the file ends before the {what} (truncated file?)"
                : $"expected the {what} as a decimal number at byte {position}");
        return (int)value;
    }
}
