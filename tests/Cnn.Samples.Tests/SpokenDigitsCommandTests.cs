using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SpokenDigits;
using StbImageSharp;

namespace Cnn.Samples.Tests;

/// <summary>
/// A test that needs Debian's <c>espeak-ng</c>: skipped, with the install command as the reason, when it is missing and
/// this is not a CI run (<c>CI=true</c>); under CI never skipped, so a missing espeak-ng fails the run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EspeakFactAttribute : FactAttribute
{
    /// <summary>Whether this is a CI run.</summary>
    public static bool UnderCI =>
        Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>Whether espeak-ng is on the PATH.</summary>
    public static bool Installed =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => d.Length > 0 && File.Exists(Path.Combine(d, "espeak-ng")));

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when espeak-ng is missing outside CI.</summary>
    public EspeakFactAttribute()
    {
        if (!Installed && !UnderCI)
            Skip = "espeak-ng is not installed: apt-get install espeak-ng (with CI=true this test runs and fails instead)";
    }
}

/// <summary>samples/SpokenDigits end to end: espeak-ng's recordings, training, and accuracy on voices never heard.</summary>
public sealed class SpokenDigitsCommandTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cnn-spoken-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cnn.Generator.sln not found above the test assembly.");
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        string root = RepositoryRoot();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add(Path.Combine(root, "samples", "SpokenDigits", "bin", Configuration, "net10.0", "SpokenDigits.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The SpokenDigits sample did not finish in 10 minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// The default run (12 epochs) on the repository's cache of recordings (made on the first run, 44 s to 76 s here
    /// with one or two espeak-ng at a time). On 2026-11-30 it scored 97.67 % on the 1,500 words of the 50 unseen voices
    /// with the 512-bit kernels and 93.67 % with the 128- and 256-bit ones (the order of float sums changes the
    /// training path); the smallest group,
    /// the 120 words whose accent and variant are both new, scored 93.33 % and 88.33 %. From the third epoch on the
    /// validation accuracy moved between 91.7 % and 98.9 %. Chance is 10 %; the bars, 85 % overall and 70 % for each
    /// kind of novelty, leave room for that spread and for another espeak-ng build, and still fail a network that
    /// learnt only the training voices.
    /// </summary>
    [EspeakFact]
    public void The_sample_recognises_digits_spoken_by_voices_it_never_heard()
    {
        string weights = Path.Combine(_directory, "spoken.safetensors"), picture = Path.Combine(_directory, "seven.png");
        (int exit, string output, string error) = Run("12", weights, "--picture", picture, "--jobs", "2");
        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        Assert.Contains("Training: 3780 words in 126 voices. Test: 1500 words in 50 voices never heard in training", output);
        Assert.Contains("Epoch 12/12" + Environment.NewLine + "119/119 [==============================] - ", output);

        Match overall = Regex.Match(output, @"Accuracy on the 50 voices never heard: (\d+\.\d+) %");
        Assert.True(overall.Success, output);
        Assert.InRange(double.Parse(overall.Groups[1].Value, CultureInfo.InvariantCulture), 85, 100);
        MatchCollection groups = Regex.Matches(output, @"^  new .*?(\d+\.\d+) % of (\d+) words$", RegexOptions.Multiline);
        Assert.Equal(3, groups.Count);
        Assert.Equal(1500, groups.Sum(m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
        Assert.All(groups, m => Assert.InRange(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 70, 100));

        // The saved weights score the same when loaded into a fresh model.
        Assert.Contains($"Saved {weights}; reloaded, it scores {overall.Groups[1].Value} % on the unseen voices.", output);
        Assert.True(new FileInfo(weights).Length > SpokenDigitsCnn.ParameterCount * 4);

        ImageResult image = ImageResult.FromMemory(File.ReadAllBytes(picture), ColorComponents.RedGreenBlueAlpha);
        Assert.Equal((SpectrogramPicture.Width, SpectrogramPicture.Height), (image.Width, image.Height));
        Assert.Contains($"Spectrogram: {picture}", output);
    }

    [Fact]
    public void A_bad_option_prints_the_usage_and_exits_2()
    {
        (int exit, _, string error) = Run("--jobs", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--jobs takes a whole number of at least 1, not '0'.", error);
        Assert.Contains("Usage: SpokenDigits [epochs] [weights.safetensors]", error);
    }
}
