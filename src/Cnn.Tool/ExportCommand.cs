using Cnn.Onnx;

namespace Cnn.Tool;

/// <summary><c>dotnet cnn export Assembly.dll --class Name [--weights W.safetensors] --out model.onnx</c>.</summary>
public static class ExportCommand
{
    /// <summary>Runs the command with the arguments after <c>export</c>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? assembly = null, className = null, weights = null, outPath = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "--class" or "--weights" or "--out")
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    return Program.Fail(error, $"{arg} needs a value");
                string value = args[++i];
                switch (arg)
                {
                    case "--class": className = value; break;
                    case "--weights": weights = value; break;
                    default: outPath = value; break;
                }
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal)) return Program.Fail(error, $"unknown option '{arg}'");
            if (assembly is not null) return Program.Fail(error, $"one assembly, not '{assembly}' and '{arg}'");
            assembly = arg;
        }
        if (assembly is null) return Program.Fail(error, "export needs the built assembly (bin/Release/net10.0/MyApp.dll)");
        if (className is null) return Program.Fail(error, "export needs --class Name");
        if (outPath is null) return Program.Fail(error, "export needs --out model.onnx");

        // OnnxExportCommand prints one line "error: ..." for a missing file, an unknown class, weights that do not fit
        // or an unwritable output, and never throws for them.
        var message = new StringWriter();
        int code = OnnxExportCommand.Run(assembly, className, weights, outPath, output, message);
        if (code == OnnxExportCommand.Success) return Program.Success;
        foreach (string line in message.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            error.WriteLine($"dotnet-cnn: {(line.StartsWith("error: ", StringComparison.Ordinal) ? line["error: ".Length..] : line)}");
        return Program.UsageError;
    }
}
