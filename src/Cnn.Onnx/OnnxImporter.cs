using Cnn.Onnx.Import;

namespace Cnn.Onnx;

/// <summary>How to write an imported model.</summary>
/// <param name="ClassName">The C# class name of the model (also the base of <c>Name.cs</c> and <c>Name.safetensors</c>).</param>
/// <param name="Namespace">The namespace of the class; null: the global namespace.</param>
/// <param name="Embed">Whether the class gets <c>[EmbeddedWeights("Name.safetensors")]</c>, compiling the weights into the assembly.</param>
public sealed record ImportOptions(string ClassName, string? Namespace = null, bool Embed = false);

/// <summary>One thing in an ONNX graph that the layers cannot express.</summary>
/// <param name="NodeName">The node's name (or the graph input's or output's name; <c>""</c> for the model as a whole).</param>
/// <param name="OpType">The node's operator (<c>Conv</c>, <c>Gather</c>, ...), or <c>input</c>/<c>output</c>/<c>model</c>.</param>
/// <param name="Why">What cannot be expressed, and why.</param>
public sealed record ImportProblem(string NodeName, string OpType, string Why)
{
    /// <inheritdoc/>
    public override string ToString() => $"{(NodeName.Length == 0 ? "(unnamed)" : NodeName)} ({OpType}): {Why}";
}

/// <summary>What <see cref="OnnxImporter.Import(string, ImportOptions)"/> produced: the model's source and weights, or every problem.</summary>
public sealed class ImportResult
{
    internal ImportResult(string className, IReadOnlyList<ImportProblem> problems, IReadOnlyList<string> notes, string source, byte[] weights,
        int[] onnxInputShape, int[] onnxOutputShape, int[] inputAxes, int[] outputAxes)
    {
        ClassName = className;
        Problems = problems;
        Notes = notes;
        Succeeded = problems.Count == 0;
        Source = Succeeded ? source : "";
        Weights = Succeeded ? weights : [];
        OnnxInputShape = onnxInputShape;
        OnnxOutputShape = onnxOutputShape;
        InputAxes = inputAxes;
        OutputAxes = outputAxes;
    }

    /// <summary>Whether the graph imported: false when <see cref="Problems"/> is not empty.</summary>
    public bool Succeeded { get; }

    /// <summary>Everything the layers cannot express, each with node name, operator and reason (empty on success).</summary>
    public IReadOnlyList<ImportProblem> Problems { get; }

    /// <summary>What the import changed on the way, e.g. <c>initializer W converted from float64</c>.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The text of <c>Name.cs</c> (<c>""</c> when not <see cref="Succeeded"/>).</summary>
    public string Source { get; }

    /// <summary>The bytes of <c>Name.safetensors</c> (empty when not <see cref="Succeeded"/>).</summary>
    public byte[] Weights { get; }

    /// <summary>The class name.</summary>
    public string ClassName { get; }

    /// <summary>The graph input's shape as in the file, batch included (e.g. <c>[1, 3, 32, 32]</c>); a dynamic batch reads as 1.</summary>
    public int[] OnnxInputShape { get; }

    /// <summary>The graph output's shape as in the file (worked out through the graph), batch included.</summary>
    public int[] OnnxOutputShape { get; }

    /// <summary>
    /// For each axis of the model's channels_last input (batch dropped), the ONNX axis it comes from: NCHW → <c>[2, 3, 1]</c>,
    /// NCL → <c>[2, 1]</c>, NC → <c>[1]</c>.
    /// </summary>
    public int[] InputAxes { get; }

    /// <summary>As <see cref="InputAxes"/>, for the output. A vector made from <c>[N, C, 1, 1]</c> is <c>[1]</c>.</summary>
    public int[] OutputAxes { get; }
}

/// <summary>
/// Imports an ONNX graph (NCHW) as a Cnn.Generator model (channels_last): the attributes of <c>Name.cs</c> and the
/// weights of <c>Name.safetensors</c> (SPEC §8).
/// </summary>
public static class OnnxImporter
{
    /// <summary>Imports the ONNX file at <paramref name="onnxPath"/>.</summary>
    /// <exception cref="CnnDataException">The file cannot be read or is not a valid ONNX model.</exception>
    public static ImportResult Import(string onnxPath, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(onnxPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new CnnDataException(onnxPath, $"cannot read the file: {e.Message}", e);
        }
        return Import(bytes, Path.GetFileName(onnxPath), options);
    }

    /// <summary>Imports an ONNX model from its bytes; <paramref name="fileName"/> names it in messages and in the generated file.</summary>
    /// <exception cref="CnnDataException">The bytes are not a valid ONNX model.</exception>
    /// <exception cref="ArgumentException">The class name or namespace is not a C# identifier.</exception>
    public static ImportResult Import(byte[] onnxBytes, string fileName, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(onnxBytes);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(options);
        if (!CSharpNames.IsIdentifier(options.ClassName))
            throw new ArgumentException($"The class name '{options.ClassName}' is not a C# identifier.", nameof(options));
        if (options.Namespace is { } ns && !ns.Split('.').All(CSharpNames.IsIdentifier))
            throw new ArgumentException($"The namespace '{ns}' is not a dotted C# name.", nameof(options));
        var model = OnnxModelReader.Read(onnxBytes, fileName);
        return new GraphImporter(model, fileName, options).Run();
    }

    /// <summary>
    /// The ONNX model <paramref name="onnxBytes"/> with graph inputs turned into initializers: each entry of
    /// <paramref name="tensors"/> maps an input's name to the bytes of a serialized <c>TensorProto</c> (a <c>.pb</c> file of
    /// the ONNX backend tests, where weights are inputs). A model has one input; weights must be constants to import.
    /// </summary>
    /// <exception cref="CnnDataException">The model or a tensor cannot be read, or names no such input.</exception>
    public static byte[] BindInputs(byte[] onnxBytes, string fileName, IReadOnlyDictionary<string, byte[]> tensors)
    {
        ArgumentNullException.ThrowIfNull(onnxBytes);
        ArgumentNullException.ThrowIfNull(tensors);
        Proto.ModelProto model = OnnxModelReader.Read(onnxBytes, fileName);
        foreach ((string name, byte[] bytes) in tensors)
        {
            if (!model.Graph.Input.Any(i => i.Name == name)) throw new CnnDataException(fileName, $"the graph has no input '{name}' to bind");
            Proto.TensorProto tensor;
            try
            {
                tensor = Proto.TensorProto.Parser.ParseFrom(bytes);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                throw new CnnDataException(fileName, $"the tensor for input '{name}' is not a TensorProto ({e.Message})", e);
            }
            tensor.Name = name;
            model.Graph.Initializer.Add(tensor);
        }
        return Google.Protobuf.MessageExtensions.ToByteArray(model);
    }

    /// <summary>
    /// Writes <c>Name.cs</c> and <c>Name.safetensors</c> of a successful import into <paramref name="outDirectory"/>
    /// (created if missing), each through a temporary file and a rename.
    /// </summary>
    /// <exception cref="InvalidOperationException">The import did not succeed: nothing is written.</exception>
    public static void Write(ImportResult result, string outDirectory)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(outDirectory);
        if (!result.Succeeded)
            throw new InvalidOperationException($"The import of {result.ClassName} has {result.Problems.Count} problem(s); nothing is written.");
        Directory.CreateDirectory(outDirectory);
        SafeTensorsWriter.WriteAtomically(Path.Combine(outDirectory, result.ClassName + ".safetensors"), result.Weights);
        SafeTensorsWriter.WriteAtomically(Path.Combine(outDirectory, result.ClassName + ".cs"), System.Text.Encoding.UTF8.GetBytes(result.Source));
    }
}
