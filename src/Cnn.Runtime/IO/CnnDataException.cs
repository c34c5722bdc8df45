namespace Cnn;

/// <summary>
/// A weight file or data file is malformed or does not fit the model: truncated, a bad header, a wrong
/// shape, a value out of range. The message names the file (or <c>&lt;stream&gt;</c>) and the problem.
/// </summary>
public sealed class CnnDataException : IOException
{
    /// <summary>Creates the exception for <paramref name="source"/> with <paramref name="problem"/>.</summary>
    public CnnDataException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        DataSource = source;
        Problem = problem;
    }

    /// <summary>The file name, or <c>&lt;stream&gt;</c>.</summary>
    public string DataSource { get; }

    /// <summary>What is wrong, without the file name.</summary>
    public string Problem { get; }
}
