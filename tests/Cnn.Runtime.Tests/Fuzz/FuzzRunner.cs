using System.Text;

namespace Cnn.Runtime.Tests.Fuzz;

/// <summary>
/// Feeds mutated files to a reader and checks the contract of issue #7: the only exception is
/// <see cref="CnnDataException"/>, its message names the source and the problem, nothing hangs, and no
/// allocation is out of proportion to the bytes really given (a lying length field must not allocate gigabytes).
/// </summary>
internal static class FuzzRunner
{
    /// <summary>Generous: parsing may copy and index the input a few times, but never trusts a length field.</summary>
    private const long AllocationAllowance = 8 << 20;

    public static int Run(string name, int cases, int seed, Format format, IReadOnlyList<byte[]> seeds, Action<byte[], string> read, long bytesPerInputByte = 64)
    {
        var mutator = new Mutator(seed);
        var failures = new List<string>();
        int current = -1, rejected = 0;
        var task = Task.Run(() =>
        {
            for (int i = 0; i < cases && failures.Count < 5; i++)
            {
                current = i;
                byte[] original = seeds[mutator.Random.Next(seeds.Count)];
                byte[] bytes = mutator.Mutate(original, format, seeds);
                string source = $"{name}-{i}.bin";
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    read(bytes, source);
                }
                catch (CnnDataException e)
                {
                    rejected++;
                    if (e.DataSource != source || !e.Message.StartsWith(source + ": ", StringComparison.Ordinal)
                        || string.IsNullOrWhiteSpace(e.Problem) || e.Message.Length > 2000)
                        failures.Add(Describe(i, mutator, bytes, $"a CnnDataException without the source and a short problem: {e.Message[..Math.Min(300, e.Message.Length)]}"));
                }
                catch (Exception e)
                {
                    failures.Add(Describe(i, mutator, bytes, $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}"));
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > AllocationAllowance + bytesPerInputByte * bytes.Length)
                    failures.Add(Describe(i, mutator, bytes, $"allocated {allocated} bytes for a {bytes.Length}-byte input"));
            }
        });
        if (!task.Wait(TimeSpan.FromMinutes(3)))
            Assert.Fail($"{name}: case {current} did not finish (hang?): {string.Join("; ", mutator.Log)}");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        return rejected;
    }

    private static string Describe(int i, Mutator mutator, byte[] bytes, string problem)
    {
        string head = Encoding.UTF8.GetString(bytes.AsSpan(0, Math.Min(bytes.Length, 160)));
        return $"case {i} ({string.Join("; ", mutator.Log)}), {bytes.Length} bytes starting {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 16)))} '{head}': {problem}";
    }
}
