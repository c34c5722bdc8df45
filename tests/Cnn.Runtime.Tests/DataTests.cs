using System.Buffers.Binary;
using System.IO.Compression;
using Cnn.Tests;

namespace Cnn.Runtime.Tests;

public class DataTests
{
    [Fact]
    public void Digits_Has1797ScaledSamplesOfTenClasses()
    {
        Dataset digits = Datasets.Digits(TestPaths.Data("digits.csv.gz"));
        Assert.Equal(1797, digits.Count);
        Assert.Equal([8, 8, 1], digits.SampleShape);
        Assert.Equal(Enumerable.Range(0, 10), digits.Labels!.Distinct().Order());
        Assert.All(digits.Inputs, v => Assert.InRange(v, 0f, 1f));
        Assert.Contains(digits.Inputs, v => v == 1f);
    }

    [Fact]
    public void Iris_Has150SamplesOfThreeClasses()
    {
        Dataset iris = Datasets.Iris(TestPaths.Data("iris.csv"));
        Assert.Equal(150, iris.Count);
        Assert.Equal([4], iris.SampleShape);
        Assert.Equal(3, iris.OutputSize);
        Assert.Equal(50, iris.Labels!.Count(l => l == 2));
    }

    [Theory]
    [InlineData("1,2,3\n", "line 1 has 3 fields")]
    [InlineData("0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,x,3\n", "column 64")]
    [InlineData("0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,12\n", "label")]
    public void BadDigitsLines_NameTheLineAndColumn(string text, string expected)
    {
        var e = Assert.Throws<CnnDataException>(() => Datasets.Digits(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(text)), "d.csv"));
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("d.csv: ", e.Message);
    }

    private static byte[] Idx(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_ReadsPlainAndGzipped(bool gzip)
    {
        byte[] file = Idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
        if (gzip) file = Gzip(file);
        (byte[] data, int[] shape) = Cnn.Idx.Read(new MemoryStream(file), 3);
        Assert.Equal([2, 2, 3], shape);
        Assert.Equal(255, data[^1]);
    }

    [Fact]
    public void Idx_CorruptFilesAreCnnDataExceptions()
    {
        Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream([0, 0, 0x0D, 1]), 1));
        Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(Idx([10], [1, 2, 3])), 1));
        Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(Idx([2, 2], [1, 2, 3, 4])), 1));
        Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream(Idx([-5], [])), 1));
        Assert.Throws<CnnDataException>(() => Cnn.Idx.Read(new MemoryStream([0, 0]), 1));
    }

    [FashionMnistFact] // skipped without the data set, failed under CI=true (.ci/run installs it)
    public void FashionMnist_LoadsWhenInstalled()
    {
        Dataset test = FashionMnistData.Test();
        Assert.Equal(10_000, test.Count);
        Assert.Equal([28, 28, 1], test.SampleShape);
        Assert.Equal(10, test.Labels!.Distinct().Count());
    }

    [Fact]
    public void FashionMnist_MissingSaysHowToInstall()
    {
        var e = Assert.Throws<FileNotFoundException>(() => Datasets.FashionMnist(true, "/nonexistent"));
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
    }

    [Fact]
    public void Split_IsSeededAndDisjoint()
    {
        Dataset digits = Datasets.Digits(TestPaths.Data("digits.csv.gz"));
        var (train, test) = digits.Split(0.2, seed: 3);
        var (train2, _) = digits.Split(0.2, seed: 3);
        Assert.Equal(1797, train.Count + test.Count);
        Assert.Equal(train.Inputs, train2.Inputs);
        Assert.NotEqual(train.Inputs, digits.Split(0.2, seed: 4).Train.Inputs);
    }
}
