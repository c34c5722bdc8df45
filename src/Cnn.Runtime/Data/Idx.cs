using System.Buffers.Binary;

namespace Cnn;

/// <summary>
/// MNIST's IDX format: a big-endian header (two zero bytes, a type code, the number of dimensions, then each
/// dimension as a 32-bit integer) followed by the data. Only unsigned bytes (type 0x08) are read. Plain or gzip.
/// </summary>
public static class Idx
{
    /// <summary>Reads an image file (N x H x W bytes), scaled to [0, 1]; returns the values and [N, H, W].</summary>
    public static (float[] Pixels, int[] Shape) ReadImages(string path)
    {
        (byte[] data, int[] shape) = Read(path, expectedRank: 3);
        var pixels = new float[data.Length];
        for (int i = 0; i < data.Length; i++) pixels[i] = data[i] / 255f;
        return (pixels, shape);
    }

    /// <summary>Reads a label file (N bytes).</summary>
    public static int[] ReadLabels(string path)
    {
        (byte[] data, _) = Read(path, expectedRank: 1);
        return data.Select(b => (int)b).ToArray();
    }

    /// <summary>Reads an IDX file of unsigned bytes with <paramref name="expectedRank"/> dimensions.</summary>
    public static (byte[] Data, int[] Shape) Read(string path, int expectedRank)
    {
        using FileStream file = File.OpenRead(path);
        return Read(file, expectedRank, Path.GetFileName(path));
    }

    /// <summary>Reads an IDX stream of unsigned bytes with <paramref name="expectedRank"/> dimensions.</summary>
    /// <remarks>
    /// The dimensions in the header never decide an allocation on their own: the data is read in growing chunks,
    /// so a corrupt header that promises gigabytes fails after reading the bytes really present. Data after the
    /// promised bytes is an error too.
    /// </remarks>
    /// <exception cref="CnnDataException">The stream is not such a file (the message names <paramref name="source"/> and the problem).</exception>
    public static (byte[] Data, int[] Shape) Read(Stream stream, int expectedRank, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedRank);
        return Datasets.Guard(source, () => ReadCore(stream, expectedRank, source));
    }

    /// <summary>The most data accepted (1 GiB).</summary>
    public const int MaxDataLength = 1 << 30;

    private static (byte[] Data, int[] Shape) ReadCore(Stream stream, int expectedRank, string source)
    {
        using Stream input = Datasets.MaybeGunzip(stream);
        Span<byte> header = stackalloc byte[4];
        if (input.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
            throw new CnnDataException(source, "the file is shorter than the 4-byte IDX magic number");
        if (header[0] != 0 || header[1] != 0 || header[2] != 0x08)
            throw new CnnDataException(source, $"magic number {header[0]:X2} {header[1]:X2} {header[2]:X2} {header[3]:X2} is not an IDX file of unsigned bytes");
        if (header[3] != expectedRank)
            throw new CnnDataException(source, $"the file has {header[3]} dimensions, expected {expectedRank}");
        var shape = new int[expectedRank];
        Span<byte> dim = stackalloc byte[4];
        long count = 1;
        for (int i = 0; i < expectedRank; i++)
        {
            if (input.ReadAtLeast(dim, 4, throwOnEndOfStream: false) < 4)
                throw new CnnDataException(source, "the header ends early (truncated file)");
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dim);
            if (shape[i] < 0) throw new CnnDataException(source, $"dimension {i} is negative ({shape[i]})");
            count *= shape[i];
            if (count > MaxDataLength) throw new CnnDataException(source, $"the dimensions [{string.Join(", ", shape.Take(i + 1))}] describe more than {MaxDataLength} bytes of data");
        }

        // Grow the buffer as data arrives, so that the allocation follows the real length, not the header's.
        var data = new byte[Math.Min(count, 1 << 16)];
        int read = 0;
        while (true)
        {
            read += input.ReadAtLeast(data.AsSpan(read), data.Length - read, throwOnEndOfStream: false);
            if (read < data.Length || data.Length == count) break;
            Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
        }
        if (read < count)
            throw new CnnDataException(source, $"the header promises {count} bytes of data, but the file holds {read} (truncated file)");
        if (input.ReadByte() >= 0)
            throw new CnnDataException(source, $"the file holds more than the {count} bytes of data its header promises");
        return (data, shape);
    }
}
