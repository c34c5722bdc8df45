using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Cnn;

/// <summary>The element type of a safetensors tensor.</summary>
public enum SafeTensorsDType
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>16-bit IEEE float.</summary>
    F16,
    /// <summary>bfloat16.</summary>
    BF16,
}

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">The first byte of its data, relative to the end of the header.</param>
/// <param name="End">One past its last byte.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, int[] Shape, long Begin, long End)
{
    /// <summary>The number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as <c>[3, 3, 1, 32]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// A safetensors file read into memory and validated: 8-byte little-endian header length, a JSON header
/// mapping names to dtype, shape and data offsets (plus an optional <c>__metadata__</c> of strings), then the
/// raw little-endian data. Every problem is a <see cref="CnnDataException"/> naming the file and the problem.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>The largest header accepted (100 MB), so that a corrupt length cannot make us allocate gigabytes.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly byte[] _bytes;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _tensors;

    private SafeTensorsFile(string source, byte[] bytes, long dataStart, List<SafeTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        _bytes = bytes;
        _dataStart = dataStart;
        Tensors = tensors;
        _tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    /// <summary>The file name, or <c>&lt;stream&gt;</c>, as messages show it.</summary>
    public string Source { get; }

    /// <summary>The tensors in header order.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> strings (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates the file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="CnnDataException">The file is not a valid safetensors file.</exception>
    public static SafeTensorsFile Open(string path) => Parse(File.ReadAllBytes(path), Path.GetFileName(path));

    /// <summary>Reads and validates a whole stream.</summary>
    public static SafeTensorsFile Read(Stream stream, string source = "<stream>")
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), source);
    }

    /// <summary>Validates <paramref name="bytes"/> (kept, not copied).</summary>
    public static SafeTensorsFile Parse(byte[] bytes, string source = "<stream>")
    {
        if (bytes.Length < 8)
            throw new CnnDataException(source, $"the file has {bytes.Length} bytes, too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength)
            throw new CnnDataException(source, $"the header length {headerLength} is larger than the {MaxHeaderLength}-byte limit: not a safetensors file, or corrupt");
        if (8 + (long)headerLength > bytes.Length)
            throw new CnnDataException(source, $"the header length {headerLength} goes beyond the end of the {bytes.Length}-byte file (truncated?)");

        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var tensors = new List<SafeTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(bytes.AsSpan(8, (int)headerLength), new JsonReaderOptions { MaxDepth = 8 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new CnnDataException(source, "the header is not a JSON object");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new CnnDataException(source, $"the header names tensor '{property.Name}' twice");
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(source, property.Value, metadata);
                    continue;
                }
                tensors.Add(ReadTensor(source, property.Name, property.Value, dataLength));
            }
        }
        catch (JsonException e)
        {
            throw new CnnDataException(source, $"the header is not valid JSON: {e.Message}", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            // Invalid UTF-8 in a name or string surfaces from the JSON reader as one of these.
            throw new CnnDataException(source, $"the header is not valid UTF-8 JSON: {e.Message}", e);
        }

        // Tensors may come in any order in the header, but their data may not overlap.
        var byOffset = tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin).ToList();
        for (int i = 1; i < byOffset.Count; i++)
            if (byOffset[i].Begin < byOffset[i - 1].End)
                throw new CnnDataException(source, $"the data of tensors '{byOffset[i - 1].Name}' and '{byOffset[i].Name}' overlap");
        return new SafeTensorsFile(source, bytes, dataStart, tensors, metadata);
    }

    private static void ReadMetadata(string source, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new CnnDataException(source, "__metadata__ is not a JSON object");
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new CnnDataException(source, $"__metadata__ entry '{entry.Name}' is not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ReadTensor(string source, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new CnnDataException(source, $"the entry of tensor '{name}' is not a JSON object");
        if (!element.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CnnDataException(source, $"tensor '{name}' has no dtype");
        SafeTensorsDType dtype = dtypeElement.GetString() switch
        {
            "F32" => SafeTensorsDType.F32,
            "F64" => SafeTensorsDType.F64,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            var other => throw new CnnDataException(source, $"tensor '{name}' has dtype '{other}'; only F32, F64, F16 and BF16 can be read"),
        };
        if (!element.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CnnDataException(source, $"tensor '{name}' has no shape");
        var shape = new List<int>();
        long count = 1;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int d) || d < 0)
                throw new CnnDataException(source, $"tensor '{name}' has an invalid dimension {dim.GetRawText()} in its shape");
            shape.Add(d);
            count = d == 0 ? 0 : count > dataLength / d ? long.MaxValue : count * d;
        }
        if (!element.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw new CnnDataException(source, $"tensor '{name}' has no valid data_offsets [begin, end]");
        if (begin < 0 || end < begin || end > dataLength)
            throw new CnnDataException(source, $"tensor '{name}' has data_offsets [{begin}, {end}] outside the {dataLength} bytes of data (truncated file?)");
        int size = dtype switch { SafeTensorsDType.F64 => 8, SafeTensorsDType.F32 => 4, _ => 2 };
        if (count == long.MaxValue || count * size != end - begin)
            throw new CnnDataException(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}] of {dtype}, which does not fit its {end - begin} bytes of data");
        return new SafeTensorInfo(name, dtype, shape.ToArray(), begin, end);
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    /// <exception cref="CnnDataException">There is no such tensor.</exception>
    public SafeTensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out SafeTensorInfo? info) ? info : throw new CnnDataException(Source, $"there is no tensor '{name}'");

    /// <summary>The tensor <paramref name="name"/> converted to float.</summary>
    public float[] ReadSingles(string name)
    {
        SafeTensorInfo info = Info(name);
        var values = new float[info.ElementCount];
        ReadInto(info, values);
        return values;
    }

    /// <summary>Copies the tensor <paramref name="name"/>, converted to float, into <paramref name="destination"/> (exactly its length).</summary>
    public void ReadInto(string name, Span<float> destination) => ReadInto(Info(name), destination);

    private void ReadInto(SafeTensorInfo info, Span<float> destination)
    {
        if (destination.Length != info.ElementCount)
            throw new CnnDataException(Source, $"tensor '{info.Name}' has {info.ElementCount} values, but {destination.Length} are expected");
        ReadOnlySpan<byte> data = _bytes.AsSpan((int)(_dataStart + info.Begin), (int)(info.End - info.Begin));
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = info.DType switch
            {
                SafeTensorsDType.F32 => BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * 4)),
                SafeTensorsDType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(i * 8)),
                SafeTensorsDType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(data.Slice(i * 2)),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(i * 2)) << 16),
            };
        }
    }
}

/// <summary>Writes safetensors files of float32 tensors.</summary>
public static class SafeTensorsWriter
{
    /// <summary>
    /// The bytes of a safetensors file holding <paramref name="tensors"/> (name, shape, values) in the given order,
    /// with optional <paramref name="metadata"/>. The header is padded with spaces to a multiple of 8 bytes.
    /// </summary>
    public static byte[] ToBytes(IEnumerable<(string Name, int[] Shape, float[] Values)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (KeyValuePair<string, string> entry in metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
                    json.WriteString(entry.Key, entry.Value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach ((string name, int[] shape, float[] values) in list)
            {
                long count = shape.Aggregate(1L, (a, d) => a * d);
                if (count != values.Length)
                    throw new ArgumentException($"Tensor '{name}' has shape [{string.Join(", ", shape)}] but {values.Length} values.", nameof(tensors));
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + 4L * values.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += 4L * values.Length;
            }
            json.WriteEndObject();
        }
        int padded = (int)((header.Length + 7) / 8 * 8);
        long total = 8 + padded + list.Sum(t => 4L * t.Values.Length);
        var bytes = new byte[total];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)padded);
        header.ToArray().CopyTo(bytes, 8);
        bytes.AsSpan(8 + (int)header.Length, padded - (int)header.Length).Fill((byte)' ');
        int position = 8 + padded;
        foreach ((_, _, float[] values) in list)
        {
            foreach (float v in values)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(position), v);
                position += 4;
            }
        }
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a temporary file beside it is
    /// written and flushed to disk, then renamed over the target, so a crash never leaves a half-written file.
    /// </summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        string full = Path.GetFullPath(path);
        string temporary = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }
}
