using System.Diagnostics;
using System.Text;

namespace Cnn.Package.Tests;

/// <summary>Runs the <c>dotnet</c> CLI as a user would, isolated from the test host's MSBuild environment.</summary>
internal static class DotNet
{
    /// <summary>The configuration this test assembly was built in; the package is packed from the same build.</summary>
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The repository root (the folder holding Cnn.Generator.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"Cnn.Generator.sln not found above {AppContext.BaseDirectory}.");
    }

    /// <summary>Exit code and combined output of <c>dotnet args</c> in <paramref name="workingDirectory"/>.</summary>
    public static (int ExitCode, string Output) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // The test host runs under MSBuild's and the test platform's variables; a child build must not inherit them.
        foreach (string key in start.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("TESTINGPLATFORM", StringComparison.OrdinalIgnoreCase) || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach ((string key, string value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        DataReceivedEventHandler append = (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.OutputDataReceived += append;
        process.ErrorDataReceived += append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
