using System.Buffers.Binary;
using System.IO.Compression;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// A small PNG reader for the tests, written from the format (ISO/IEC 15948) independently of the writer:
/// checks the signature and every chunk's CRC, reads IHDR, inflates the IDAT stream and undoes all five row
/// filters. Only 8-bit grayscale and RGB without interlacing, which is what the writer produces.
/// </summary>
internal static class PngDecoder
{
    public sealed record Image(int Width, int Height, int Channels, byte[] Pixels, IReadOnlyList<string> Chunks);

    /// <summary>CRC-32 bit by bit (no table), so that the writer's table is checked against the definition.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    public static Image Decode(byte[] png)
    {
        byte[] signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (!png.AsSpan(0, 8).SequenceEqual(signature)) throw new InvalidDataException("not a PNG signature");
        int position = 8, width = 0, height = 0, channels = 0;
        var idat = new MemoryStream();
        var chunks = new List<string>();
        while (position < png.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(position));
            string type = System.Text.Encoding.ASCII.GetString(png, position + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(position + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(position + 8 + length));
            if (crc != Crc(png.AsSpan(position + 4, length + 4))) throw new InvalidDataException($"bad CRC in {type}");
            chunks.Add(type);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    if (data[8] != 8 || data[10] != 0 || data[11] != 0 || data[12] != 0) throw new InvalidDataException("unsupported IHDR");
                    channels = data[9] switch { 0 => 1, 2 => 3, _ => throw new InvalidDataException("unsupported colour type") };
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
            }
            position += 12 + length;
            if (type == "IEND") break;
        }
        if (position != png.Length) throw new InvalidDataException("bytes after IEND");

        idat.Position = 0;
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(raw);
        byte[] filtered = raw.ToArray();
        int stride = width * channels;
        if (filtered.Length != height * (stride + 1)) throw new InvalidDataException($"{filtered.Length} bytes of image data for {width}x{height}x{channels}");
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = filtered[y * (stride + 1)];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? pixels[y * stride + x - channels] : 0;
                int b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
                int c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
                int value = filtered[y * (stride + 1) + 1 + x];
                value += filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"filter {filter}"),
                };
                pixels[y * stride + x] = (byte)value;
            }
        }
        return new Image(width, height, channels, pixels, chunks);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
