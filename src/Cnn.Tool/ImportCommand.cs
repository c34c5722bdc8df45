using Cnn.Onnx;

namespace Cnn.Tool;

/// <summary><c>dotnet cnn import model.onnx --class Name [--namespace N] [--out DIR] [--embed]</c>.</summary>
public static class ImportCommand
{
    /// <summary>Runs the command with the arguments after <c>import</c>.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        string? path = null, className = null, ns = null, outDirectory = null;
        bool embed = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--embed") { embed = true; continue; }
            if (arg is "--class" or "--namespace" or "--out")
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    return Program.Fail(error, $"{arg} needs a value");
                string value = args[++i];
                switch (arg)
                {
                    case "--class": className = value; break;
                    case "--namespace": ns = value; break;
                    default: outDirectory = value; break;
                }
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal)) return Program.Fail(error, $"unknown option '{arg}'");
            if (path is not null) return Program.Fail(error, $"one ONNX file, not '{path}' and '{arg}'");
            path = arg;
        }
        if (path is null) return Program.Fail(error, "import needs an ONNX file");
        if (className is null) return Program.Fail(error, "import needs --class Name");

        ImportResult result;
        try
        {
            result = OnnxImporter.Import(path, new ImportOptions(className, ns, embed));
        }
        catch (ArgumentException e)
        {
            return Program.Fail(error, e.Message);
        }
        catch (CnnDataException e)
        {
            error.WriteLine($"dotnet-cnn: {e.Message}");
            return Program.UsageError;
        }
        if (!result.Succeeded)
        {
            error.WriteLine($"dotnet-cnn: {Path.GetFileName(path)} cannot be imported; {result.Problems.Count} problem(s), nothing written:");
            foreach (ImportProblem problem in result.Problems)
                error.WriteLine($"  {(problem.NodeName.Length == 0 ? "(unnamed)" : problem.NodeName)} ({problem.OpType}): {problem.Why}");
            return Program.Problems;
        }
        string directory = outDirectory ?? ".";
        try
        {
            OnnxImporter.Write(result, directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"dotnet-cnn: cannot write into '{directory}': {e.Message}");
            return Program.UsageError;
        }
        foreach (string note in result.Notes) output.WriteLine($"note: {note}");
        output.WriteLine($"wrote {Path.Combine(directory, className + ".cs")} and {Path.Combine(directory, className + ".safetensors")}");
        return Program.Success;
    }
}
