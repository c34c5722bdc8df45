using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Cnn;

namespace SpokenDigits;

/// <summary>An espeak-ng voice: an English accent and a voice variant (its timbre: male, female, klatt, croak, ...).</summary>
public sealed record Voice(string Accent, string Variant)
{
    /// <summary>The name espeak-ng takes with <c>-v</c>: <c>accent+variant</c>.</summary>
    public string Name => Variant.Length == 0 ? Accent : $"{Accent}+{Variant}";

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>One espeak-ng recording: a voice speaking the ten digit words at one speed and pitch, with pauses between.</summary>
public sealed record Recording(Voice Voice, int Speed, int Pitch)
{
    /// <summary>The file name in the cache.</summary>
    public string FileName => $"{Voice.Accent}+{(Voice.Variant.Length == 0 ? "default" : Voice.Variant)}_s{Speed}_p{Pitch}.wav";
}

/// <summary>Which of the two splits a voice is in, and how new a test voice is.</summary>
public enum Novelty
{
    /// <summary>A training voice.</summary>
    Training,
    /// <summary>A variant never heard, in an accent heard in training.</summary>
    NewVariant,
    /// <summary>The accent never heard, with a variant heard in training.</summary>
    NewAccent,
    /// <summary>Both the accent and the variant never heard.</summary>
    NewAccentAndVariant,
}

/// <summary>
/// The spoken-digit corpus: every English accent of espeak-ng's own voices crossed with voice variants, each voice
/// speaking the ten digit words at <see cref="SettingsPerVoice"/> speeds and pitches. The test voices are never heard
/// in training: they are every voice with one of the <see cref="TestVariants"/> or the <see cref="TestAccent"/>.
/// </summary>
public static class Corpus
{
    /// <summary>The words, in label order.</summary>
    public static readonly string[] Words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

    /// <summary>espeak-ng's English accents (its own voices, not the MBROLA ones, which need another package).</summary>
    public static readonly string[] Accents =
        ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-us-nyc", "en-029"];

    /// <summary>The variants (files in espeak-ng-data/voices/!v); "" is the accent's own voice.</summary>
    public static readonly string[] Variants =
        ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
         "klatt", "klatt2", "klatt3", "klatt4", "croak", "whisper", "grandma", "grandpa"];

    /// <summary>The accent held out of training (Caribbean English).</summary>
    public const string TestAccent = "en-029";

    /// <summary>The variants held out of training.</summary>
    public static readonly string[] TestVariants = ["m4", "f3", "klatt4", "grandma"];

    /// <summary>Speed and pitch settings per voice, drawn at random (seeded) from <see cref="Speeds"/> and <see cref="Pitches"/>.</summary>
    public const int SettingsPerVoice = 3;

    /// <summary>espeak-ng's words per minute (-s), lowest and highest.</summary>
    public static readonly (int Low, int High) Speeds = (120, 220);

    /// <summary>espeak-ng's pitch (-p, 0 to 99), lowest and highest.</summary>
    public static readonly (int Low, int High) Pitches = (20, 80);

    /// <summary>The pause espeak-ng makes between two words, in milliseconds.</summary>
    public const int PauseMilliseconds = 500;

    /// <summary>Where a voice belongs.</summary>
    public static Novelty NoveltyOf(Voice voice) => (voice.Accent == TestAccent, TestVariants.Contains(voice.Variant)) switch
    {
        (false, false) => Novelty.Training,
        (false, true) => Novelty.NewVariant,
        (true, false) => Novelty.NewAccent,
        (true, true) => Novelty.NewAccentAndVariant,
    };

    /// <summary>Every recording, in a fixed order; the speeds and pitches come from <paramref name="seed"/>.</summary>
    public static IReadOnlyList<Recording> Recordings(int seed = 7)
    {
        var random = new Random(seed);
        var recordings = new List<Recording>();
        foreach (string accent in Accents)
            foreach (string variant in Variants)
                for (int i = 0; i < SettingsPerVoice; i++)
                    recordings.Add(new Recording(new Voice(accent, variant),
                        random.Next(Speeds.Low, Speeds.High + 1), random.Next(Pitches.Low, Pitches.High + 1)));
        return recordings;
    }

    /// <summary>The SSML text espeak-ng speaks: the ten words with a pause after each.</summary>
    public static string Text => "<speak>" + string.Join($" <break time=\"{PauseMilliseconds}ms\"/> ", Words) + "</speak>";

    /// <summary>
    /// Synthesises the recordings missing from <paramref name="cache"/> with espeak-ng, <paramref name="jobs"/> processes
    /// at a time; returns how many it made. Each file is written under a temporary name and renamed, so an interrupted
    /// run leaves no half file.
    /// </summary>
    /// <exception cref="InvalidOperationException">espeak-ng is missing or fails.</exception>
    public static int Synthesise(IReadOnlyList<Recording> recordings, string cache, int jobs)
    {
        Directory.CreateDirectory(cache);
        Recording[] missing = recordings.Where(r => !File.Exists(Path.Combine(cache, r.FileName))).ToArray();
        if (missing.Length == 0) return 0;
        Parallel.ForEach(missing, new ParallelOptions { MaxDegreeOfParallelism = jobs }, recording =>
        {
            string path = Path.Combine(cache, recording.FileName);
            string temporary = path + $".{Environment.ProcessId}.tmp";
            Espeak("-m", "-v", recording.Voice.Name, "-s", recording.Speed.ToString(CultureInfo.InvariantCulture),
                "-p", recording.Pitch.ToString(CultureInfo.InvariantCulture), "-w", temporary, Text);
            File.Move(temporary, path, overwrite: true);
        });
        return missing.Length;
    }

    /// <summary>espeak-ng's version line, which also checks that it is installed.</summary>
    /// <exception cref="InvalidOperationException">espeak-ng is missing or fails.</exception>
    public static string EspeakVersion() => Espeak("--version").Trim();

    private static string Espeak(params string[] args)
    {
        var start = new ProcessStartInfo("espeak-ng") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("espeak-ng did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"espeak-ng could not be run ({e.Message}): install it with apt-get install espeak-ng.", e);
        }
        using (process)
        {
            Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            // espeak-ng reports an unknown voice on stderr but may still exit 0: either is a failure here.
            if (process.ExitCode != 0 || error.Result.Length > 0)
                throw new InvalidOperationException($"espeak-ng {string.Join(' ', args.Take(args.Length - 1))} failed (exit {process.ExitCode}): {error.Result.Trim()}");
            return output.Result;
        }
    }

    /// <summary>
    /// The words of every recording in <paramref name="cache"/>, as spectrograms in recording order (ten per recording,
    /// zero to nine), computed by <paramref name="jobs"/> threads.
    /// </summary>
    /// <exception cref="CnnDataException">A cached file is damaged or does not hold ten separate words.</exception>
    public static float[][] Spectrograms(IReadOnlyList<Recording> recordings, string cache, int jobs)
    {
        var features = new float[recordings.Count * Words.Length][];
        Parallel.For(0, recordings.Count, new ParallelOptions { MaxDegreeOfParallelism = jobs }, r =>
        {
            string path = Path.Combine(cache, recordings[r].FileName);
            Sound[] words = ReadWords(path);
            var spectrogram = new Spectrogram(words[0].SampleRate);
            for (int w = 0; w < words.Length; w++) features[r * Words.Length + w] = spectrogram.Compute(words[w]);
        });
        return features;
    }

    /// <summary>The ten words of the recording at <paramref name="path"/>.</summary>
    /// <exception cref="CnnDataException">The file is damaged or does not hold ten separate words.</exception>
    public static Sound[] ReadWords(string path) =>
        Speech.SplitWords(Wav.Read(path), Words.Length, minPauseSeconds: PauseMilliseconds / 2000.0, path);
}
