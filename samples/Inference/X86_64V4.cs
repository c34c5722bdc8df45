using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Inference;

/// <summary>
/// One artefact for AVX2 and AVX-512 machines. NativeAOT compiles for one instruction set and cannot put AVX-512
/// behind a run-time check (dotnet/runtime#68110), so the publish makes two executables of this same program:
/// <c>Inference</c> for x86-64-v3 (AVX2, runs anywhere since 2013-2015) and <c>Inference-x86-64-v4</c> (AVX-512)
/// beside it. The first thing the x86-64-v3 one does, on a CPU and OS with AVX-512, is to replace itself with the
/// other (<c>execv</c>: same process, arguments, output and exit code), whose kernels are twice as wide.
/// </summary>
internal static unsafe partial class X86_64V4
{
    /// <summary>The name of the AVX-512 executable: this one's, with this suffix.</summary>
    public const string Suffix = "-x86-64-v4";

    /// <summary>
    /// Hands the process over to the x86-64-v4 executable when that is faster and possible; returns when it is not
    /// (or the hand-over failed), and the program goes on here. <c>CNN_VECTOR_WIDTH</c> set to 256 or 128 keeps
    /// it here, on the AVX2 path.
    /// </summary>
    public static void HandOverIfFaster(string[] args)
    {
        if (Vector512.IsHardwareAccelerated) return; // this build already runs the 512-bit kernels (or the JIT does)
        if (!OperatingSystem.IsLinux() || !X86Base.IsSupported) return;
        if (Environment.GetEnvironmentVariable("CNN_VECTOR_WIDTH") is { Length: > 0 } width && width != "512") return;
        if (!CpuAndOsHaveAvx512()) return;
        string? self = Environment.ProcessPath;
        if (self is null || !File.Exists(self + Suffix)) return;
        Exec(self + Suffix, args);
    }

    /// <summary>
    /// AVX-512 F, CD, BW, DQ and VL (x86-64-v4) in CPUID, and the kernel saving the 512-bit state: Linux lists the
    /// avx512f flag only when it does (the NativeAOT runtime of the other executable would otherwise refuse to start).
    /// </summary>
    private static bool CpuAndOsHaveAvx512()
    {
        const int needed = 1 << 16 | 1 << 17 | 1 << 28 | 1 << 30 | 1 << 31; // F, DQ, CD, BW, VL in CPUID.7.0:EBX
        (_, int ebx, _, _) = X86Base.CpuId(7, 0);
        if ((ebx & needed) != needed) return false;
        try
        {
            // The first processor's flags line is enough: the kernel enables the same state on every core.
            using var reader = new StreamReader("/proc/cpuinfo");
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Contains(" avx512f", StringComparison.Ordinal);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return false;
    }

    /// <summary>Replaces this process with <paramref name="path"/> run on <paramref name="args"/>; returns only if that failed.</summary>
    private static void Exec(string path, string[] args)
    {
        var argv = new nint[args.Length + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(path);
        for (int i = 0; i < args.Length; i++) argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        fixed (nint* pointers = argv)
            ExecV((byte*)argv[0], (byte**)pointers);
        // Still here: execv failed (the file is not executable, say). Free the strings and carry on with AVX2.
        foreach (nint pointer in argv) Marshal.FreeCoTaskMem(pointer);
    }

    [LibraryImport("libc", EntryPoint = "execv")]
    private static partial int ExecV(byte* path, byte** argv);
}
