namespace Cnn;

/// <summary>
/// A small, fast, seedable random source (SplitMix64, Steele et al. 2014) whose sequence is fixed for a
/// seed on every platform and .NET version: weights initialised with a seed are the same everywhere.
/// </summary>
public struct RandomSource
{
    private ulong _state;

    /// <summary>Starts the sequence for <paramref name="seed"/>.</summary>
    public RandomSource(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform float in [0, 1) (24 random bits).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>A uniform double in [0, 1) (53 random bits).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias (Lemire 2019).</summary>
    public int NextInt32(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        ulong m = (ulong)(uint)NextUInt64() * (uint)maxExclusive;
        uint low = (uint)m;
        if (low < (uint)maxExclusive)
        {
            uint threshold = (uint)-maxExclusive % (uint)maxExclusive;
            while (low < threshold)
            {
                m = (ulong)(uint)NextUInt64() * (uint)maxExclusive;
                low = (uint)m;
            }
        }
        return (int)(m >> 32);
    }

    /// <summary>Mixes several values into one seed, e.g. (training seed, epoch, sample) for a dropout mask.</summary>
    public static ulong Mix(ulong a, ulong b, ulong c = 0)
    {
        var r = new RandomSource(a ^ (b * 0xD1B54A32D192ED03UL) ^ (c * 0x8CB92BA72F3D8DD7UL));
        return r.NextUInt64();
    }
}
