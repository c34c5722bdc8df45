using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Cnn.Benchmarks;

/// <summary>
/// PyTorch's figures for the training target, measured by running the peer script
/// (<c>../shared/peers/pytorch_peer.py</c> beside the repository, read-only) as a child process with Debian's
/// python3-torch, 2 threads, one epoch of Fashion-MNIST, and reading what it prints.
/// </summary>
public static partial class PyTorchPeer
{
    /// <summary>The interpreter with Debian's python3-torch.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>What the peer printed: training img/s on 2 threads, and its inference figures beside it.</summary>
    public sealed record Result(double TrainingImagesPerSecond, double TestAccuracyPercent, double Batch1Microseconds, double Batch256ImagesPerSecond, string Version);

    /// <summary>The peer script: ../shared/peers/pytorch_peer.py relative to the repository holding this benchmark.</summary>
    public static string? ScriptPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln")))
                return Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "peers", "pytorch_peer.py"));
        }
        return null;
    }

    /// <summary>Runs the peer (2 threads, 1 epoch) and parses its output; null, having said why, when it cannot.</summary>
    public static Result? Measure(TextWriter log)
    {
        string? script = ScriptPath();
        if (script is null || !File.Exists(script))
        {
            log.WriteLine($"  PyTorch peer not found ({script ?? "no Cnn.Generator.sln above " + AppContext.BaseDirectory}): the training target is not measured.");
            return null;
        }
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("2");
        start.ArgumentList.Add("1");
        log.WriteLine($"  running {Python} {script} 2 1 (one epoch of Fashion-MNIST on 2 threads) ...");
        Process child;
        try
        {
            child = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            log.WriteLine($"  could not start {Python}: {e.Message} (apt-get install -y python3-torch dataset-fashion-mnist)");
            return null;
        }
        using (child)
        {
            Task<string> error = child.StandardError.ReadToEndAsync();
            Task<string> output = child.StandardOutput.ReadToEndAsync();
            if (!child.WaitForExit(TimeSpan.FromMinutes(30)))
            {
                child.Kill(entireProcessTree: true);
                log.WriteLine("  the PyTorch peer ran for more than 30 minutes and was stopped.");
                return null;
            }
            string text = output.Result;
            Match train = TrainLine().Match(text), lat = LatencyLine().Match(text), thr = ThroughputLine().Match(text), ver = VersionLine().Match(text);
            if (child.ExitCode != 0 || !train.Success || !lat.Success || !thr.Success || !ver.Success)
            {
                string why = error.Result.Trim().Split('\n').LastOrDefault() ?? "";
                log.WriteLine($"  the PyTorch peer failed (exit code {child.ExitCode}): {why} {text.Trim()}");
                log.WriteLine("  (it needs Debian's python3-torch and dataset-fashion-mnist: apt-get install -y python3-torch dataset-fashion-mnist)");
                return null;
            }
            double Number(Match m, int group = 1) => double.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
            return new Result(Number(train), Number(train, 2), Number(lat), Number(thr), ver.Groups[1].Value);
        }
    }

    [GeneratedRegex(@"^epoch 1: train ([0-9.]+) img/s .*test accuracy ([0-9.]+)%", RegexOptions.Multiline)]
    private static partial Regex TrainLine();

    [GeneratedRegex(@"^inference batch1 latency: ([0-9.]+) us", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();

    [GeneratedRegex(@"^inference batch256 throughput: ([0-9.]+) img/s", RegexOptions.Multiline)]
    private static partial Regex ThroughputLine();

    [GeneratedRegex(@"^torch (\S+) threads=", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
