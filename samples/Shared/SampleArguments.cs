namespace Cnn.Samples;

/// <summary>
/// The samples' command line: positional arguments (epochs, weights file), <c>--plots DIR</c>, which writes the training
/// curves as PNG pictures into DIR, and the options with a value that a sample declares (FashionMnist's <c>--model</c>).
/// </summary>
/// <param name="Positional">The arguments that are not options, in order.</param>
/// <param name="PlotsDirectory">Where to write <c>loss.png</c> and <c>accuracy.png</c>, or null for no pictures.</param>
/// <param name="Options">The declared options given, by name (<c>--model</c>), with their values.</param>
public sealed record SampleArguments(IReadOnlyList<string> Positional, string? PlotsDirectory, IReadOnlyDictionary<string, string>? Options = null)
{
    /// <summary>Reads <paramref name="args"/>; <paramref name="valueOptions"/> are the options besides <c>--plots</c> that take a value.</summary>
    /// <exception cref="ArgumentException">An unknown option, or an option without its value.</exception>
    public static SampleArguments Parse(IReadOnlyList<string> args, params string[] valueOptions)
    {
        ArgumentNullException.ThrowIfNull(args);
        var positional = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
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
                string name = arg.Split('=', 2)[0];
                if (!valueOptions.Contains(name))
                    throw new ArgumentException($"Unknown option '{arg}'. The options are: {string.Join(", ", ["--plots DIR", .. valueOptions.Select(o => o + " VALUE")])}.");
                string? value = arg.Length > name.Length ? arg[(name.Length + 1)..]
                    : i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null;
                if (string.IsNullOrEmpty(value)) throw new ArgumentException($"{name} needs a value: {name} VALUE");
                options[name] = value;
            }
            else
            {
                positional.Add(arg);
            }
        }
        return new SampleArguments(positional, plots, options);
    }

    /// <summary>The positional argument at <paramref name="index"/> as a positive whole number, or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">The argument is not a whole number of at least 1.</exception>
    public int PositiveInt(int index, int fallback, string what) =>
        index >= Positional.Count ? fallback
        : int.TryParse(Positional[index], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value >= 1 ? value
        : throw new ArgumentException($"The {what} must be a whole number of at least 1, not '{Positional[index]}'.");

    /// <summary>The positional argument at <paramref name="index"/>, or <paramref name="fallback"/> when absent.</summary>
    public string String(int index, string fallback) => index < Positional.Count ? Positional[index] : fallback;

    /// <summary>The value of option <paramref name="name"/> (<c>--model</c>), or <paramref name="fallback"/> when it was not given.</summary>
    public string Option(string name, string fallback) => Options is not null && Options.TryGetValue(name, out string? value) ? value : fallback;

    /// <summary>The value of option <paramref name="name"/> as a positive whole number, or null when it was not given.</summary>
    /// <exception cref="ArgumentException">The value is not a whole number of at least 1.</exception>
    public int? PositiveIntOption(string name) =>
        Options is null || !Options.TryGetValue(name, out string? text) ? null
        : int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int value) && value >= 1 ? value
        : throw new ArgumentException($"{name} must be a whole number of at least 1, not '{text}'.");
}
