using System.Buffers.Binary;
using System.Text;

namespace Cnn.Runtime.Tests;

/// <summary>The bugs the reader fuzzing found, one test each, so that they stay fixed.</summary>
public class ReaderRegressionTests
{
    private static byte[] Idx(int[] dims, int dataBytes)
    {
        var bytes = new byte[4 + 4 * dims.Length + dataBytes];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes) => Fuzz.Mutator.Gzip(bytes);

    [Fact]
    public void CorruptGzip_IsACnnDataException_NotInvalidDataException()
    {
        byte[] gz = Gzip(Idx([4], 4));
        gz[10] ^= 0xFF; // the first byte of the deflate stream
        var e = Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(gz), 1, "labels.gz"));
        Assert.Equal("labels.gz", e.DataSource);
        Assert.Contains("gzip", e.Problem);

        byte[] csv = Gzip(Encoding.ASCII.GetBytes("6,4,a,b,c\n1,2,3,4,0\n"));
        csv[^5] ^= 0x55; // the CRC and length trailer
        Assert.Throws<CnnDataException>(() => Datasets.Iris(new MemoryStream(csv), "iris.csv.gz"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IdxHeaderPromisingAGigabyte_AllocatesOnlyWhatTheFileHolds(bool gzip)
    {
        byte[] file = Idx([1000, 1000, 1000], 100);
        if (gzip) file = Gzip(file);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(file), 3, "images"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("1000000000 bytes of data, but the file holds 100", e.Problem);
    }

    [Fact]
    public void IdxWithMoreDataThanItsHeaderSays_IsRejected()
    {
        var e = Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(Idx([3], 4)), 1, "labels"));
        Assert.Contains("more than the 3 bytes", e.Problem);
    }

    [Fact]
    public void IdxLargerThanItsChunk_IsReadWhole()
    {
        byte[] file = Idx([300, 1000], 300_000);
        file[^1] = 42;
        (byte[] data, int[] shape) = Cnn.Idx.Read(new MemoryStream(Gzip(file)), 2);
        Assert.Equal([300, 1000], shape);
        Assert.Equal(300_000, data.Length);
        Assert.Equal(42, data[^1]);
    }

    /// <summary>A stream that can neither seek nor tell its length, as a network or pipe stream.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    }

    [Fact]
    public void ReadersWork_OnStreamsThatCannotSeek()
    {
        // MaybeGunzip used to seek back after looking at the magic bytes.
        (byte[] data, _) = Cnn.Idx.Read(new ForwardOnlyStream(Gzip([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])), 1);
        Assert.Equal([7, 9], data);
        Dataset iris = Datasets.Iris(new ForwardOnlyStream(Encoding.ASCII.GetBytes("1,2,a,b\n1.5,2.5,1\n")));
        Assert.Equal([1.5f, 2.5f], iris.Inputs);
        var model = new TestModel();
        SafeTensorsFile file = SafeTensorsFile.Read(new ForwardOnlyStream(WeightFile.ToBytes(model)), "w");
        Assert.Equal(4, file.Tensors.Count);
    }

    [Fact]
    public void MaybeGunzip_StartsWhereTheStreamIs()
    {
        var stream = new MemoryStream([99, 99, 99, .. Gzip([1, 2, 3])]);
        stream.Position = 3;
        using Stream unzipped = Datasets.MaybeGunzip(stream);
        var buffer = new byte[10];
        Assert.Equal(3, unzipped.ReadAtLeast(buffer, 10, throwOnEndOfStream: false));
        Assert.Equal([1, 2, 3], buffer[..3]);
    }

    [Fact]
    public void IrisWithALyingRowCount_FailsWhenTheRowsRunOut_WithoutAllocatingForThem()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CnnDataException>(() => Datasets.Iris(new MemoryStream(Encoding.ASCII.GetBytes("2000000000,1000,a,b\n")), "iris.csv"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Equal("iris.csv: the header promises 2000000000 rows, but the file ends after 0", e.Message);

        // rows × features used to overflow int.
        Assert.Throws<CnnDataException>(() => Datasets.Iris(new MemoryStream(Encoding.ASCII.GetBytes("65536,65536,a,b\n1,0\n"))));
    }

    [Fact]
    public void IrisWithMoreRowsThanItsHeaderSays_IsRejected()
    {
        var e = Assert.Throws<CnnDataException>(() => Datasets.Iris(new MemoryStream(Encoding.ASCII.GetBytes("1,1,a,b\n0.5,1\n0.25,0\n")), "i"));
        Assert.Equal("i: line 3: the header promises 1 rows, but there are more", e.Message);
    }

    private static byte[] SafeTensors(string json, int dataBytes)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    [Theory]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "the tensors use 4 bytes of data, but the file holds 8")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "4 unused bytes between the start of the data and tensor 't'")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"u":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12, "4 unused bytes between 't' and tensor 'u'")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}{"x":1}""", 4, "not valid JSON")]
    [InlineData("""{"t":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", 4, "no valid data_offsets")]
    public void SafeTensorsData_MustBeCoveredExactly_AndTheHeaderEndCleanly(string json, int dataBytes, string problem)
    {
        var e = Assert.Throws<CnnDataException>(() => SafeTensorsFile.Parse(SafeTensors(json, dataBytes), "f"));
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void SafeTensorsMessages_QuoteNamesShortly()
    {
        string name = new('n', 100_000);
        var e = Assert.Throws<CnnDataException>(() => SafeTensorsFile.Parse(SafeTensors("{\"" + name + "\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1), "f"));
        Assert.True(e.Message.Length < 300, e.Message);
        Assert.Contains("'nnnn", e.Problem);
        Assert.Contains("...'", e.Problem);
    }

    [Fact]
    public void SafeTensorsSpacePadding_IsAccepted()
    {
        byte[] bytes = SafeTensors("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}     """, 4);
        Assert.Equal([0f], SafeTensorsFile.Parse(bytes).ReadSingles("t"));
    }
}
