using Cnn.Onnx.Proto;
using Google.Protobuf;

namespace Cnn.Onnx.Conformance;

/// <summary>The TensorProto reader: both float encodings, every refusal with its reason, and 20,000 damaged files.</summary>
public class TensorFileTests
{
    private static TensorProto Raw(long[] dims, float[] values) => new()
    {
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray()),
        Name = "x",
    };

    private static TensorProto Typed(long[] dims, float[] values) => new()
    {
        DataType = (int)TensorProto.Types.DataType.Float,
        Dims = { dims },
        FloatData = { values },
    };

    private static string Problem(TensorProto proto) =>
        Assert.Throws<CnnDataException>(() => TensorFile.Parse(proto.ToByteArray(), "t.pb")).Message;

    [Fact]
    public void RawAndTypedData_AreRead()
    {
        OnnxTensor raw = TensorFile.Parse(Raw([2, 3], [1, 2, 3, 4, 5, -6.5f]).ToByteArray());
        Assert.Equal("x", raw.Name);
        Assert.Equal([2, 3], raw.Shape);
        Assert.Equal([1, 2, 3, 4, 5, -6.5f], raw.Data);

        OnnxTensor typed = TensorFile.Parse(Typed([3], [0.5f, float.NaN, -0f]).ToByteArray());
        Assert.Equal([3], typed.Shape);
        Assert.Equal([0.5f, float.NaN, -0f], typed.Data);

        OnnxTensor scalar = TensorFile.Parse(Typed([], [7]).ToByteArray());
        Assert.Empty(scalar.Shape);
        Assert.Equal([7f], scalar.Data);
        Assert.Empty(TensorFile.Parse(Typed([2, 0], []).ToByteArray()).Data);
    }

    [Fact]
    public void EverythingElse_IsRefusedWithItsReason()
    {
        Assert.Equal("t.pb: element type UINT8: only float32 (FLOAT) tensors are read",
            Problem(new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint8, Dims = { 2 }, RawData = ByteString.CopyFrom(1, 2) }));
        Assert.Equal("t.pb: element type INT64: only float32 (FLOAT) tensors are read",
            Problem(new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { 5 } }));
        Assert.Equal("t.pb: element type #99: only float32 (FLOAT) tensors are read", Problem(new TensorProto { DataType = 99 }));
        Assert.Equal("t.pb: raw_data holds 8 bytes, but [3] needs 12", Problem(Raw([3], [1, 2])));
        Assert.Equal("t.pb: float_data holds 2 values, but [2, 2] needs 4", Problem(Typed([2, 2], [1, 2])));
        Assert.Equal("t.pb: float_data holds 0 values, but [2] needs 2", Problem(Typed([2], [])));
        TensorProto both = Raw([1], [1]);
        both.FloatData.Add(1);
        Assert.Equal("t.pb: both raw_data and float_data are set", Problem(both));
        Assert.Equal("t.pb: dimension 1 is -1", Problem(Typed([2, -1], [])));
        Assert.Equal("t.pb: dimensions [65536, 65536] hold more than 268435456 values", Problem(Typed([65536, 65536], [])));
        TensorProto external = Raw([1], [1]);
        external.DataLocation = TensorProto.Types.DataLocation.External;
        Assert.Equal("t.pb: the data is stored in an external file, which is not read", Problem(external));
        TensorProto segmented = Raw([1], [1]);
        segmented.Segment = new TensorProto.Types.Segment { Begin = 0, End = 1 };
        Assert.Equal("t.pb: a segmented tensor, which is not read", Problem(segmented));
        Assert.StartsWith("t.pb: not a TensorProto (", Assert.Throws<CnnDataException>(() => TensorFile.Parse([0x0A, 0xFF, 0xFF], "t.pb")).Message);
    }

    [Fact]
    public void DamagedFiles_OnlyEverGiveCnnDataException()
    {
        byte[][] seeds =
        [
            Raw([2, 3, 4], Enumerable.Range(0, 24).Select(i => i * 0.25f).ToArray()).ToByteArray(),
            Typed([1, 5], [1, 2, 3, 4, 5]).ToByteArray(),
            new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 3 }, Int64Data = { 1, -1, 3 }, Name = "shape" }.ToByteArray(),
        ];
        var random = new Random(20261130);
        int rejected = 0, read = 0;
        var failures = new List<string>();
        for (int i = 0; i < 20_000 && failures.Count < 5; i++)
        {
            byte[] bytes = Mutate(seeds[random.Next(seeds.Length)], random);
            try
            {
                OnnxTensor tensor = TensorFile.Parse(bytes, $"case-{i}.pb");
                // What it did read must be consistent.
                if (tensor.Data.Length != tensor.Shape.Aggregate(1L, (a, d) => a * d))
                    failures.Add($"case {i} ({Convert.ToHexString(bytes)}): {tensor.Data.Length} values for [{string.Join(", ", tensor.Shape)}]");
                read++;
            }
            catch (CnnDataException e) when (e.Message.StartsWith($"case-{i}.pb: ", StringComparison.Ordinal) && e.Problem.Length > 0)
            {
                rejected++;
            }
            catch (Exception e)
            {
                failures.Add($"case {i} ({Convert.ToHexString(bytes)}): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Both outcomes are reached, or the mutations prove little.
        Assert.InRange(rejected, 5_000, 19_000);
        Assert.InRange(read, 1_000, 15_000);
    }

    /// <summary>One to three byte-level mutations: truncation, a changed byte, an inserted run, a deleted run.</summary>
    private static byte[] Mutate(byte[] bytes, Random random)
    {
        List<byte> b = [.. bytes];
        for (int m = 1 + random.Next(3); m > 0; m--)
        {
            switch (random.Next(4))
            {
                case 0:
                    b = b.Take(random.Next(b.Count + 1)).ToList();
                    break;
                case 1 when b.Count > 0:
                {
                    int at = random.Next(b.Count);
                    b[at] = random.Next(3) == 0 ? (byte)random.Next(256) : (byte)(b[at] ^ (1 << random.Next(8)));
                    break;
                }
                case 2:
                    b.InsertRange(random.Next(b.Count + 1), Enumerable.Range(0, 1 + random.Next(6)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    if (b.Count > 1)
                    {
                        int at = random.Next(b.Count);
                        b.RemoveRange(at, Math.Min(b.Count - at, 1 + random.Next(4)));
                    }
                    break;
            }
        }
        return [.. b];
    }
}
