using Cnn;

namespace SpokenDigits;

/// <summary>Where the speech is in a sound: the frames louder than 40 dB below the loudest.</summary>
public static class Speech
{
    /// <summary>Samples per loudness frame (11.6 ms at 22,050 Hz).</summary>
    public const int FrameLength = 256;

    /// <summary>How far below the loudest frame a frame still counts as speech, in decibels.</summary>
    public const double ThresholdDecibels = 40;

    /// <summary>The runs of speech frames, as sample ranges [start, end).</summary>
    public static List<(int Start, int End)> Runs(Sound sound)
    {
        int frames = sound.Samples.Length / FrameLength;
        var rms = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            double sum = 0;
            foreach (float s in sound.Samples.AsSpan(f * FrameLength, FrameLength)) sum += s * s;
            rms[f] = Math.Sqrt(sum / FrameLength);
        }
        double threshold = (frames == 0 ? 0 : rms.Max()) * Math.Pow(10, -ThresholdDecibels / 20);
        var runs = new List<(int, int)>();
        for (int f = 0; f < frames;)
        {
            if (rms[f] <= threshold || threshold == 0) { f++; continue; }
            int start = f;
            while (f < frames && rms[f] > threshold) f++;
            runs.Add((start * FrameLength, f * FrameLength));
        }
        return runs;
    }

    /// <summary>
    /// Cuts a recording of <paramref name="count"/> words separated by pauses of at least <paramref name="minPauseSeconds"/>
    /// into the words: the <paramref name="count"/> - 1 longest silences between runs of speech are the pauses (a
    /// word's own short silences, such as the stop in "eight", are shorter).
    /// </summary>
    /// <exception cref="CnnDataException">The recording does not hold <paramref name="count"/> words so separated.</exception>
    public static Sound[] SplitWords(Sound recording, int count, double minPauseSeconds, string source)
    {
        List<(int Start, int End)> runs = Runs(recording);
        if (runs.Count < count) throw new CnnDataException(source, $"{runs.Count} stretches of speech, fewer than the {count} words it should hold.");
        int[] pauses = Enumerable.Range(0, runs.Count - 1)
            .OrderByDescending(i => runs[i + 1].Start - runs[i].End).ThenBy(i => i)
            .Take(count - 1).Order().ToArray();
        var words = new Sound[count];
        int first = 0;
        for (int w = 0; w < count; w++)
        {
            int last = w < count - 1 ? pauses[w] : runs.Count - 1;
            if (w < count - 1)
            {
                double pause = (double)(runs[last + 1].Start - runs[last].End) / recording.SampleRate;
                if (pause < minPauseSeconds)
                    throw new CnnDataException(source, $"the pause after word {w + 1} lasts {pause:F2} s, less than the {minPauseSeconds:F2} s between words: the recording does not hold {count} separate words.");
            }
            words[w] = new Sound(recording.Samples[runs[first].Start..runs[last].End], recording.SampleRate);
            first = last + 1;
        }
        return words;
    }
}
