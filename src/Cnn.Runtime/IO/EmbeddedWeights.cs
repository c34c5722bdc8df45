using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Cnn;

/// <summary>
/// Loads weights compiled into an assembly by <c>[EmbeddedWeights]</c>: a safetensors file that the build props
/// embed as a manifest resource. The generated <c>CreateWithEmbeddedWeights()</c> and <c>LoadEmbeddedWeights()</c>
/// call this; it works under NativeAOT and trimming (manifest resources are kept, nothing is reflected on).
/// </summary>
public static class EmbeddedWeights
{
    /// <summary>
    /// Checks the header of the resource <paramref name="resourceName"/> of <paramref name="assembly"/> against
    /// <paramref name="model"/> (every tensor present, F32, the right shape, no extras, finite values) and copies
    /// the floats into <see cref="ICnnModel.Parameters"/>. A bad resource leaves the model's parameters unchanged.
    /// </summary>
    /// <exception cref="CnnDataException">The resource is missing, malformed, or does not fit the model.</exception>
    public static void Load(ICnnModel model, Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        using Stream stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new CnnDataException(resourceName,
                $"assembly '{assembly.GetName().Name}' has no such resource: declare the weight file as <CnnEmbeddedWeights Include=\"...\" /> in the project, with Cnn.Runtime.props imported");
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        Load(model, bytes, resourceName);
    }

    /// <summary>
    /// As <see cref="Load(ICnnModel, Assembly, string)"/>, from the bytes of a safetensors file. Only the header is
    /// parsed; F32 data is copied as a block.
    /// </summary>
    /// <exception cref="CnnDataException">The bytes are malformed or do not fit the model.</exception>
    public static void Load(ICnnModel model, byte[] bytes, string source = "<embedded>")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(bytes);
        SafeTensorsFile file = SafeTensorsFile.Parse(bytes, source);
        long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var scratch = new float[model.ParameterCount];
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParameterTensorInfo expected in model.ParameterTensors)
        {
            known.Add(expected.Name);
            if (!file.Contains(expected.Name))
                throw new CnnDataException(source, $"tensor '{expected.Name}' is missing (the model needs shape [{string.Join(", ", expected.Shape)}])");
            SafeTensorInfo actual = file.Info(expected.Name);
            if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape))
                throw new CnnDataException(source, $"tensor '{expected.Name}' has shape {actual.ShapeText} but the model needs [{string.Join(", ", expected.Shape)}]");
            if (actual.DType != SafeTensorsDType.F32)
                throw new CnnDataException(source, $"tensor '{expected.Name}' is {actual.DType}; embedded weights must be F32");
            Span<float> target = scratch.AsSpan(expected.Offset, expected.Length);
            ReadOnlySpan<byte> data = bytes.AsSpan((int)(dataStart + actual.Begin), (int)(actual.End - actual.Begin));
            if (BitConverter.IsLittleEndian)
                MemoryMarshal.Cast<byte, float>(data).CopyTo(target);
            else
                file.ReadInto(expected.Name, target);
            int bad = IndexOfNonFinite(target);
            if (bad >= 0)
                throw new CnnDataException(source, $"tensor '{expected.Name}' holds a non-finite value ({target[bad]}) at index {bad}");
        }
        foreach (SafeTensorInfo tensor in file.Tensors)
            if (!known.Contains(tensor.Name))
                throw new CnnDataException(source, $"tensor '{tensor.Name}' does not belong to this model (its tensors are {string.Join(", ", known)})");
        scratch.CopyTo(model.Parameters);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
