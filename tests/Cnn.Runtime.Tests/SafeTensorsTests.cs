using System.Buffers.Binary;
using System.Text;

namespace Cnn.Runtime.Tests;

public class SafeTensorsTests
{
    private static byte[] Sample() => SafeTensorsWriter.ToBytes(
        [("a.kernel", [2, 3], [1, 2, 3, 4, 5, 6]), ("a.bias", [3], [-1, 0.5f, 7])],
        new Dictionary<string, string> { ["note"] = "hello" });

    [Fact]
    public void RoundTrip_KeepsNamesShapesValuesAndMetadata()
    {
        byte[] bytes = Sample();
        Assert.Equal(0, (int)(BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8));
        SafeTensorsFile file = SafeTensorsFile.Parse(bytes, "x.safetensors");
        Assert.Equal(["a.kernel", "a.bias"], file.Tensors.Select(t => t.Name));
        Assert.Equal([2, 3], file.Info("a.kernel").Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], file.ReadSingles("a.kernel"));
        Assert.Equal([-1f, 0.5f, 7], file.ReadSingles("a.bias"));
        Assert.Equal("hello", file.Metadata["note"]);
    }

    [Fact]
    public void GoldenFiles_AreReadWithTheirHeaders()
    {
        SafeTensorsFile file = SafeTensorsFile.Open(TestPaths.Golden("keras_mnist.safetensors"));
        Assert.Equal([3, 3, 1, 32], file.Info("conv2d.kernel").Shape);
        Assert.Equal(SafeTensorsDType.F32, file.Info("conv2d.kernel").DType);
        Assert.Equal("93322", file.Metadata["parameters"]);
        Assert.Equal(784, file.ReadSingles("input").Length);
    }

    private static byte[] WithHeader(string json, int dataBytes = 24)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    public static TheoryData<string, byte[]> Corruptions => new()
    {
        { "too short", new byte[5] },
        { "header length beyond the end", Sample()[..40] },
        { "not JSON", WithHeader("{not json") },
        { "not an object", WithHeader("[1, 2]") },
        { "dtype", WithHeader("""{"t":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}}""") },
        { "shape", WithHeader("""{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""") },
        { "does not fit", WithHeader("""{"t":{"dtype":"F32","shape":[5],"data_offsets":[0,8]}}""") },
        { "outside", WithHeader("""{"t":{"dtype":"F32","shape":[100],"data_offsets":[0,400]}}""") },
        { "overlap", WithHeader("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"u":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""") },
        { "data_offsets", WithHeader("""{"t":{"dtype":"F32","shape":[2]}}""") },
        { "UTF-8", WithHeader("{\"t\xff\":1}") },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFiles_GiveACnnDataExceptionNamingTheFile(string problem, byte[] bytes)
    {
        var e = Assert.Throws<CnnDataException>(() => SafeTensorsFile.Parse(bytes, "bad.safetensors"));
        Assert.StartsWith("bad.safetensors: ", e.Message);
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void RandomMutations_OnlyEverGiveCnnDataException()
    {
        byte[] valid = Sample();
        var random = new RandomSource(99);
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            byte[] bytes = (byte[])valid.Clone();
            int flips = 1 + random.NextInt32(4);
            for (int f = 0; f < flips; f++) bytes[random.NextInt32(bytes.Length)] = (byte)random.NextInt32(256);
            if (random.NextInt32(4) == 0) bytes = bytes[..random.NextInt32(bytes.Length)];
            try
            {
                SafeTensorsFile file = SafeTensorsFile.Parse(bytes, "m");
                foreach (SafeTensorInfo t in file.Tensors) file.ReadSingles(t.Name);
            }
            catch (CnnDataException)
            {
            }
        }
    }

    [Fact]
    public void WriteAtomically_ReplacesTheFileAndLeavesNoTemporaryFile()
    {
        string dir = Directory.CreateTempSubdirectory("cnn-atomic").FullName;
        string path = Path.Combine(dir, "w.safetensors");
        SafeTensorsWriter.WriteAtomically(path, [1, 2, 3]);
        SafeTensorsWriter.WriteAtomically(path, Sample());
        Assert.Equal(Sample(), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir));
        Directory.Delete(dir, recursive: true);
    }
}

/// <summary>Finds the shared conformance data: the repository is cloned with <c>shared/</c> beside it.</summary>
internal static class TestPaths
{
    public static string Golden(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "golden", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"shared/golden/{name} not found above {AppContext.BaseDirectory}");
    }

    public static string Data(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "data", name);
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln")) && File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"data/{name} not found above {AppContext.BaseDirectory}");
    }
}
