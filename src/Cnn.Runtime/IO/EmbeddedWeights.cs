using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.CompilerServices;
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
    /// The resource is read where it lies in the loaded assembly (NativeAOT and the JIT both map it), so the only
    /// copy made is the one into the parameters: at start-up every fresh page costs a page fault.
    /// </summary>
    /// <exception cref="CnnDataException">The resource is missing, malformed, or does not fit the model.</exception>
    public static void Load(ICnnModel model, Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        ReadResource(assembly, resourceName, (bytes, _) =>
        {
            Load(model, bytes, resourceName);
            return true;
        });
    }

    /// <summary>
    /// As <see cref="Load(ICnnModel, Assembly, string)"/>, from the bytes of a safetensors file. Only the header is
    /// parsed; F32 data is copied as a block.
    /// </summary>
    /// <exception cref="CnnDataException">The bytes are malformed or do not fit the model.</exception>
    public static void Load(ICnnModel model, byte[] bytes, string source = "<embedded>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Load(model, bytes.AsSpan(), source);
    }

    /// <summary>
    /// As <see cref="Load(ICnnModel, byte[], string)"/>, from a span (memory that is not an array: a mapped file,
    /// an executable's data). Everything is checked before the first parameter changes.
    /// </summary>
    /// <exception cref="CnnDataException">The bytes are malformed or do not fit the model.</exception>
    public static void Load(ICnnModel model, ReadOnlySpan<byte> bytes, string source = "<embedded>")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        SafeTensorInfo[] matched = Match(model, bytes, source, out long dataStart);
        CopyInto(model, bytes, matched, dataStart);
    }

    /// <summary>
    /// Checks the resource <paramref name="resourceName"/> of <paramref name="assembly"/> against
    /// <paramref name="model"/> as <see cref="Load(ICnnModel, Assembly, string)"/> does. Where the loaded assembly
    /// holds the resource in memory (NativeAOT and the JIT both do) and its F32 tensors lie back to back in the
    /// model's own order (as this library's writers and <c>dotnet cnn import</c> write them) on a little-endian
    /// machine, returns that memory for the model to read in place, and leaves the model's parameters alone.
    /// Otherwise copies the weights into <see cref="ICnnModel.Parameters"/> as <c>Load</c> does and returns null.
    /// The generated <c>CreateWithEmbeddedWeights()</c> calls this.
    /// </summary>
    /// <exception cref="CnnDataException">The resource is missing, malformed, or does not fit the model.</exception>
    public static EmbeddedParameters? Borrow(ICnnModel model, Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        return ReadResource(assembly, resourceName, (bytes, inAssembly) =>
        {
            SafeTensorInfo[] matched = Match(model, bytes, resourceName, out long dataStart);
            if (inAssembly && BitConverter.IsLittleEndian && InModelOrder(model, matched))
            {
                unsafe
                {
                    byte* values = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(bytes)) + dataStart + (matched.Length == 0 ? 0 : matched[0].Begin);
                    // An assembly may place a resource at any byte: floats not 4-byte aligned are read in place only
                    // where loads need no alignment (x64, ARM64 and WebAssembly), else copied.
                    if ((nuint)values % sizeof(float) == 0 || ReadsUnalignedFloats)
                        return new EmbeddedParameters((float*)values, model.ParameterCount, assembly);
                }
            }
            CopyInto(model, bytes, matched, dataStart);
            return null;
        });
    }

    private delegate T ResourceReader<T>(ReadOnlySpan<byte> bytes, bool inAssembly);

    /// <summary>
    /// Calls <paramref name="read"/> with the bytes of the resource: where the loaded assembly holds them (NativeAOT
    /// and the JIT both hand out an <see cref="UnmanagedMemoryStream"/> over them; <c>inAssembly</c> true), else a copy.
    /// </summary>
    /// <exception cref="CnnDataException">The assembly has no such resource.</exception>
    private static T ReadResource<T>(Assembly assembly, string resourceName, ResourceReader<T> read)
    {
        using Stream stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new CnnDataException(resourceName,
                $"assembly '{assembly.GetName().Name}' has no such resource: declare the weight file as <CnnEmbeddedWeights Include=\"...\" /> in the project, with Cnn.Runtime.props imported");
        if (stream is UnmanagedMemoryStream mapped && mapped.Length - mapped.Position <= Array.MaxLength)
        {
            T result;
            unsafe
            {
                // The stream's memory belongs to the assembly, which the caller's reference keeps loaded.
                result = read(new ReadOnlySpan<byte>(mapped.PositionPointer, (int)(mapped.Length - mapped.Position)), inAssembly: true);
            }
            GC.KeepAlive(assembly);
            return result;
        }
        byte[] bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return read(bytes, inAssembly: false);
    }

    /// <summary>Copies the matched tensors' data into the model's parameters.</summary>
    private static void CopyInto(ICnnModel model, ReadOnlySpan<byte> bytes, SafeTensorInfo[] matched, long dataStart)
    {
        IReadOnlyList<ParameterTensorInfo> expectedTensors = model.ParameterTensors;
        Span<float> parameters = model.Parameters;
        for (int k = 0; k < matched.Length; k++)
        {
            ParameterTensorInfo expected = expectedTensors[k];
            ReadOnlySpan<byte> data = Data(bytes, dataStart, matched[k]);
            Span<float> target = parameters.Slice(expected.Offset, expected.Length);
            if (BitConverter.IsLittleEndian)
                MemoryMarshal.Cast<byte, float>(data).CopyTo(target);
            else
                for (int i = 0; i < target.Length; i++) target[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * sizeof(float)));
        }
    }

    private static bool ReadsUnalignedFloats => RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64 or Architecture.Wasm;

    /// <summary>Whether the matched tensors lie back to back in the file exactly where they lie in the parameters.</summary>
    private static bool InModelOrder(ICnnModel model, SafeTensorInfo[] matched)
    {
        IReadOnlyList<ParameterTensorInfo> expected = model.ParameterTensors;
        long first = matched.Length == 0 ? 0 : matched[0].Begin;
        long total = 0;
        for (int k = 0; k < matched.Length; k++)
        {
            if (matched[k].Begin - first != (long)expected[k].Offset * sizeof(float)) return false;
            total += expected[k].Length;
        }
        return total == model.ParameterCount;
    }

    /// <summary>
    /// Every check of the bytes against the model (each tensor present once, F32, the right shape, finite values, no
    /// extras); returns the file's entry for each of the model's tensors, in the model's order.
    /// </summary>
    private static SafeTensorInfo[] Match(ICnnModel model, ReadOnlySpan<byte> bytes, string source, out long dataStart)
    {
        List<SafeTensorInfo> tensors = SafeTensorsFile.ParseHeader(bytes, source, new Dictionary<string, string>(StringComparer.Ordinal), out dataStart);
        var byName = new Dictionary<string, SafeTensorInfo>(tensors.Count, StringComparer.Ordinal);
        foreach (SafeTensorInfo tensor in tensors) byName[tensor.Name] = tensor;
        IReadOnlyList<ParameterTensorInfo> expectedTensors = model.ParameterTensors;

        var matched = new SafeTensorInfo[expectedTensors.Count];
        for (int k = 0; k < matched.Length; k++)
        {
            ParameterTensorInfo expected = expectedTensors[k];
            if (!byName.Remove(expected.Name, out SafeTensorInfo? actual))
                throw new CnnDataException(source, $"tensor '{expected.Name}' is missing (the model needs shape [{string.Join(", ", expected.Shape)}])");
            if (!actual.Shape.AsSpan().SequenceEqual(expected.Shape))
                throw new CnnDataException(source, $"tensor '{expected.Name}' has shape {actual.ShapeText} but the model needs [{string.Join(", ", expected.Shape)}]");
            if (actual.DType != SafeTensorsDType.F32)
                throw new CnnDataException(source, $"tensor '{expected.Name}' is {actual.DType}; embedded weights must be F32");
            ReadOnlySpan<byte> data = Data(bytes, dataStart, actual);
            int bad = BitConverter.IsLittleEndian ? Kernels.IndexOfNonFinite(MemoryMarshal.Cast<byte, float>(data)) : IndexOfNonFiniteLittleEndian(data);
            if (bad >= 0)
                throw new CnnDataException(source, $"tensor '{expected.Name}' holds a non-finite value ({BinaryPrimitives.ReadSingleLittleEndian(data.Slice(bad * sizeof(float)))}) at index {bad}");
            matched[k] = actual;
        }
        if (byName.Count > 0)
        {
            string extra = tensors.First(t => byName.ContainsKey(t.Name)).Name;
            string names = string.Join(", ", expectedTensors.Take(8).Select(t => t.Name)) + (expectedTensors.Count > 8 ? $", ... ({expectedTensors.Count} in all)" : "");
            throw new CnnDataException(source, $"tensor {SafeTensorsFile.Quote(extra)} does not belong to this model (its tensors are {names})");
        }
        return matched;
    }

    private static ReadOnlySpan<byte> Data(ReadOnlySpan<byte> bytes, long dataStart, SafeTensorInfo tensor) =>
        bytes.Slice((int)(dataStart + tensor.Begin), (int)(tensor.End - tensor.Begin));

    private static int IndexOfNonFiniteLittleEndian(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length / sizeof(float); i++)
            if (!float.IsFinite(BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * sizeof(float))))) return i;
        return -1;
    }
}
