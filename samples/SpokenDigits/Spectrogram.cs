using System.Numerics;
using FftSharp;

namespace SpokenDigits;

/// <summary>
/// The log-mel spectrogram the network hears: the sound cut into overlapping frames of <see cref="FrameLength"/>
/// samples every <see cref="Hop"/> samples, each frame's power spectrum (Hann window, FFT) pooled into
/// <see cref="MelBands"/> triangular bands evenly spaced in mels, in decibels, and scaled so the loudest cell is 1
/// and 80 dB below it (or silence) is -1. A word is centred in <see cref="Frames"/> frames (about 0.93 s at
/// 22,050 Hz): shorter words are padded with silence, longer ones lose their ends. The result is
/// [frames, bands] in time order, the [steps, channels] input of a Conv1D network.
/// </summary>
public sealed class Spectrogram
{
    /// <summary>Samples per frame: a power of two for the FFT, 23 ms at 22,050 Hz.</summary>
    public const int FrameLength = 512;

    /// <summary>Samples from one frame to the next (half a frame: 11.6 ms at 22,050 Hz).</summary>
    public const int Hop = 256;

    /// <summary>Frames per word: the network's steps.</summary>
    public const int Frames = 80;

    /// <summary>Mel bands per frame: the network's channels.</summary>
    public const int MelBands = 40;

    /// <summary>The lowest and highest frequencies the bands cover, in Hz.</summary>
    public const double LowHz = 60, HighHz = 8000;

    /// <summary>The range kept below the loudest cell, in decibels.</summary>
    public const double RangeDecibels = 80;

    /// <summary>Added to every band's energy before the logarithm, so silence is finite.</summary>
    private const double Floor = 1e-10;

    /// <summary>The decibels of a silent band.</summary>
    private static readonly double Silence = 10 * Math.Log10(Floor);

    private readonly double[] _window = new FftSharp.Windows.Hanning().Create(FrameLength);
    private readonly (int First, double[] Weights)[] _filters;   // per band: its first FFT bin and the weights from there

    /// <summary>The filter bank for sounds sampled at <paramref name="sampleRate"/>.</summary>
    public Spectrogram(int sampleRate)
    {
        if (sampleRate < 2 * HighHz) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"The bands reach {HighHz} Hz: the sample rate must be at least twice that.");
        SampleRate = sampleRate;
        _filters = MelFilters(sampleRate);
    }

    /// <summary>The sample rate this filter bank is for.</summary>
    public int SampleRate { get; }

    /// <summary>Samples that <see cref="Frames"/> frames span.</summary>
    public static int SpanSamples => (Frames - 1) * Hop + FrameLength;

    /// <summary>The frequency (Hz) of FFT bin <paramref name="bin"/> at this sample rate.</summary>
    public double BinHz(int bin) => (double)bin * SampleRate / FrameLength;

    /// <summary>The centre frequency (Hz) of mel band <paramref name="band"/>.</summary>
    public static double BandCentreHz(int band) => MelToHz(HzToMel(LowHz) + (band + 1) * (HzToMel(HighHz) - HzToMel(LowHz)) / (MelBands + 1));

    /// <summary>Mels (the HTK formula): equal steps sound like equal steps of pitch.</summary>
    public static double HzToMel(double hz) => 2595 * Math.Log10(1 + hz / 700);

    /// <summary>The inverse of <see cref="HzToMel"/>.</summary>
    public static double MelToHz(double mel) => 700 * (Math.Pow(10, mel / 2595) - 1);

    /// <summary>The power spectrum of one frame of <see cref="FrameLength"/> samples (Hann window): FrameLength/2 + 1 bins.</summary>
    public double[] PowerSpectrum(ReadOnlySpan<float> frame)
    {
        var power = new double[FrameLength / 2 + 1];
        PowerSpectrum(frame, new Complex[FrameLength], power);
        return power;
    }

    private void PowerSpectrum(ReadOnlySpan<float> frame, Complex[] buffer, Span<double> power)
    {
        if (frame.Length != FrameLength) throw new ArgumentException($"A frame has {FrameLength} samples, not {frame.Length}.", nameof(frame));
        for (int i = 0; i < FrameLength; i++) buffer[i] = new Complex(frame[i] * _window[i], 0);
        FFT.Forward(buffer.AsSpan());
        for (int i = 0; i < power.Length; i++) power[i] = buffer[i].Real * buffer[i].Real + buffer[i].Imaginary * buffer[i].Imaginary;
    }

    /// <summary>
    /// The network's input for one word: <see cref="Frames"/> x <see cref="MelBands"/> values in [-1, 1], frame by frame.
    /// </summary>
    public float[] Compute(Sound word)
    {
        if (word.SampleRate != SampleRate) throw new ArgumentException($"This filter bank is for {SampleRate} Hz, the sound is {word.SampleRate} Hz.", nameof(word));
        // Centre the word in the span of the frames.
        var span = new float[SpanSamples];
        int length = Math.Min(word.Samples.Length, span.Length);
        word.Samples.AsSpan((word.Samples.Length - length) / 2, length).CopyTo(span.AsSpan((span.Length - length) / 2));

        var decibels = new double[Frames * MelBands];
        var buffer = new Complex[FrameLength];
        var power = new double[FrameLength / 2 + 1];
        for (int t = 0; t < Frames; t++)
        {
            ReadOnlySpan<float> frame = span.AsSpan(t * Hop, FrameLength);
            if (!frame.ContainsAnyExcept(0f)) { decibels.AsSpan(t * MelBands, MelBands).Fill(Silence); continue; }   // padding: no FFT needed
            PowerSpectrum(frame, buffer, power);
            for (int b = 0; b < MelBands; b++)
            {
                (int first, double[] weights) = _filters[b];
                double energy = 0;
                for (int k = 0; k < weights.Length; k++) energy += weights[k] * power[first + k];
                decibels[t * MelBands + b] = 10 * Math.Log10(energy + Floor);
            }
        }
        double top = decibels.Max();
        var values = new float[decibels.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(Math.Max(decibels[i] - top, -RangeDecibels) / (RangeDecibels / 2) + 1);
        return values;
    }

    /// <summary>
    /// Triangular filters evenly spaced in mels from <see cref="LowHz"/> to <see cref="HighHz"/>; each band keeps only
    /// the FFT bins under its triangle.
    /// </summary>
    private static (int First, double[] Weights)[] MelFilters(int sampleRate)
    {
        int bins = FrameLength / 2 + 1;
        var filters = new (int, double[])[MelBands];
        double low = HzToMel(LowHz), high = HzToMel(HighHz);
        for (int b = 0; b < MelBands; b++)
        {
            double left = MelToHz(low + b * (high - low) / (MelBands + 1));
            double centre = MelToHz(low + (b + 1) * (high - low) / (MelBands + 1));
            double right = MelToHz(low + (b + 2) * (high - low) / (MelBands + 1));
            var weights = new List<double>();
            int first = -1;
            for (int k = 0; k < bins; k++)
            {
                double hz = (double)k * sampleRate / FrameLength;
                if (hz <= left || hz >= right) continue;
                if (first < 0) first = k;
                weights.Add(hz <= centre ? (hz - left) / (centre - left) : (right - hz) / (right - centre));
            }
            filters[b] = (Math.Max(first, 0), weights.ToArray());
        }
        return filters;
    }
}
