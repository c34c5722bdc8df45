using System.Buffers.Binary;
using System.IO.Compression;

namespace Cnn;

/// <summary>
/// Writes 8-bit grayscale or RGB images as PNG (ISO/IEC 15948): signature, IHDR, one IDAT with the rows
/// zlib-compressed (every row with filter type 0), IEND; each chunk closed by its CRC-32. No dependencies.
/// </summary>
public static class PngWriter
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static readonly uint[] s_crcTable = BuildCrcTable();

    /// <summary>The PNG file for <paramref name="pixels"/>: rows top to bottom, each pixel 1 (gray) or 3 (R, G, B) bytes.</summary>
    /// <param name="pixels">Exactly <paramref name="width"/>·<paramref name="height"/>·<paramref name="channels"/> bytes.</param>
    /// <param name="width">Pixels per row, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="channels">1 for grayscale, 3 for RGB.</param>
    /// <exception cref="ArgumentException">A size is out of range or <paramref name="pixels"/> has the wrong length.</exception>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "A PNG here is grayscale (1 channel) or RGB (3 channels).");
        long rowBytes = (long)width * channels;
        if (rowBytes * height + height > Array.MaxLength)
            throw new ArgumentException($"A {width}x{height} image is too large to encode in memory.", nameof(width));
        if (pixels.Length != rowBytes * height)
            throw new ArgumentException($"A {width}x{height} image with {channels} channel(s) has {rowBytes * height} bytes, but {pixels.Length} were given.", nameof(pixels));

        using var output = new MemoryStream();
        output.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                                   // bit depth
        header[9] = (byte)(channels == 1 ? 0 : 2);       // colour type: grayscale or truecolour
        header[10] = header[11] = header[12] = 0;        // deflate, adaptive filtering, no interlace
        WriteChunk(output, "IHDR", header);

        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                for (int y = 0; y < height; y++)
                {
                    zlib.WriteByte(0); // filter type None
                    zlib.Write(pixels.Slice((int)(y * rowBytes), (int)rowBytes));
                }
            }
            WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        }
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>Encodes the image (see <see cref="Encode"/>) and writes it to <paramref name="path"/>, creating its folder.</summary>
    public static void Save(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Encode(pixels, width, height, channels);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        File.WriteAllBytes(path, png);
    }

    /// <summary>The CRC-32 of PNG (and zlib's crc32, polynomial 0xEDB88320 reflected) over <paramref name="data"/>.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data) => ~UpdateCrc(0xFFFFFFFFu, data);

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        for (int i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        output.Write(head);
        output.Write(data);
        // The CRC covers the chunk type and data, not the length.
        uint crc = ~UpdateCrc(UpdateCrc(0xFFFFFFFFu, head[4..]), data);
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        output.Write(tail);
    }

    private static uint UpdateCrc(uint crc, ReadOnlySpan<byte> data)
    {
        uint[] table = s_crcTable;
        foreach (byte b in data)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
