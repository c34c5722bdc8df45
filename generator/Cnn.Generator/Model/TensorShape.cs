namespace Cnn.Generator.Model;

/// <summary>
/// The shape of a tensor between layers, channels last as in SPEC §2: an image <c>[Height, Width, Channels]</c>
/// (rank 3), a sequence <c>[steps, Channels]</c> (rank 2, SPEC §7: the steps are <see cref="Height"/>, Width = 1,
/// so a sequence is laid out as an image one column wide), or a vector of <see cref="Channels"/> values (rank 1,
/// Height = Width = 1).
/// </summary>
/// <param name="Rank">3 for an image, 2 for a sequence, 1 for a vector.</param>
/// <param name="Height">Rows, or a sequence's steps (1 for a vector).</param>
/// <param name="Width">Columns (1 for a vector).</param>
/// <param name="Channels">Channels, or the length of a vector.</param>
internal readonly record struct TensorShape(int Rank, int Height, int Width, int Channels)
{
    /// <summary>An image shape.</summary>
    public static TensorShape Image(int height, int width, int channels) => new(3, height, width, channels);

    /// <summary>A sequence of <paramref name="steps"/> steps with <paramref name="channels"/> channels each.</summary>
    public static TensorShape Sequence(int steps, int channels) => new(2, steps, 1, channels);

    /// <summary>A vector shape.</summary>
    public static TensorShape Vector(int length) => new(1, 1, 1, length);

    /// <summary>Whether this is an image (rank 3).</summary>
    public bool IsImage => Rank == 3;

    /// <summary>Whether this is a sequence (rank 2).</summary>
    public bool IsSequence => Rank == 2;

    /// <summary>Whether this is a vector (rank 1).</summary>
    public bool IsVector => Rank == 1;

    /// <summary>The number of values.</summary>
    public int Size => Height * Width * Channels;

    /// <summary>
    /// Whether windows that cover <paramref name="rows"/> x <paramref name="columns"/> from (−<paramref name="padTop"/>,
    /// −<paramref name="padLeft"/>) stay inside this shape: no zeros are needed, and a kernel may walk the rows of the
    /// input itself (Valid windows with a stride may leave its last rows or columns unused).
    /// </summary>
    public bool Contains(int padTop, int padLeft, long rows, long columns) => padTop == 0 && padLeft == 0 && rows <= Height && columns <= Width;

    /// <summary>The dimensions: <c>[h, w, c]</c>, <c>[steps, c]</c> or <c>[n]</c>.</summary>
    public int[] Dims => Rank switch { 3 => new[] { Height, Width, Channels }, 2 => new[] { Height, Channels }, _ => new[] { Channels } };

    /// <summary>"26x26x32", "32x8" or "576", as messages and comments show shapes.</summary>
    public override string ToString() => string.Join("x", Dims);

    /// <summary>"(None, 26, 26, 32)": the Keras summary's Output Shape column.</summary>
    public string ToKerasString() => $"(None, {string.Join(", ", Dims)})";
}
