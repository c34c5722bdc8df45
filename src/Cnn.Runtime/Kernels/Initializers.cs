namespace Cnn;

/// <summary>Parameter initialisers with Keras's defaults.</summary>
public static class Initializers
{
    /// <summary>
    /// Glorot (Xavier) uniform: U(-limit, limit) with limit = √(6 / (fanIn + fanOut))
    /// (Glorot and Bengio, 2010; Keras's default kernel initialiser).
    /// </summary>
    public static void GlorotUniform(Span<float> kernel, int fanIn, int fanOut, ref RandomSource random)
    {
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        for (int i = 0; i < kernel.Length; i++)
            kernel[i] = (random.NextSingle() * 2f - 1f) * limit;
    }
}
