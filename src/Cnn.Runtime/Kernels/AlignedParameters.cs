using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cnn;

/// <summary>
/// The storage behind a generated model's <c>Parameters</c>: <see cref="Count"/> floats, zeroed, that start on a
/// 64-byte boundary and never move. The kernels read a filter's weights as whole vectors of up to 64 bytes; in a plain
/// array the first value lies 16 or 24 bytes into a cache line, so every such load would straddle two lines (resnet18's
/// forward pass is 2-3 % faster aligned). SPEC §2's layout is unchanged: the tensors lie back to back from the first
/// value, as before.
/// </summary>
public sealed class AlignedParameters
{
    /// <summary>The alignment of the first value, in bytes: a cache line, and the widest vector the kernels load.</summary>
    public const int Alignment = 64;

    // Pinned (the pinned object heap never moves an array), with room to start the values on the boundary.
    private readonly float[] _array;
    private readonly int _start;

    /// <summary>Allocates <paramref name="count"/> zeroed parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public AlignedParameters(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        const int slack = Alignment / sizeof(float) - 1;
        _array = GC.AllocateArray<float>(checked(count + slack), pinned: true);
        Count = count;
        _start = StartOnBoundary(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    /// <summary>How many parameters.</summary>
    public int Count { get; }

    /// <summary>The parameters, writable; the first starts on an <see cref="Alignment"/>-byte boundary.</summary>
    public Span<float> Values
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => MemoryMarshal.CreateSpan(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_array), _start), Count);
    }

    /// <summary>How many floats from <paramref name="first"/> to the next <see cref="Alignment"/>-byte boundary.</summary>
    private static unsafe int StartOnBoundary(ref float first)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref first);
        return (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float);
    }
}
