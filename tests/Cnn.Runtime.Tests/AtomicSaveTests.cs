using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Cnn.SaveCrashChild;

namespace Cnn.Runtime.Tests;

/// <summary>
/// Issue #7.3, no lost weights: a child process saves ever newer versions of a 1 MB weight file in a loop and is
/// killed (SIGKILL) at seeded random moments, 60 times. After every kill the file must load intact and hold one
/// complete version: the last one the child reported saved, or the one it was saving when it died.
/// </summary>
public class AtomicSaveTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static string ChildPath()
    {
        // .../tests/Cnn.Runtime.Tests/bin/<Configuration>/<tfm>/ → .../tests/Cnn.SaveCrashChild/bin/<Configuration>/<tfm>/
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name, configuration = output.Parent!.Name;
        string tests = output.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(tests, "Cnn.SaveCrashChild", "bin", configuration, tfm, "Cnn.SaveCrashChild.dll");
        Assert.True(File.Exists(path), $"{path} is missing: build the solution (the test project references the child project).");
        return path;
    }

    private static long LoadVersion(string path, VersionedModel model)
    {
        WeightFile.Load(model, path);
        long version = long.Parse(SafeTensorsFile.Open(path).Metadata[VersionedModel.VersionKey], CultureInfo.InvariantCulture);
        int mismatch = model.FirstMismatch(version);
        Assert.True(mismatch < 0, $"the file says version {version} but parameter {mismatch} belongs to another: a torn write");
        return version;
    }

    [Fact]
    public void KillingTheSaverAtRandomMoments_NeverLeavesABrokenFile()
    {
        string child = ChildPath();
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string dir = Directory.CreateTempSubdirectory("cnn-kill").FullName;
        string path = Path.Combine(dir, "model.safetensors");
        var model = new VersionedModel();
        var random = new Random(2026);
        int killedWhileSaving = 0;
        try
        {
            model.Save(0, path);
            long previous = 0;
            for (int run = 1; run <= 60; run++)
            {
                long first = run * 1_000_000L;
                var saved = new ConcurrentQueue<long>();
                using var ready = new ManualResetEventSlim();
                using var process = new Process
                {
                    StartInfo = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, UseShellExecute = false },
                };
                process.StartInfo.ArgumentList.Add(child);
                process.StartInfo.ArgumentList.Add(path);
                process.StartInfo.ArgumentList.Add(first.ToString(CultureInfo.InvariantCulture));
                // One run in four is killed at a random moment of its start and first save (which is slow: the JIT),
                // the others at a random moment after their first save, when saves follow each other quickly.
                bool early = random.Next(4) == 0;
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data == "ready" && early) ready.Set();
                    else if (e.Data?.StartsWith("saved ", StringComparison.Ordinal) == true)
                    {
                        saved.Enqueue(long.Parse(e.Data[6..], CultureInfo.InvariantCulture));
                        ready.Set();
                    }
                };
                process.Start();
                process.BeginOutputReadLine();
                try
                {
                    if (!ready.Wait(TimeSpan.FromSeconds(60)))
                        Assert.Fail($"run {run}: the child did not start within a minute");
                    Thread.Sleep(random.Next(0, early ? 200 : 40));
                }
                finally
                {
                    process.Kill();
                    Assert.True(process.WaitForExit(30_000), $"run {run}: the child did not die");
                }
                process.WaitForExit(); // drains the output events
                Assert.False(process.ExitCode == 0, "killed processes do not exit normally");

                long lastReported = saved.IsEmpty ? previous : saved.Max();
                long version = LoadVersion(path, model);
                // The file is the last complete save, or the one in flight if the rename happened before the report.
                long inFlight = saved.IsEmpty ? first : lastReported + 1;
                Assert.True(version == lastReported || version == inFlight,
                    $"run {run}: the file holds version {version}; the child had reported {lastReported} as saved");
                previous = version;

                // A temporary file of this child: the kill interrupted a save.
                if (Directory.GetFiles(dir).Any(f => f.StartsWith($"{path}{SafeTensorsWriter.TemporaryInfix}{process.Id}-", StringComparison.Ordinal)))
                    killedWhileSaving++;
            }
            output.WriteLine($"{killedWhileSaving} of 60 kills interrupted a save");
            // The kills must have hit saves in the middle, else this test proves nothing.
            Assert.True(killedWhileSaving >= 5, $"only {killedWhileSaving} of 60 kills interrupted a save (left a temporary file behind)");
            Assert.All(Directory.GetFiles(dir).Where(f => f != path), f => Assert.StartsWith(path + SafeTensorsWriter.TemporaryInfix, f));

            // The next successful save removes the temporary files of the killed processes.
            model.Save(7, path);
            Assert.Equal([path], Directory.GetFiles(dir));
            Assert.Equal(7, LoadVersion(path, model));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Save_LeavesNoTemporaryFile_AndKeepsTheTemporaryFilesOfRunningProcesses()
    {
        string dir = Directory.CreateTempSubdirectory("cnn-save").FullName;
        try
        {
            string path = Path.Combine(dir, "w.safetensors");
            var model = new VersionedModel();
            model.Save(1, path);
            model.Save(2, path);
            Assert.Equal([path], Directory.GetFiles(dir));

            // A temporary file of this (running) process, one of a process that cannot exist, and an unrelated file.
            string mine = $"{path}{SafeTensorsWriter.TemporaryInfix}{Environment.ProcessId}-abc";
            string dead = $"{path}{SafeTensorsWriter.TemporaryInfix}{int.MaxValue}-abc";
            string other = Path.Combine(dir, "other.safetensors.tmp-1-x");
            foreach (string f in new[] { mine, dead, other }) File.WriteAllBytes(f, [1, 2]);
            model.Save(3, path);
            Assert.Equal(new[] { mine, other, path }.Order(), Directory.GetFiles(dir).Order());
            Assert.Equal(3, LoadVersion(path, model));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SyncDirectory_FlushesAnExistingDirectory_AndNeverThrows()
    {
        string directory = Directory.CreateTempSubdirectory("cnn-sync-").FullName;
        try
        {
            // Linux: open(2) + fsync(2) of the directory, so that a rename in it survives a power cut.
            Assert.Equal(OperatingSystem.IsLinux(), SafeTensorsWriter.SyncDirectory(directory));
            Assert.False(SafeTensorsWriter.SyncDirectory(Path.Combine(directory, "missing")));
            Assert.False(SafeTensorsWriter.SyncDirectory(""));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AFailedSave_LeavesTheOldFileAndNoTemporaryFile()
    {
        string dir = Directory.CreateTempSubdirectory("cnn-save").FullName;
        try
        {
            string path = Path.Combine(dir, "w.safetensors");
            var model = new VersionedModel();
            model.Save(1, path);
            // The target is now a directory: the rename fails after the temporary file was written.
            string blocked = Path.Combine(dir, "blocked");
            Directory.CreateDirectory(blocked);
            Assert.ThrowsAny<IOException>(() => model.Save(2, blocked));
            Assert.Equal([path], Directory.GetFiles(dir));
            Assert.Equal(1, LoadVersion(path, model));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
