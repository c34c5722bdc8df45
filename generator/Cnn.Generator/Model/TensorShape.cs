namespace Cnn.Generator.Model;

/// <summary>
/// The shape of a tensor between layers, channels last as in SPEC §2: an image <c>[Height, Width, Channels]</c>
/// (rank 3) or a vector of <see cref="Channels"/> values (rank 1, Height = Width = 1).
/// </summary>
/// <param name="Rank">3 for an image, 1 for a vector.</param>
/// <param name="Height">Rows (1 for a vector).</param>
/// <param name="Width">Columns (1 for a vector).</param>
/// <param name="Channels">Channels, or the length of a vector.</param>
internal readonly record struct TensorShape(int Rank, int Height, int Width, int Channels)
{
    /// <summary>An image shape.</summary>
    public static TensorShape Image(int height, int width, int channels) => new(3, height, width, channels);

    /// <summary>A vector shape.</summary>
    public static TensorShape Vector(int length) => new(1, 1, 1, length);

    /// <summary>Whether this is an image (rank 3).</summary>
    public bool IsImage => Rank == 3;

    /// <summary>The number of values.</summary>
    public int Size => Height * Width * Channels;

    /// <summary>The dimensions: <c>[h, w, c]</c> or <c>[n]</c>.</summary>
    public int[] Dims => IsImage ? new[] { Height, Width, Channels } : new[] { Channels };

    /// <summary>"26x26x32" or "576", as messages and comments show shapes.</summary>
    public override string ToString() => IsImage ? $"{Height}x{Width}x{Channels}" : Channels.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"(None, 26, 26, 32)": the Keras summary's Output Shape column.</summary>
    public string ToKerasString() => IsImage ? $"(None, {Height}, {Width}, {Channels})" : $"(None, {Channels})";
}
