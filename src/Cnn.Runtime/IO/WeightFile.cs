namespace Cnn;

/// <summary>
/// Saves and loads a model's parameters as safetensors (SPEC §5): tensors <c>&lt;layer&gt;.kernel</c> and
/// <c>&lt;layer&gt;.bias</c> in the layouts of SPEC §2, float32.
/// </summary>
public static class WeightFile
{
    /// <summary>
    /// Saves the parameters of <paramref name="model"/> to <paramref name="path"/> atomically: a crash at any moment
    /// leaves either the previous file or the new one, whole (see <see cref="SafeTensorsWriter.WriteAtomically"/>).
    /// </summary>
    public static void Save(ICnnModel model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        SafeTensorsWriter.WriteAtomically(path, ToBytes(model, metadata));
    }

    /// <summary>The safetensors bytes of the parameters of <paramref name="model"/>.</summary>
    public static byte[] ToBytes(ICnnModel model, IReadOnlyDictionary<string, string>? metadata = null)
    {
        float[] parameters = model.Parameters.ToArray();
        return SafeTensorsWriter.ToBytes(
            model.ParameterTensors.Select(t => (t.Name, t.Shape, parameters.AsSpan(t.Offset, t.Length).ToArray())),
            metadata);
    }

    /// <summary>
    /// Loads <paramref name="path"/> into <paramref name="model"/>. Every tensor is checked (present, no
    /// extras, right shape, finite values) before any parameter changes: a bad file leaves the model as it was.
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="CnnDataException">The file is malformed or does not fit the model.</exception>
    public static void Load(ICnnModel model, string path) => Load(model, SafeTensorsFile.Open(path));

    /// <summary>Loads a weight file from a stream; see <see cref="Load(ICnnModel, string)"/>.</summary>
    public static void Load(ICnnModel model, Stream stream, string source = "<stream>") => Load(model, SafeTensorsFile.Read(stream, source));

    /// <summary>
    /// Loads an already parsed file; see <see cref="Load(ICnnModel, string)"/>. With <paramref name="ignoreOtherTensors"/>
    /// the file may hold more than the model's tensors (reference files with inputs and gradients beside the weights).
    /// </summary>
    public static void Load(ICnnModel model, SafeTensorsFile file, bool ignoreOtherTensors = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(file);
        var scratch = new float[model.ParameterCount];
        foreach (ParameterTensorInfo expected in model.ParameterTensors)
        {
            if (!file.Contains(expected.Name))
                throw new CnnDataException(file.Source, $"tensor '{expected.Name}' is missing (the model needs shape [{string.Join(", ", expected.Shape)}])");
            SafeTensorInfo actual = file.Info(expected.Name);
            if (!actual.Shape.SequenceEqual(expected.Shape))
                throw new CnnDataException(file.Source, $"tensor '{expected.Name}' has shape {actual.ShapeText} but the model needs [{string.Join(", ", expected.Shape)}]");
            Span<float> target = scratch.AsSpan(expected.Offset, expected.Length);
            file.ReadInto(expected.Name, target);
            int bad = Kernels.IndexOfNonFinite(target);
            if (bad >= 0)
                throw new CnnDataException(file.Source, $"tensor '{expected.Name}' holds a non-finite value ({target[bad]}) at index {bad}");
        }
        var known = new HashSet<string>(model.ParameterTensors.Select(t => t.Name), StringComparer.Ordinal);
        foreach (SafeTensorInfo tensor in file.Tensors)
            if (!ignoreOtherTensors && !known.Contains(tensor.Name))
                throw new CnnDataException(file.Source, $"tensor {SafeTensorsFile.Quote(tensor.Name)} does not belong to this model (its tensors are {string.Join(", ", known)})");
        scratch.CopyTo(model.Parameters);
    }
}
