using System.Buffers.Binary;
using Cnn;

namespace SpokenDigits;

/// <summary>A sound: mono samples in [-1, 1] and their rate.</summary>
/// <param name="Samples">The samples; a stereo file is mixed down to mono.</param>
/// <param name="SampleRate">Samples per second.</param>
public sealed record Sound(float[] Samples, int SampleRate)
{
    /// <summary>The length in seconds.</summary>
    public double Seconds => (double)Samples.Length / SampleRate;
}

/// <summary>
/// Reads WAV files (RIFF, WAVE): 16-bit integer PCM, as espeak-ng writes, and 32-bit float, mono or with more
/// channels (mixed down). Anything else, or a damaged file, is a <see cref="CnnDataException"/> naming the file and
/// the problem; no length field is trusted beyond the bytes really there.
/// </summary>
public static class Wav
{
    /// <summary>The largest file read: ten minutes of 16-bit stereo at 48 kHz is about 115 MB.</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    /// <exception cref="CnnDataException">The file is not a WAV file this reader understands, or is damaged.</exception>
    public static Sound Read(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new CnnDataException(path, $"{length} bytes is more than the {MaxBytes} this reader takes.");
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads a WAV file held in <paramref name="bytes"/>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="CnnDataException">The bytes are not a WAV file this reader understands, or are damaged.</exception>
    public static Sound Read(ReadOnlySpan<byte> bytes, string source = "<stream>")
    {
        if (bytes.Length < 12) throw new CnnDataException(source, $"{bytes.Length} bytes is too short for a WAV header (12 bytes: RIFF, size, WAVE).");
        if (!bytes[..4].SequenceEqual("RIFF"u8) || !bytes[8..12].SequenceEqual("WAVE"u8))
            throw new CnnDataException(source, "not a WAV file: it does not start with RIFF....WAVE.");
        int format = 0, channels = 0, sampleRate = 0, bits = 0, blockAlign = 0;
        bool haveFormat = false;
        int at = 12;
        while (at + 8 <= bytes.Length)
        {
            ReadOnlySpan<byte> id = bytes.Slice(at, 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 4)..]);
            int body = at + 8;
            if (size > (uint)(bytes.Length - body))
                throw new CnnDataException(source, $"the '{Printable(id)}' chunk at byte {at} says {size} bytes, but only {bytes.Length - body} follow (truncated file?).");
            ReadOnlySpan<byte> chunk = bytes.Slice(body, (int)size);
            if (id.SequenceEqual("fmt "u8))
            {
                if (size < 16) throw new CnnDataException(source, $"the 'fmt ' chunk has {size} bytes, fewer than the 16 of PCM.");
                format = BinaryPrimitives.ReadUInt16LittleEndian(chunk);
                channels = BinaryPrimitives.ReadUInt16LittleEndian(chunk[2..]);
                sampleRate = BinaryPrimitives.ReadInt32LittleEndian(chunk[4..]);
                blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(chunk[12..]);
                bits = BinaryPrimitives.ReadUInt16LittleEndian(chunk[14..]);
                if (format == 0xFFFE && size >= 26) format = BinaryPrimitives.ReadUInt16LittleEndian(chunk[24..]);   // WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes
                haveFormat = true;
            }
            else if (id.SequenceEqual("data"u8))
            {
                if (!haveFormat) throw new CnnDataException(source, "the 'data' chunk comes before any 'fmt ' chunk.");
                return Decode(chunk, format, channels, sampleRate, bits, blockAlign, source);
            }
            at = body + (int)size + (int)(size & 1);   // chunks are padded to an even length
        }
        throw new CnnDataException(source, haveFormat ? "there is no 'data' chunk." : "there is no 'fmt ' chunk.");
    }

    private static Sound Decode(ReadOnlySpan<byte> data, int format, int channels, int sampleRate, int bits, int blockAlign, string source)
    {
        if (channels < 1) throw new CnnDataException(source, $"{channels} channels.");
        if (sampleRate is < 1000 or > 384_000) throw new CnnDataException(source, $"a sample rate of {sampleRate} Hz (expected 1,000 to 384,000).");
        bool pcm16 = format == 1 && bits == 16, float32 = format == 3 && bits == 32;
        if (!pcm16 && !float32)
            throw new CnnDataException(source, $"format {format} with {bits} bits per sample: this reader takes 16-bit PCM (format 1) and 32-bit float (format 3).");
        int bytesPerSample = bits / 8;
        if (blockAlign != channels * bytesPerSample)
            throw new CnnDataException(source, $"a block of {blockAlign} bytes for {channels} channels of {bytesPerSample} bytes.");
        int frames = data.Length / blockAlign;
        var samples = new float[frames];
        for (int i = 0; i < frames; i++)
        {
            float sum = 0;
            for (int c = 0; c < channels; c++)
            {
                ReadOnlySpan<byte> s = data.Slice(i * blockAlign + c * bytesPerSample, bytesPerSample);
                sum += pcm16 ? BinaryPrimitives.ReadInt16LittleEndian(s) / 32768f : BinaryPrimitives.ReadSingleLittleEndian(s);
            }
            float value = sum / channels;
            if (!float.IsFinite(value)) throw new CnnDataException(source, $"sample {i} is {value}.");
            samples[i] = value;
        }
        return new Sound(samples, sampleRate);
    }

    private static string Printable(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[id.Length];
        for (int i = 0; i < id.Length; i++) chars[i] = id[i] is >= 32 and < 127 ? (char)id[i] : '?';
        return new string(chars);
    }

    /// <summary>Encodes <paramref name="sound"/> as a 16-bit mono PCM WAV file (samples clipped to [-1, 1]).</summary>
    public static byte[] Encode(Sound sound)
    {
        int dataBytes = sound.Samples.Length * 2;
        var bytes = new byte[44 + dataBytes];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), 36 + dataBytes);
        "WAVEfmt "u8.CopyTo(bytes.AsSpan(8));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), 16);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(20), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(22), 1);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), sound.SampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), sound.SampleRate * 2);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(32), 2);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(34), 16);
        "data"u8.CopyTo(bytes.AsSpan(36));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40), dataBytes);
        for (int i = 0; i < sound.Samples.Length; i++)
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(44 + 2 * i), (short)Math.Round(Math.Clamp(sound.Samples[i], -1f, 32767f / 32768f) * 32768f));
        return bytes;
    }
}
