using System.Buffers.Binary;
using SpokenDigits;

namespace Cnn.Samples.Tests;

/// <summary>The sound side of samples/SpokenDigits on synthetic signals: WAV reading, spectrograms, word splitting.</summary>
public sealed class SpokenDigitsSoundTests
{
    private const int Rate = 22_050;

    private static float[] Sine(double hz, int count, float amplitude = 0.5f) =>
        Enumerable.Range(0, count).Select(i => amplitude * (float)Math.Sin(2 * Math.PI * hz * i / Rate)).ToArray();

    [Fact]
    public void A_16_bit_wav_round_trips_within_one_step()
    {
        float[] samples = Sine(440, 1000);
        Sound read = Wav.Read(Wav.Encode(new Sound(samples, Rate)), "sine.wav");
        Assert.Equal(Rate, read.SampleRate);
        Assert.Equal(samples.Length, read.Samples.Length);
        for (int i = 0; i < samples.Length; i++) Assert.Equal(samples[i], read.Samples[i], 1.0 / 32768);
    }

    [Fact]
    public void Stereo_float_wav_is_mixed_down_and_odd_chunks_are_skipped_with_their_pad_byte()
    {
        // RIFF, a 3-byte 'LIST' chunk (padded to 4), 'fmt ' for 2 channels of 32-bit float, then 2 frames.
        var bytes = new List<byte>();
        bytes.AddRange("RIFF\0\0\0\0WAVE"u8.ToArray());
        bytes.AddRange("LIST"u8.ToArray()); bytes.AddRange(BitConverter.GetBytes(3)); bytes.AddRange(new byte[] { 1, 2, 3, 0 });
        bytes.AddRange("fmt "u8.ToArray()); bytes.AddRange(BitConverter.GetBytes(16));
        bytes.AddRange(BitConverter.GetBytes((short)3)); bytes.AddRange(BitConverter.GetBytes((short)2));
        bytes.AddRange(BitConverter.GetBytes(16_000)); bytes.AddRange(BitConverter.GetBytes(16_000 * 8));
        bytes.AddRange(BitConverter.GetBytes((short)8)); bytes.AddRange(BitConverter.GetBytes((short)32));
        bytes.AddRange("data"u8.ToArray()); bytes.AddRange(BitConverter.GetBytes(16));
        foreach (float f in new[] { 0.5f, -0.25f, 1f, 0f }) bytes.AddRange(BitConverter.GetBytes(f));
        Sound sound = Wav.Read(bytes.ToArray(), "stereo.wav");
        Assert.Equal(16_000, sound.SampleRate);
        Assert.Equal([0.125f, 0.5f], sound.Samples);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(46)]
    [InlineData(100)]
    public void The_power_spectrum_of_a_sine_on_a_bin_peaks_at_that_bin(int bin)
    {
        var spectrogram = new Spectrogram(Rate);
        double[] power = spectrogram.PowerSpectrum(Sine(spectrogram.BinHz(bin), Spectrogram.FrameLength));
        Assert.Equal(Spectrogram.FrameLength / 2 + 1, power.Length);
        int peak = Array.IndexOf(power, power.Max());
        Assert.Equal(bin, peak);
        // The Hann window spreads a sine over three bins; everything else is far below.
        for (int k = 0; k < power.Length; k++)
            if (Math.Abs(k - bin) > 1) Assert.True(power[k] < power[bin] * 1e-6, $"bin {k}: {power[k]} beside the peak's {power[bin]}");
    }

    [Fact]
    public void A_tone_is_loudest_in_the_band_around_its_frequency_and_is_centred_in_silence()
    {
        int band = 20;
        double hz = Spectrogram.BandCentreHz(band);
        int length = Rate / 4;   // 0.25 s, shorter than the 80 frames (0.93 s)
        float[] values = new Spectrogram(Rate).Compute(new Sound(Sine(hz, length), Rate));
        Assert.Equal(Spectrogram.Frames * Spectrogram.MelBands, values.Length);
        Assert.Equal(1f, values.Max());
        Assert.All(values, v => Assert.InRange(v, -1f, 1f));
        int middle = Spectrogram.Frames / 2;
        ReadOnlySpan<float> frame = values.AsSpan(middle * Spectrogram.MelBands, Spectrogram.MelBands);
        Assert.Equal(band, frame.IndexOf(frame.ToArray().Max()));
        // The padding before and after the tone is silence, the lowest value.
        Assert.All(values[..Spectrogram.MelBands], v => Assert.Equal(-1f, v));
        Assert.All(values[^Spectrogram.MelBands..], v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void Splitting_finds_the_words_between_long_pauses_and_keeps_a_words_own_short_silence()
    {
        // Three "words": a tone; two tones with 80 ms between (like the stop in "eight"); a tone. Pauses of 0.5 s.
        float[] pause = new float[Rate / 2], gap = new float[Rate * 80 / 1000];
        float[] one = Sine(300, 4000), two = [.. Sine(500, 3000), .. gap, .. Sine(500, 2000)], three = Sine(900, 5000);
        Sound recording = new([.. pause, .. one, .. pause, .. two, .. pause, .. three, .. pause], Rate);
        Sound[] words = Speech.SplitWords(recording, 3, minPauseSeconds: 0.25, "three.wav");
        Assert.Equal(3, words.Length);
        // Speech frames are 256 samples: a word's length is its own within a frame at each end.
        int[] expected = [one.Length, two.Length, three.Length];
        for (int w = 0; w < 3; w++) Assert.InRange(words[w].Samples.Length, expected[w] - 2 * Speech.FrameLength, expected[w] + 2 * Speech.FrameLength);

        CnnDataException tooFew = Assert.Throws<CnnDataException>(() => Speech.SplitWords(recording, 5, 0.25, "three.wav"));
        Assert.Equal("three.wav: 4 stretches of speech, fewer than the 5 words it should hold.", tooFew.Message);
        CnnDataException shortPause = Assert.Throws<CnnDataException>(() => Speech.SplitWords(recording, 4, 0.25, "three.wav"));
        Assert.StartsWith("three.wav: the pause after word 2 lasts 0.0", shortPause.Message);
    }

    public static TheoryData<string, byte[], string> BadFiles()
    {
        byte[] good = Wav.Encode(new Sound(Sine(440, 100), Rate));
        byte[] With(Action<byte[]> change) { byte[] b = (byte[])good.Clone(); change(b); return b; }
        return new()
        {
            { "empty", [], "0 bytes is too short for a WAV header (12 bytes: RIFF, size, WAVE)." },
            { "not RIFF", "RIFX\0\0\0\0WAVEfmt "u8.ToArray(), "not a WAV file: it does not start with RIFF....WAVE." },
            { "truncated data", good[..100], "the 'data' chunk at byte 36 says 200 bytes, but only 56 follow (truncated file?)." },
            { "8-bit", With(b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(34), 8)), "format 1 with 8 bits per sample: this reader takes 16-bit PCM (format 1) and 32-bit float (format 3)." },
            { "no channels", With(b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(22), 0)), "0 channels." },
            { "no data", good[..36], "there is no 'data' chunk." },
            { "short fmt", With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(16), 8)), "the 'fmt ' chunk has 8 bytes, fewer than the 16 of PCM." },
            { "rate 0", With(b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(24), 0)), "a sample rate of 0 Hz (expected 1,000 to 384,000)." },
            { "lying block size", With(b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(32), 4)), "a block of 4 bytes for 1 channels of 2 bytes." },
        };
    }

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_wav_file_is_a_clear_error(string name, byte[] bytes, string problem)
    {
        CnnDataException e = Assert.Throws<CnnDataException>(() => Wav.Read(bytes, name + ".wav"));
        Assert.Equal(name + ".wav", e.DataSource);
        Assert.Equal(problem, e.Problem);
    }

    [Fact]
    public void Mutated_wav_files_are_read_or_rejected_with_a_clear_error_never_a_crash()
    {
        byte[] good = Wav.Encode(new Sound(Sine(440, 300), Rate));
        var random = new Random(13);
        int rejected = 0;
        for (int i = 0; i < 5000; i++)
        {
            byte[] bytes = (byte[])good.Clone();
            switch (random.Next(4))
            {
                case 0: bytes = bytes[..random.Next(bytes.Length)]; break;                                   // truncated
                case 1: for (int k = random.Next(1, 8); k > 0; k--) bytes[random.Next(48)] = (byte)random.Next(256); break;   // header bytes
                case 2: BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 + 4 * random.Next(11)), random.Next(int.MinValue, int.MaxValue)); break; // a length or field
                default: bytes = [.. bytes[..12], .. bytes[36..], .. bytes[12..36]]; bytes[random.Next(bytes.Length)] ^= 0xFF; break; // chunks reordered
            }
            try
            {
                Sound sound = Wav.Read(bytes, $"mutant-{i}.wav");
                Assert.All(sound.Samples, s => Assert.True(float.IsFinite(s)));
            }
            catch (CnnDataException e)
            {
                rejected++;
                Assert.StartsWith($"mutant-{i}.wav: ", e.Message);
            }
        }
        Assert.InRange(rejected, 1000, 5000);   // most mutants are bad files; the check above ran on each
    }

    [Fact]
    public void The_cache_file_of_a_missing_wav_is_named_in_the_error()
    {
        string path = Path.Combine(Path.GetTempPath(), "cnn-spoken-" + Guid.NewGuid().ToString("N") + ".wav");
        File.WriteAllBytes(path, "RIFF"u8.ToArray());
        try
        {
            CnnDataException e = Assert.Throws<CnnDataException>(() => Corpus.ReadWords(path));
            Assert.Equal(path, e.DataSource);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_test_voices_are_never_training_voices()
    {
        IReadOnlyList<Recording> recordings = Corpus.Recordings();
        Assert.Equal(Corpus.Accents.Length * Corpus.Variants.Length * Corpus.SettingsPerVoice, recordings.Count);
        Assert.Equal(recordings.Count, recordings.Select(r => r.FileName).Distinct().Count());
        var training = recordings.Where(r => Corpus.NoveltyOf(r.Voice) == Novelty.Training).ToArray();
        var test = recordings.Where(r => Corpus.NoveltyOf(r.Voice) != Novelty.Training).ToArray();
        Assert.DoesNotContain(training, r => r.Voice.Accent == Corpus.TestAccent || Corpus.TestVariants.Contains(r.Voice.Variant));
        Assert.Empty(training.Select(r => r.Voice).Intersect(test.Select(r => r.Voice)));
        Assert.Equal((Corpus.Accents.Length - 1) * (Corpus.Variants.Length - Corpus.TestVariants.Length), training.Select(r => r.Voice).Distinct().Count());
        Assert.All(recordings, r => Assert.InRange(r.Speed, Corpus.Speeds.Low, Corpus.Speeds.High));
        Assert.All(recordings, r => Assert.InRange(r.Pitch, Corpus.Pitches.Low, Corpus.Pitches.High));
    }
}
