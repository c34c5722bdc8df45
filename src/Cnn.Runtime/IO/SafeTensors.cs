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
    public string ShapeText => SafeTensorsFile.Dims(Shape);
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

    /// <summary>The deepest JSON nesting accepted in a header (a valid header needs 3).</summary>
    public const int MaxHeaderDepth = 8;

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
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>Reads and validates a whole stream.</summary>
    /// <exception cref="CnnDataException">The stream is not a valid safetensors file, or is larger than an array can hold.</exception>
    public static SafeTensorsFile Read(Stream stream, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > Array.MaxLength)
            throw new CnnDataException(source, $"the file has {stream.Length - stream.Position} bytes, more than the {Array.MaxLength} this reader can hold");
        // Only the bytes really present are buffered: no length field inside the file decides an allocation.
        using var copy = stream.CanSeek ? new MemoryStream((int)(stream.Length - stream.Position)) : new MemoryStream();
        try
        {
            stream.CopyTo(copy);
        }
        catch (IOException e) when (copy.Length >= Array.MaxLength - 1)
        {
            throw new CnnDataException(source, "the stream is larger than this reader can hold", e);
        }
        return Parse(copy.Length == copy.Capacity ? copy.GetBuffer() : copy.ToArray(), source);
    }

    /// <summary>Validates <paramref name="bytes"/> (kept, not copied).</summary>
    public static SafeTensorsFile Parse(byte[] bytes, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        List<SafeTensorInfo> tensors = ParseHeader(bytes, source, metadata, out long dataStart);
        return new SafeTensorsFile(source, bytes, dataStart, tensors, metadata);
    }

    /// <summary>
    /// Validates the header of the file <paramref name="bytes"/> as <see cref="Parse"/> does, without keeping the
    /// bytes: the tensors in header order, the metadata added to <paramref name="metadata"/>, and where the data
    /// starts. For readers of memory that is not an array (the weights compiled into an executable, read in place).
    /// </summary>
    internal static List<SafeTensorInfo> ParseHeader(ReadOnlySpan<byte> bytes, string source, Dictionary<string, string> metadata, out long dataStart)
    {
        if (bytes.Length < 8)
            throw new CnnDataException(source, $"the file has {bytes.Length} bytes, too short for the 8-byte header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderLength)
            throw new CnnDataException(source, $"the header length {headerLength} is larger than the {MaxHeaderLength}-byte limit: not a safetensors file, or corrupt");
        if (8 + (long)headerLength > bytes.Length)
            throw new CnnDataException(source, $"the header length {headerLength} goes beyond the end of the {bytes.Length}-byte file (truncated?)");

        dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;
        var tensors = new List<SafeTensorInfo>();
        try
        {
            var reader = new Utf8JsonReader(bytes.Slice(8, (int)headerLength), new JsonReaderOptions { MaxDepth = MaxHeaderDepth });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            // The header is one JSON object, padded with spaces. ParseValue stops after the object: reading on makes
            // the reader reject anything else after it (as invalid JSON), instead of silently ignoring it.
            if (reader.Read())
                throw new CnnDataException(source, $"the header has data after its JSON object (at byte {8 + reader.TokenStartIndex})");
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new CnnDataException(source, "the header is not a JSON object");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw new CnnDataException(source, $"the header names tensor {Quote(property.Name)} twice");
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
        catch (InvalidOperationException e)
        {
            // Invalid UTF-8 in a property name or a string value surfaces when the string is read.
            throw new CnnDataException(source, $"the header is not valid UTF-8: {e.Message}", e);
        }

        // Tensors may come in any order in the header, but their data may not overlap or leave holes, and
        // together they cover the data exactly (as the safetensors format requires): a file with extra or
        // missing bytes is corrupt even when every single entry looks valid.
        var byOffset = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long covered = 0;
        string previous = "the start of the data";
        foreach (SafeTensorInfo tensor in byOffset)
        {
            if (tensor.Begin < covered)
                throw new CnnDataException(source, $"the data of tensors {previous} and {Quote(tensor.Name)} overlap");
            if (tensor.Begin > covered)
                throw new CnnDataException(source, $"there are {tensor.Begin - covered} unused bytes between {previous} and tensor {Quote(tensor.Name)}");
            covered = tensor.End;
            previous = $"{Quote(tensor.Name)}";
        }
        if (covered != dataLength)
            throw new CnnDataException(source, $"the tensors use {covered} bytes of data, but the file holds {dataLength} after the header (truncated, or extra data)");
        return tensors;
    }

    private static void ReadMetadata(string source, JsonElement element, Dictionary<string, string> metadata)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new CnnDataException(source, "__metadata__ is not a JSON object");
        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new CnnDataException(source, $"__metadata__ entry {Quote(entry.Name)} is not a string");
            metadata[entry.Name] = entry.Value.GetString()!;
        }
    }

    private static SafeTensorInfo ReadTensor(string source, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new CnnDataException(source, $"the entry of tensor {Quote(name)} is not a JSON object");
        if (!element.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw new CnnDataException(source, $"tensor {Quote(name)} has no dtype");
        SafeTensorsDType dtype = dtypeElement.GetString() switch
        {
            "F32" => SafeTensorsDType.F32,
            "F64" => SafeTensorsDType.F64,
            "F16" => SafeTensorsDType.F16,
            "BF16" => SafeTensorsDType.BF16,
            var other => throw new CnnDataException(source, $"tensor {Quote(name)} has dtype {Quote(other)}; only F32, F64, F16 and BF16 can be read"),
        };
        if (!element.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw new CnnDataException(source, $"tensor {Quote(name)} has no shape");
        var shape = new List<int>();
        long count = 1;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt32(out int d) || d < 0)
                throw new CnnDataException(source, $"tensor {Quote(name)} has an invalid dimension {Quote(dim.GetRawText())} in its shape");
            shape.Add(d);
            count = d == 0 ? 0 : count > dataLength / d ? long.MaxValue : count * d;
        }
        if (!element.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw new CnnDataException(source, $"tensor {Quote(name)} has no valid data_offsets [begin, end]");
        if (begin < 0 || end < begin || end > dataLength)
            throw new CnnDataException(source, $"tensor {Quote(name)} has data_offsets [{begin}, {end}] outside the {dataLength} bytes of data (truncated file?)");
        int size = dtype switch { SafeTensorsDType.F64 => 8, SafeTensorsDType.F32 => 4, _ => 2 };
        if (count == long.MaxValue || count * size != end - begin)
            throw new CnnDataException(source, $"tensor {Quote(name)} has shape {Dims(shape)} of {dtype}, which does not fit its {end - begin} bytes of data");
        return new SafeTensorInfo(name, dtype, shape.ToArray(), begin, end);
    }

    /// <summary>
    /// <paramref name="text"/> in quotes for a message: at most 64 characters (a corrupt file may hold a
    /// megabyte-long name), control characters escaped.
    /// </summary>
    internal static string Quote(string? text)
    {
        if (text is null) return "(null)";
        var builder = new StringBuilder("'");
        foreach (char c in text.Length > 64 ? text[..61] : text)
            builder.Append(char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return builder.Append(text.Length > 64 ? "...'" : "'").ToString();
    }

    /// <summary>A shape for a message, <c>[3, 3, 1, 32]</c>, with at most 8 dimensions shown.</summary>
    internal static string Dims(IReadOnlyCollection<int> shape) =>
        "[" + string.Join(", ", shape.Take(8)) + (shape.Count > 8 ? $", ... ({shape.Count} dimensions)]" : "]");

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    /// <exception cref="CnnDataException">There is no such tensor.</exception>
    public SafeTensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out SafeTensorInfo? info) ? info : throw new CnnDataException(Source, $"there is no tensor {Quote(name)}");

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
            throw new CnnDataException(Source, $"tensor {Quote(info.Name)} has {info.ElementCount} values, but {destination.Length} are expected");
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
                    throw new ArgumentException($"Tensor {SafeTensorsFile.Quote(name)} has shape [{string.Join(", ", shape)}] but {values.Length} values.", nameof(tensors));
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
    /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: the bytes go to a temporary file in
    /// the same directory (<c>&lt;name&gt;.tmp-&lt;process id&gt;-&lt;random&gt;</c>), which is flushed to disk
    /// (<c>fsync</c>) and then renamed over the target, and the directory is flushed (<see cref="SyncDirectory"/>).
    /// A reader, or a crash at any moment, sees either the whole old file or the whole new one, never a mixture or a
    /// half-written file.
    /// </summary>
    /// <remarks>
    /// When writing fails, the temporary file is deleted and the target is untouched. A process killed while
    /// writing cannot delete its temporary file: the next successful save of the same target deletes such stale
    /// files whose process is no longer running (see <see cref="RemoveStaleTemporaryFiles"/>); they are never read.
    /// </remarks>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string temporary = $"{full}{TemporaryInfix}{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            // rename(2) on Unix and MoveFileEx(REPLACE_EXISTING) on Windows replace the target in one step.
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
        // The rename lives in the directory: flush it too, so that the new name survives a power cut.
        SyncDirectory(Path.GetDirectoryName(full) ?? ".");
        RemoveStaleTemporaryFiles(full);
    }

    /// <summary>
    /// Flushes a directory's entries to disk (<c>fsync</c> of the directory, on Linux), so that a rename in it
    /// survives a power cut. Best effort: returns false where the platform or file system does not allow it
    /// (and on other systems), and never throws; the rename itself has happened either way.
    /// </summary>
    public static bool SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() || string.IsNullOrEmpty(directory)) return false;
        try
        {
            int fd = LibC.Open(Encoding.UTF8.GetBytes(directory + "\0"), 0x80000 /* O_RDONLY | O_CLOEXEC */);
            if (fd < 0) return false;
            try
            {
                return LibC.FSync(fd) == 0;
            }
            finally
            {
                LibC.Close(fd);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The three C library calls of <see cref="SyncDirectory"/> (.NET opens no directories).</summary>
    private static class LibC
    {
        [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "open")]
        public static extern int Open(byte[] path, int flags);

        [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "fsync")]
        public static extern int FSync(int fd);

        [System.Runtime.InteropServices.DllImport("libc.so.6", EntryPoint = "close")]
        public static extern int Close(int fd);
    }

    /// <summary>What separates the target's name from the process id in a temporary file's name.</summary>
    public const string TemporaryInfix = ".tmp-";

    /// <summary>
    /// Deletes the temporary files that <see cref="WriteAtomically"/> left beside <paramref name="path"/> when its
    /// process was killed while writing: those named <c>&lt;name&gt;.tmp-&lt;pid&gt;-...</c> whose process is no
    /// longer running. Files of running processes (which may be writing right now) are kept. Returns how many were
    /// deleted; files that cannot be deleted are left alone.
    /// </summary>
    public static int RemoveStaleTemporaryFiles(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string prefix = Path.GetFileName(full) + TemporaryInfix;
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (string candidate in candidates)
        {
            string rest = Path.GetFileName(candidate)[prefix.Length..];
            int dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int pid))
                continue;
            if (pid == Environment.ProcessId || IsRunning(pid))
                continue;
            try
            {
                File.Delete(candidate);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
