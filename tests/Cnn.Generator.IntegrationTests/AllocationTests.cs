using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// SPEC §3: no heap allocation per sample. Every per-sample member of a generated model, and
/// <see cref="Inference.ForwardBatch{TModel}(TModel, ReadOnlyMemory{float}, Memory{float}, int)"/>, allocates 0 bytes
/// per warm call, counted by the GC: on the calling thread for the single-threaded calls, in the whole process for
/// the multi-threaded batch (so this class runs alone, beside no other test class). Models: the SPEC §1 network
/// (<see cref="KerasMnist"/>), a Dense-only one (<see cref="IrisMlp"/>), two with Same padding
/// (<see cref="StridedSame"/>, <see cref="DigitsNet"/>, which also has Dropout), and one whose convolutions are
/// Winograd's, over its stack budget (<see cref="FusedWinograd"/>: per-thread scratch).
/// </summary>
[Collection(AllocationCollection.Name)]
public class AllocationTests
{
    /// <summary>Calls measured after the warm-up, three times: 8 bytes allocated in each of the three rounds fail the test.</summary>
    private const int Calls = 200;

    public static TheoryData<string> Models => new() { nameof(KerasMnist), nameof(IrisMlp), nameof(StridedSame), nameof(DigitsNet), nameof(FusedWinograd) };

    private static ICnnModel Create(string name)
    {
        ICnnModel model = name switch
        {
            nameof(KerasMnist) => new KerasMnist(),
            nameof(IrisMlp) => new IrisMlp(),
            nameof(StridedSame) => new StridedSame(),
            nameof(DigitsNet) => new DigitsNet(),
            nameof(FusedWinograd) => new FusedWinograd(),
            _ => throw new ArgumentException(name),
        };
        model.InitializeParameters(3);
        return model;
    }

    private static float[] Input(ICnnModel model, int samples = 1)
    {
        var input = new float[model.InputSize * samples];
        for (int i = 0; i < input.Length; i++) input[i] = (i * 7 % 11) / 10f;
        return input;
    }

    /// <summary>
    /// Bytes the calling thread allocates over <see cref="Calls"/> calls of <paramref name="call"/>, after three to warm it
    /// up: the least of three such counts. An allocation in the call shows in all three; a one-time allocation of the
    /// runtime's on this thread (once seen in CI: 880 bytes in one of 200 calls of a model's Forward, under load, never
    /// again in isolation) shows in one.
    /// </summary>
    private static long ThreadBytes(Action call)
    {
        for (int i = 0; i < 3; i++) call();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++) call();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryPerSampleMember_AllocatesNothing(string name)
    {
        ICnnModel model = Create(name);
        float[] input = Input(model);
        var output = new float[model.OutputSize];
        var targets = new float[model.OutputSize];
        targets[0] = 1;
        var gradients = new float[model.ParameterCount];
        var inputGradient = new float[model.InputSize];
        int last = model.Layers.Count - 1;
        var layerOutput = new float[model.Layers[last].OutputShape.Aggregate(1, (a, d) => a * d)];
        int target = model.OutputSize - 1;
        bool sparse = model.Loss == Loss.SparseCategoricalCrossEntropy;

        // The delegates are made once, before the count starts; calling one allocates nothing.
        var calls = new (string What, Action Call)[]
        {
            ("Forward", () => model.Forward(input, output)),
            ("Predict", () => model.Predict(input)),
            ("AccumulateGradients", sparse
                ? () => model.AccumulateGradients(input, target, gradients)
                : () => model.AccumulateGradients(input, targets, gradients)),
            ("AccumulateGradients with dropout", sparse
                ? () => model.AccumulateGradients(input, target, gradients, 7UL)
                : () => model.AccumulateGradients(input, targets, gradients, 7UL)),
            ("InputGradient", () => model.InputGradient(input, target, inputGradient)),
            ("LayerOutput", () => model.LayerOutput(input, last, layerOutput)),
            ("ChannelGradient", () => model.ChannelGradient(input, 0, 0, inputGradient)),
        };
        var allocated = calls.Select(c => (c.What, Bytes: ThreadBytes(c.Call))).ToList();
        Assert.True(allocated.All(a => a.Bytes == 0),
            $"{name} allocated over {Calls} warm calls: " + string.Join(", ", allocated.Select(a => $"{a.What} {a.Bytes} bytes")));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardBatch_OnOneThread_AllocatesNothing(string name)
    {
        ICnnModel model = Create(name);
        float[] inputs = Input(model, 16);
        var outputs = new float[16 * model.OutputSize];
        long memoryOverload = ThreadBytes(() => Inference.ForwardBatch(model, inputs, outputs, threads: 1));
        long spanOverload = ThreadBytes(() => Inference.ForwardBatch(model, inputs.AsSpan(), outputs.AsSpan()));
        Assert.True(memoryOverload == 0 && spanOverload == 0,
            $"{name}: ForwardBatch on one thread allocated {memoryOverload} bytes (Memory overload) and {spanOverload} bytes (Span overload) over {Calls} warm calls of 16 images");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardBatch_OnTwoThreads_AllocatesNothing(string name)
    {
        // Process-wide, so the helper thread's allocations count too. So do other threads': the test host allocates a
        // few hundred bytes now and then (about 8 KB a second when idle), which can only add. One warm call measured
        // alone takes a few milliseconds, so most calls see none of it: the fewest bytes over many calls is what
        // ForwardBatch itself allocates, and it must be 0 (nothing per image, nothing per call).
        const int Images = 16, Tries = 50;
        ICnnModel model = Create(name);
        float[] inputs = Input(model, Images);
        var outputs = new float[Images * model.OutputSize];
        for (int i = 0; i < 5; i++) Inference.ForwardBatch(model, inputs, outputs, threads: 2);
        var bytes = new long[Tries];
        for (int i = 0; i < Tries; i++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            Inference.ForwardBatch(model, inputs, outputs, threads: 2);
            bytes[i] = GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        Assert.True(bytes.Min() == 0,
            $"{name}: every one of {Tries} warm calls of ForwardBatch on 2 threads ({Images} images) allocated: {string.Join(" ", bytes)} bytes");
    }
}

/// <summary>The allocation tests count the whole process's bytes: they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Allocation";
}
