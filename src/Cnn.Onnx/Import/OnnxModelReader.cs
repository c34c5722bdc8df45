using System.Buffers.Binary;
using Cnn.Onnx.Proto;
using Google.Protobuf;

namespace Cnn.Onnx.Import;

/// <summary>
/// Reads an ONNX file (a protobuf <c>ModelProto</c>) and checks what every later step relies on: a graph, an opset for
/// the default domain, tensors whose data agrees with their shape and type and lives inside the file. Anything else is
/// a <see cref="CnnDataException"/> naming the file; the reader never crashes or hangs on bad bytes.
/// </summary>
internal static class OnnxModelReader
{
    /// <summary>The largest tensor read: 2^28 values (as the generator's largest tensor).</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>The default ONNX domain's names.</summary>
    public static bool IsDefaultDomain(string domain) => domain.Length == 0 || domain == "ai.onnx";

    /// <summary>Parses and checks <paramref name="bytes"/>, read from <paramref name="source"/>.</summary>
    /// <exception cref="CnnDataException">The bytes are not a usable ONNX model.</exception>
    public static ModelProto Read(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length == 0) throw new CnnDataException(source, "the file is empty, not an ONNX model");
        ModelProto model;
        try
        {
            // The recursion limit bounds nested graphs and messages; lengths are checked against the buffer.
            model = ModelProto.Parser.WithDiscardUnknownFields(true).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CnnDataException(source, $"not an ONNX model: the protobuf is malformed or truncated ({e.Message})", e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CnnDataException(source, $"not an ONNX model: the protobuf cannot be read ({e.GetType().Name}: {e.Message})", e);
        }
        Check(model, source);
        return model;
    }

    private static void Check(ModelProto model, string source)
    {
        if (!model.HasIrVersion || model.IrVersion < 1)
            throw new CnnDataException(source, "not an ONNX model: it has no ir_version");
        if (model.Graph is null)
            throw new CnnDataException(source, "the ONNX model has no graph");
        GraphProto graph = model.Graph;
        if (graph.Output.Count == 0)
            throw new CnnDataException(source, "the ONNX graph has no output");
        foreach (TensorProto tensor in graph.Initializer)
            CheckTensor(tensor, $"initializer '{tensor.Name}'", source);
        foreach (NodeProto node in graph.Node)
            foreach (AttributeProto attribute in node.Attribute)
                if (attribute.T is { } t)
                    CheckTensor(t, $"attribute '{attribute.Name}' of node '{node.Name}' ({node.OpType})", source);
    }

    /// <summary>The size in bytes of one element of ONNX data type <paramref name="dataType"/>, or 0 for a type that has no fixed size.</summary>
    public static int ElementSize(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64
            or TensorProto.Types.DataType.Complex64 => 8,
        TensorProto.Types.DataType.Complex128 => 16,
        TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Uint16 => 2,
        TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
        _ => 0,
    };

    /// <summary>The ONNX name of a data type, for messages.</summary>
    public static string TypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType) ? ((TensorProto.Types.DataType)dataType).ToString().ToLowerInvariant() : $"type {dataType}";

    /// <summary>The element count of <paramref name="tensor"/>, checked: dimensions non-negative, at most <see cref="MaxElements"/>.</summary>
    public static long ElementCount(TensorProto tensor, string what, string source)
    {
        long count = 1;
        foreach (long d in tensor.Dims)
        {
            if (d < 0) throw new CnnDataException(source, $"{what} has a negative dimension {d}");
            count = d != 0 && count > MaxElements / d ? MaxElements + 1 : count * d;
            if (count > MaxElements) throw new CnnDataException(source, $"{what} has more than {MaxElements:N0} elements");
        }
        return count;
    }

    private static void CheckTensor(TensorProto tensor, string what, string source)
    {
        if (tensor.HasDataLocation && tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new CnnDataException(source, $"{what} keeps its data in an external file; save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))");
        if (tensor.Segment is not null)
            throw new CnnDataException(source, $"{what} is a segment of a larger tensor, which this importer does not read");
        int type = tensor.DataType;
        if (type == 0 || !Enum.IsDefined(typeof(TensorProto.Types.DataType), type))
            throw new CnnDataException(source, $"{what} has an unknown data type ({type})");
        long count = ElementCount(tensor, what, source);
        if (type == (int)TensorProto.Types.DataType.String)
        {
            if (tensor.StringData.Count != count)
                throw new CnnDataException(source, $"{what} has shape [{string.Join(", ", tensor.Dims)}] ({count} strings) but holds {tensor.StringData.Count}");
            return;
        }
        int size = ElementSize(type);
        if (size == 0) throw new CnnDataException(source, $"{what} has data type {TypeName(type)}, which this importer does not read");
        if (tensor.HasRawData)
        {
            if (tensor.RawData.Length != count * size)
                throw new CnnDataException(source, $"{what} has shape [{string.Join(", ", tensor.Dims)}] of {TypeName(type)} ({count * size} bytes) but {tensor.RawData.Length} bytes of data");
            return;
        }
        long held = (TensorProto.Types.DataType)type switch
        {
            TensorProto.Types.DataType.Float => tensor.FloatData.Count,
            TensorProto.Types.DataType.Complex64 => tensor.FloatData.Count / 2,
            TensorProto.Types.DataType.Double => tensor.DoubleData.Count,
            TensorProto.Types.DataType.Complex128 => tensor.DoubleData.Count / 2,
            TensorProto.Types.DataType.Int64 => tensor.Int64Data.Count,
            TensorProto.Types.DataType.Uint32 or TensorProto.Types.DataType.Uint64 => tensor.Uint64Data.Count,
            _ => tensor.Int32Data.Count,
        };
        if (held != count)
            throw new CnnDataException(source, $"{what} has shape [{string.Join(", ", tensor.Dims)}] ({count} values) but holds {held} {TypeName(type)} values");
    }

    /// <summary>
    /// The values of a checked float tensor (float32, float64 or float16) as float32, with <paramref name="converted"/> set
    /// when they were not float32; null for other types.
    /// </summary>
    public static float[]? Floats(TensorProto tensor, out bool converted)
    {
        converted = false;
        var type = (TensorProto.Types.DataType)tensor.DataType;
        int count = (int)tensor.Dims.Aggregate(1L, (a, d) => a * d);
        var values = new float[count];
        ReadOnlySpan<byte> raw = tensor.HasRawData ? tensor.RawData.Span : default;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                for (int i = 0; i < count; i++)
                    values[i] = tensor.HasRawData ? BinaryPrimitives.ReadSingleLittleEndian(raw[(4 * i)..]) : tensor.FloatData[i];
                return values;
            case TensorProto.Types.DataType.Double:
                converted = true;
                for (int i = 0; i < count; i++)
                    values[i] = (float)(tensor.HasRawData ? BinaryPrimitives.ReadDoubleLittleEndian(raw[(8 * i)..]) : tensor.DoubleData[i]);
                return values;
            case TensorProto.Types.DataType.Float16:
                converted = true;
                for (int i = 0; i < count; i++)
                {
                    ushort bits = tensor.HasRawData ? BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) : (ushort)tensor.Int32Data[i];
                    values[i] = (float)BitConverter.UInt16BitsToHalf(bits);
                }
                return values;
            case TensorProto.Types.DataType.Bfloat16:
                converted = true;
                for (int i = 0; i < count; i++)
                {
                    uint bits = tensor.HasRawData ? BinaryPrimitives.ReadUInt16LittleEndian(raw[(2 * i)..]) : (ushort)tensor.Int32Data[i];
                    values[i] = BitConverter.UInt32BitsToSingle(bits << 16);
                }
                return values;
            default:
                return null;
        }
    }

    /// <summary>The values of a checked integer tensor (int64, int32, int16, int8, uint8, bool) as longs; null for other types.</summary>
    public static long[]? Integers(TensorProto tensor)
    {
        var type = (TensorProto.Types.DataType)tensor.DataType;
        if (type is not (TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Int16
            or TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool)) return null;
        int count = (int)tensor.Dims.Aggregate(1L, (a, d) => a * d);
        var values = new long[count];
        ReadOnlySpan<byte> raw = tensor.HasRawData ? tensor.RawData.Span : default;
        for (int i = 0; i < count; i++)
        {
            values[i] = type switch
            {
                TensorProto.Types.DataType.Int64 => tensor.HasRawData ? BinaryPrimitives.ReadInt64LittleEndian(raw[(8 * i)..]) : tensor.Int64Data[i],
                TensorProto.Types.DataType.Int32 => tensor.HasRawData ? BinaryPrimitives.ReadInt32LittleEndian(raw[(4 * i)..]) : tensor.Int32Data[i],
                TensorProto.Types.DataType.Int16 => tensor.HasRawData ? BinaryPrimitives.ReadInt16LittleEndian(raw[(2 * i)..]) : (short)tensor.Int32Data[i],
                TensorProto.Types.DataType.Int8 => tensor.HasRawData ? (sbyte)raw[i] : (sbyte)tensor.Int32Data[i],
                _ => tensor.HasRawData ? raw[i] : (byte)tensor.Int32Data[i],
            };
        }
        return values;
    }
}
