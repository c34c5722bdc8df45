using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Cnn.Benchmarks;

/// <summary>
/// What a program that embeds the model sees (issue #12 part 3): in a fresh process, the mean time of the first
/// 1,000 <c>Forward</c> calls of the seed model (the first call, with its JIT compilation, included) against the
/// steady state of the same process. The benchmark starts itself again as a child process for each measurement,
/// so nothing has been compiled before; the child inherits the environment (DOTNET_* settings apply to it).
/// </summary>
/// <remarks>
/// Both are measured in wall-clock time (what a user sees, and what the target is judged on) and, on Linux, in the
/// calling thread's CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)), which other processes on a shared machine
/// do not inflate. The JIT compiles a method on the thread that first calls it, so compilation counts in both.
/// </remarks>
public static class FirstCalls
{
    /// <summary>The argument that makes the executable the measured child.</summary>
    public const string ChildArgument = "--first-calls-child";

    /// <summary>How many calls from the start of the process are averaged.</summary>
    public const int Calls = 1000;

    /// <summary>The target: the first calls' mean at most this many times the steady state.</summary>
    public const double TargetRatio = 1.5;

    /// <summary>Fresh processes measured; the target is judged on the median ratio.</summary>
    public const int Processes = 5;

    /// <summary>One child process's figures, in microseconds; the CPU-time ones are NaN where not measured.</summary>
    public sealed record Result(double FirstCall, double MeanOfFirstCalls, double MeanOfCalls901To1000, double Steady,
        double CpuFirstCall, double CpuMeanOfFirstCalls, double CpuSteady)
    {
        /// <summary>The mean of the first <see cref="Calls"/> calls over the steady state, wall-clock.</summary>
        public double Ratio => MeanOfFirstCalls / Steady;

        /// <summary>The same ratio in the thread's CPU time.</summary>
        public double CpuRatio => CpuMeanOfFirstCalls / CpuSteady;
    }

    /// <summary>
    /// Runs <see cref="Processes"/> child processes one after the other and prints each one's figures; returns them,
    /// or an empty list (having said why) when a child failed.
    /// </summary>
    public static IReadOnlyList<Result> Measure(TextWriter log)
    {
        log.WriteLine($"First calls in a fresh process ({Processes} processes; mean of the first {Calls:N0} Forward calls of the seed model, " +
                      "the first call's compilation included, against the same process's steady state; wall-clock, then the thread's CPU time):");
        var results = new List<Result>();
        for (int i = 0; i < Processes; i++)
        {
            if (RunChildProcess(log) is not { } r) return [];
            results.Add(r);
            log.WriteLine($"  process {i + 1}: first call {r.FirstCall / 1000,6:F1} ms, calls 1-{Calls} {r.MeanOfFirstCalls,6:F1} µs " +
                          $"(901-1000: {r.MeanOfCalls901To1000,5:F1}), steady {r.Steady,5:F1} µs -> {r.Ratio:F2}x;   " +
                          $"CPU: first call {r.CpuFirstCall / 1000,5:F1} ms, calls 1-{Calls} {r.CpuMeanOfFirstCalls,5:F1} µs, steady {r.CpuSteady,5:F1} µs -> {r.CpuRatio:F2}x");
        }
        return results;
    }

    /// <summary>The median of the processes' wall-clock ratios, the figure the target is judged on.</summary>
    public static double MedianRatio(IReadOnlyList<Result> results) => Median(results.Select(r => r.Ratio));

    /// <summary>The median of the processes' CPU-time ratios.</summary>
    public static double MedianCpuRatio(IReadOnlyList<Result> results) => Median(results.Select(r => r.CpuRatio));

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static Result? RunChildProcess(TextWriter log)
    {
        string executable = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark cannot find its own executable.");
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Started as `dotnet Cnn.Benchmarks.dll`: the host needs the assembly again.
        if (Path.GetFileNameWithoutExtension(executable) == "dotnet") start.ArgumentList.Add(Assembly.GetExecutingAssembly().Location);
        start.ArgumentList.Add(ChildArgument);
        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string line = output.Split('\n').FirstOrDefault(l => l.StartsWith("first-calls ", StringComparison.Ordinal)) ?? "";
        double[] values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN).ToArray();
        if (child.ExitCode != 0 || values.Length != 7 || values.Take(4).Any(double.IsNaN))
        {
            log.WriteLine($"  FAILED: the child process ({executable} {ChildArgument}) exited with {child.ExitCode} and printed: {output.Trim()} {error.Result.Trim()}");
            return null;
        }
        return new Result(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
    }

    /// <summary>
    /// The child: loads the model as a program would, times each of the first <see cref="Calls"/> calls of
    /// <c>Forward</c>, then keeps calling it for 2 seconds (time for the tiered JIT to finish) and takes the median of
    /// 15 blocks of 1,000 calls as the steady state. Prints one line:
    /// <c>first-calls FIRST MEAN MEAN901 STEADY CPUFIRST CPUMEAN CPUSTEADY</c> (µs).
    /// </summary>
    public static int RunChild(TextWriter output)
    {
        MnistCnn model = BenchData.LoadModel();
        float[] input = SafeTensorsFile.Open(BenchData.WeightsPath).ReadSingles("input").AsSpan(0, MnistCnn.InputSize).ToArray();
        var result = new float[MnistCnn.OutputSize];
        var stamps = new long[Calls + 1];
        var cpu = new double[Calls + 1];
        ThreadCpuMicroseconds(); // compiles the P/Invoke here, not in the first timed call

        cpu[0] = ThreadCpuMicroseconds();
        stamps[0] = Stopwatch.GetTimestamp();
        for (int i = 1; i <= Calls; i++)
        {
            model.Forward(input, result);
            stamps[i] = Stopwatch.GetTimestamp();
            cpu[i] = ThreadCpuMicroseconds();
        }
        double Microseconds(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 2) model.Forward(input, result);
        var blocks = new double[15];
        var cpuBlocks = new double[15];
        for (int b = 0; b < blocks.Length; b++)
        {
            long t = Stopwatch.GetTimestamp();
            double c = ThreadCpuMicroseconds();
            for (int i = 0; i < 1000; i++) model.Forward(input, result);
            blocks[b] = Microseconds(Stopwatch.GetTimestamp() - t) / 1000;
            cpuBlocks[b] = (ThreadCpuMicroseconds() - c) / 1000;
        }
        Array.Sort(blocks);
        Array.Sort(cpuBlocks);
        if (float.IsNaN(result[0])) return 1;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"first-calls {Microseconds(stamps[1] - stamps[0]):F3} {Microseconds(stamps[Calls] - stamps[0]) / Calls:F3} " +
            $"{Microseconds(stamps[Calls] - stamps[Calls - 100]) / 100:F3} {blocks[blocks.Length / 2]:F3} " +
            $"{cpu[1] - cpu[0]:F3} {(cpu[Calls] - cpu[0]) / Calls:F3} {cpuBlocks[cpuBlocks.Length / 2]:F3}"));
        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>The calling thread's CPU time in µs (Linux: CLOCK_THREAD_CPUTIME_ID = 3), NaN elsewhere.</summary>
    private static double ThreadCpuMicroseconds()
    {
        if (!OperatingSystem.IsLinux() || ClockGetTime(3, out TimeSpec t) != 0) return double.NaN;
        return t.Seconds * 1e6 + t.Nanoseconds / 1e3;
    }
}
