using System.Buffers.Binary;
using Cnn.Onnx.Proto;
using Google.Protobuf;

namespace Cnn.Onnx.Conformance;

/// <summary>A float32 tensor read from an ONNX <c>TensorProto</c>: its name, its dimensions as stored, and its values in row-major order.</summary>
/// <param name="Name">The tensor's name (often empty in test data files).</param>
/// <param name="Shape">The dimensions (empty for a scalar).</param>
/// <param name="Data">The values, <c>Shape</c>'s product of them.</param>
internal sealed record OnnxTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// Reads the <c>input_N.pb</c> and <c>output_N.pb</c> files of the ONNX backend tests (serialized <c>TensorProto</c>
/// messages) and the random inputs of the torchvision exports. Only float32 is read, from <c>raw_data</c> (little-endian)
/// or <c>float_data</c>; every other element type, external or segmented data, a size that disagrees with the dimensions,
/// or bytes that are no <c>TensorProto</c> at all throw <see cref="CnnDataException"/> naming the file and the problem.
/// </summary>
internal static class TensorFile
{
    /// <summary>The most values a tensor may have (1 GiB of float32): a larger dimension product is refused before any allocation.</summary>
    public const long MaxElements = 1L << 28;

    /// <summary>The most dimensions a tensor may have.</summary>
    public const int MaxRank = 16;

    /// <summary>Reads the tensor in the file at <paramref name="path"/>.</summary>
    public static OnnxTensor Read(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Reads the tensor serialized in <paramref name="bytes"/>; <paramref name="source"/> names it in errors.</summary>
    public static OnnxTensor Parse(byte[] bytes, string source = "<stream>")
    {
        TensorProto proto;
        try
        {
            proto = TensorProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CnnDataException(source, $"not a TensorProto ({e.Message})", e);
        }
        return FromProto(proto, source);
    }

    /// <summary>The float32 values of <paramref name="proto"/>, checked against its dimensions.</summary>
    public static OnnxTensor FromProto(TensorProto proto, string source)
    {
        var type = (TensorProto.Types.DataType)proto.DataType;
        if (type != TensorProto.Types.DataType.Float)
            throw new CnnDataException(source, $"element type {DataTypeName(proto.DataType)}: only float32 (FLOAT) tensors are read");
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new CnnDataException(source, "the data is stored in an external file, which is not read");
        if (proto.Segment is not null)
            throw new CnnDataException(source, "a segmented tensor, which is not read");
        if (proto.Dims.Count > MaxRank)
            throw new CnnDataException(source, $"{proto.Dims.Count} dimensions, more than {MaxRank}");

        var shape = new int[proto.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = proto.Dims[i];
            if (d < 0) throw new CnnDataException(source, $"dimension {i} is {d}");
            count *= d;
            if (count > MaxElements) throw new CnnDataException(source, $"dimensions [{string.Join(", ", proto.Dims)}] hold more than {MaxElements} values");
            shape[i] = (int)d;
        }

        bool raw = !proto.RawData.IsEmpty, typed = proto.FloatData.Count > 0;
        if (raw && typed)
            throw new CnnDataException(source, "both raw_data and float_data are set");
        var data = new float[count];
        if (raw)
        {
            ReadOnlySpan<byte> bytes = proto.RawData.Span;
            if (bytes.Length != count * sizeof(float))
                throw new CnnDataException(source, $"raw_data holds {bytes.Length} bytes, but [{Dims(shape)}] needs {count * sizeof(float)}");
            for (int i = 0; i < data.Length; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * sizeof(float)));
        }
        else if (typed || count > 0)
        {
            if (proto.FloatData.Count != count)
                throw new CnnDataException(source, $"float_data holds {proto.FloatData.Count} values, but [{Dims(shape)}] needs {count}");
            proto.FloatData.CopyTo(data, 0);
        }
        return new OnnxTensor(proto.Name, shape, data);
    }

    /// <summary>The ONNX name of an element type (<c>UINT8</c>, <c>INT64</c>, ...), or its number when it has none.</summary>
    public static string DataTypeName(int type) =>
        Enum.IsDefined((TensorProto.Types.DataType)type) ? ((TensorProto.Types.DataType)type).ToString().ToUpperInvariant() : $"#{type}";

    private static string Dims(int[] shape) => string.Join(", ", shape);
}
