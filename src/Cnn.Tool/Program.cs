namespace Cnn.Tool;

/// <summary>
/// <c>dotnet cnn &lt;command&gt; ...</c> (<c>import</c>, <c>export</c>): dispatches to one class per command. Exit codes: 0 success, 1 usage error or
/// unreadable input, 2 the input cannot be expressed (each problem printed), nothing written.
/// </summary>
public static class Program
{
    /// <summary>Success.</summary>
    public const int Success = 0;
    /// <summary>A usage error or an unreadable file.</summary>
    public const int UsageError = 1;
    /// <summary>The model has problems (each printed); nothing was written.</summary>
    public const int Problems = 2;

    /// <summary>The entry point.</summary>
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0) return Fail(error, "a command is needed");
        if (args[0] is "-h" or "--help" or "help")
        {
            output.Write(Usage);
            return Success;
        }
        return args[0] switch
        {
            "import" => ImportCommand.Run(args[1..], output, error),
            "export" => ExportCommand.Run(args[1..], output, error),
            _ => Fail(error, $"unknown command '{args[0]}'"),
        };
    }

    /// <summary>Writes <paramref name="message"/> and the usage to <paramref name="error"/>; returns <see cref="UsageError"/>.</summary>
    public static int Fail(TextWriter error, string message)
    {
        error.WriteLine($"dotnet-cnn: {message}");
        error.Write(Usage);
        return UsageError;
    }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Usage:
          dotnet cnn import model.onnx --class Name [--namespace N] [--out DIR] [--embed]
              Writes Name.cs (the model's attributes) and Name.safetensors (its weights) into DIR (default: .).
              --embed adds [EmbeddedWeights("Name.safetensors")], compiling the weights into the assembly.
          dotnet cnn export Assembly.dll --class Name [--weights W.safetensors] --out model.onnx
              Writes the model class Name of the built assembly as ONNX (opset 13), with the weights of W.safetensors,
              or without --weights the ones compiled in with [EmbeddedWeights].
        Exit codes: 0 written, 1 usage error or unreadable file (or, for export, a class or weights that do not fit),
        2 the model cannot be expressed (nothing written).

        """;
}
