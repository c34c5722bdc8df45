namespace Cnn.Samples;

/// <summary>
/// The samples' command line: positional arguments (epochs, weights file) and <c>--plots DIR</c>, which writes
/// the training curves as PNG pictures into DIR.
/// </summary>
/// <param name="Positional">The arguments that are not options, in order.</param>
/// <param name="PlotsDirectory">Where to write <c>loss.png</c> and <c>accuracy.png</c>, or null for no pictures.</param>
public sealed record SampleArguments(IReadOnlyList<string> Positional, string? PlotsDirectory)
{
    /// <summary>Reads <paramref name="args"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option, or <c>--plots</c> without a directory.</exception>
    public static SampleArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var positional = new List<string>();
        string? plots = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg == "--plots")
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new ArgumentException("--plots needs a directory: --plots out/");
                plots = args[++i];
            }
            else if (arg.StartsWith("--plots=", StringComparison.Ordinal))
            {
                plots = arg["--plots=".Length..];
                if (plots.Length == 0) throw new ArgumentException("--plots needs a directory: --plots=out/");
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unknown option '{arg}'. The only option is --plots DIR.");
            }
            else
            {
                positional.Add(arg);
            }
        }
        return new SampleArguments(positional, plots);
    }

    /// <summary>The positional argument at <paramref name="index"/> as a positive whole number, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">The argument is not a whole number of at least 1.</exception>
    public int PositiveInt(int index, int fallback, string what) =>
        index >= Positional.Count ? fallback
        : int.TryParse(Positional[index], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value >= 1 ? value
        : throw new ArgumentException($"The {what} must be a whole number of at least 1, not '{Positional[index]}'.");

    /// <summary>The positional argument at <paramref name="index"/>, or <paramref name="fallback"/> when absent.</summary>
    public string String(int index, string fallback) => index < Positional.Count ? Positional[index] : fallback;
}
