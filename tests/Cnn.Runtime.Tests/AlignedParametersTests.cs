using System.Runtime;
using System.Runtime.CompilerServices;

namespace Cnn.Runtime.Tests;

public sealed class AlignedParametersTests
{
    private static nuint Address(Span<float> values) => (nuint)Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref values.GetPinnableReference());

    [Theory]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(1_000)]
    [InlineData(3_000_001)]
    public void Values_StartOnA64ByteBoundary_AreZeroed_AndKeepWhatIsWritten_AcrossACompactingCollection(int count)
    {
        // Several in a row, so that they do not all happen to land on the boundary.
        var storages = Enumerable.Range(0, 8).Select(_ => new AlignedParameters(count)).ToArray();
        foreach (AlignedParameters storage in storages)
        {
            Assert.Equal(count, storage.Count);
            Assert.Equal(count, storage.Values.Length);
            Assert.Equal(0u, Address(storage.Values) % AlignedParameters.Alignment);
            Assert.True(storage.Values.IndexOfAnyExcept(0f) < 0);
            for (int i = 0; i < count; i++) storage.Values[i] = i + 0.5f;
        }

        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        foreach (AlignedParameters storage in storages)
        {
            Assert.Equal(0u, Address(storage.Values) % AlignedParameters.Alignment);
            for (int i = 0; i < count; i += Math.Max(1, count / 97)) Assert.Equal(i + 0.5f, storage.Values[i]);
            Assert.Equal(count - 0.5f, storage.Values[^1]);
        }
    }

    [Fact]
    public void NoParameters_IsAnEmptySpan()
    {
        Assert.True(new AlignedParameters(0).Values.IsEmpty);
    }

    [Fact]
    public void NegativeCount_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedParameters(-1));
    }
}
