using System.Buffers.Binary;
using System.Text;

namespace Cnn.Runtime.Tests.Fuzz;

/// <summary>
/// Issue #7.2: the safetensors, weight-file, IDX and CSV readers fed 110,000 seeded mutations of valid files.
/// Only <see cref="CnnDataException"/> may escape, naming the source and the problem; a failed weight load leaves
/// the model's parameters bit for bit as they were.
/// </summary>
public class ReaderFuzzTests
{
    private static byte[] WeightsSeed()
    {
        var model = new TestModel();
        model.InitializeParameters(3);
        return WeightFile.ToBytes(model, new Dictionary<string, string> { ["epoch"] = "3", ["note"] = "fuzz seed \u00e9" });
    }

    /// <summary>Every dtype, a scalar, an empty tensor, non-ASCII names.</summary>
    internal static byte[] MixedDTypesSeed()
    {
        (string Name, string DType, int[] Shape, byte[] Data)[] tensors =
        [
            ("half", "F16", [2, 2], [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C, 0x00, 0x00]),
            ("brain", "BF16", [3], [0x80, 0x3F, 0x00, 0x40, 0x80, 0xBF]),
            ("double", "F64", [2], [.. BitConverter.GetBytes(1.5), .. BitConverter.GetBytes(-2.25)]),
            ("scalar", "F32", [], BitConverter.GetBytes(7f)),
            ("empty", "F32", [0, 5], []),
            ("gr\u00fc\u00dfe.kernel", "F32", [1, 2], [.. BitConverter.GetBytes(0.5f), .. BitConverter.GetBytes(-0.5f)]),
        ];
        var json = new StringBuilder("{\"__metadata__\":{\"k\":\"v\"}");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in tensors)
        {
            json.Append($",\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}}");
            offset += data.Length;
        }
        json.Append('}');
        byte[] header = Encoding.UTF8.GetBytes(json.ToString());
        var bytes = new byte[8 + header.Length + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        int at = 8 + header.Length;
        foreach (var (_, _, _, data) in tensors)
        {
            data.CopyTo(bytes, at);
            at += data.Length;
        }
        return bytes;
    }

    private static void ReadEverything(SafeTensorsFile file)
    {
        foreach (SafeTensorInfo tensor in file.Tensors)
            Assert.Equal(tensor.ElementCount, file.ReadSingles(tensor.Name).Length);
    }

    [Fact]
    public void Seeds_AreValid()
    {
        ReadEverything(SafeTensorsFile.Parse(WeightsSeed()));
        SafeTensorsFile mixed = SafeTensorsFile.Parse(MixedDTypesSeed());
        Assert.Equal([1f, -2f, float.PositiveInfinity, 0f], mixed.ReadSingles("half"));
        Assert.Equal([1f, 2f, -1f], mixed.ReadSingles("brain"));
        Assert.Equal([1.5f, -2.25f], mixed.ReadSingles("double"));
        Assert.Equal([7f], mixed.ReadSingles("scalar"));
        Assert.Empty(mixed.ReadSingles("empty"));
        Assert.Equal(2, Idx_.Seeds.Count(s => Cnn.Idx.Read(new MemoryStream(s), 3).Shape.SequenceEqual([3, 4, 5])));
        Assert.Equal(2, Idx_.Labels.Count(s => Cnn.Idx.Read(new MemoryStream(s), 1).Data.Length == 7));
        Assert.All(Csv_.Digits, s => Assert.Equal(4, Datasets.Digits(new MemoryStream(s)).Count));
        Assert.All(Csv_.Iris, s => Assert.Equal(6, Datasets.Iris(new MemoryStream(s)).Count));
    }

    [Fact]
    public void SafeTensors_45000MutatedFiles()
    {
        byte[][] seeds = [WeightsSeed(), MixedDTypesSeed(), File.ReadAllBytes(TestPaths.Golden("iris_mlp.safetensors")), File.ReadAllBytes(TestPaths.Golden("tiny_conv.safetensors"))];
        int rejected = FuzzRunner.Run("safetensors", 45_000, seed: 1, Format.SafeTensors, seeds, (bytes, source) => ReadEverything(SafeTensorsFile.Parse(bytes, source)));
        Assert.InRange(rejected, 30_000, 45_000);
    }

    [Fact]
    public void WeightFileLoad_15000MutatedFiles_LeaveTheParametersUnchanged()
    {
        byte[][] seeds = [WeightsSeed(), File.ReadAllBytes(TestPaths.Golden("tiny_conv.safetensors"))];
        int index = 0;
        (int rejected, int loaded) = FuzzLoads("weights", 15_000, seed: 2, seeds, parameterSeed: 11, (model, bytes, source) =>
        {
            if (index++ % 2 == 0) WeightFile.Load(model, SafeTensorsFile.Read(new MemoryStream(bytes), source), ignoreOtherTensors: true);
            else WeightFile.Load(model, new MemoryStream(bytes), source);
        });
        Assert.InRange(rejected, 10_000, 15_000);
        Assert.True(loaded > 0, "some mutations (of values only) are valid files and must load");
    }

    [Fact]
    public void EmbeddedWeightsLoad_10000MutatedFiles_LeaveTheParametersUnchanged()
    {
        // The checks behind CreateWithEmbeddedWeights() and LoadEmbeddedWeights() (EmbeddedWeights.Borrow and Load
        // share them): F32 only, every tensor, no extras, finite values.
        (int rejected, int loaded) = FuzzLoads("embedded", 10_000, seed: 3, [WeightsSeed()], parameterSeed: 13,
            (model, bytes, source) => EmbeddedWeights.Load(model, bytes.AsSpan(), source));
        Assert.InRange(rejected, 5_000, 10_000);
        Assert.True(loaded > 0, "some mutations (of values only) are valid files and must load");
    }

    /// <summary>
    /// Fuzzes a weight loader on a <see cref="TestModel"/>: a load that fails leaves every parameter as it was, bit for
    /// bit (NaN payloads included); a load that succeeds takes every value from the file. Returns the rejected and
    /// loaded counts.
    /// </summary>
    private static (int Rejected, int Loaded) FuzzLoads(string name, int cases, int seed, byte[][] seeds, int parameterSeed, Action<TestModel, byte[], string> load)
    {
        var model = new TestModel();
        model.InitializeParameters(parameterSeed);
        float[] original = model.Parameters.ToArray();
        int loaded = 0;
        int rejected = FuzzRunner.Run(name, cases, seed, Format.SafeTensors, seeds, (bytes, source) =>
        {
            try
            {
                load(model, bytes, source);
            }
            catch (CnnDataException)
            {
                if (!MemoryExtensions.SequenceEqual(
                        System.Runtime.InteropServices.MemoryMarshal.AsBytes(model.Parameters),
                        System.Runtime.InteropServices.MemoryMarshal.AsBytes(original.AsSpan())))
                    throw new InvalidOperationException("a failed load changed the parameters");
                throw;
            }
            loaded++;
            SafeTensorsFile file = SafeTensorsFile.Parse(bytes, source);
            foreach (ParameterTensorInfo tensor in model.ParameterTensors)
                if (!file.ReadSingles(tensor.Name).AsSpan().SequenceEqual(model.Parameters.Slice(tensor.Offset, tensor.Length)))
                    throw new InvalidOperationException($"tensor {tensor.Name} was not loaded as the file holds it");
            original.CopyTo(model.Parameters);
        });
        return (rejected, loaded);
    }

    private static class Idx_
    {
        private static byte[] Make(int[] dims)
        {
            int count = dims.Aggregate(1, (a, d) => a * d);
            var bytes = new byte[4 + 4 * dims.Length + count];
            bytes[2] = 0x08;
            bytes[3] = (byte)dims.Length;
            for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
            for (int i = 0; i < count; i++) bytes[4 + 4 * dims.Length + i] = (byte)(i * 37);
            return bytes;
        }

        public static readonly byte[][] Seeds = [Make([3, 4, 5]), Mutator.Gzip(Make([3, 4, 5]))];
        public static readonly byte[][] Labels = [Make([7]), Mutator.Gzip(Make([7]))];
    }

    [Fact]
    public void IdxImages_12500MutatedFiles()
    {
        int rejected = FuzzRunner.Run("idx3", 12_500, seed: 3, Format.Idx, Idx_.Seeds, (bytes, source) => Cnn.Idx.Read(new MemoryStream(bytes), 3, source));
        Assert.InRange(rejected, 8_000, 12_500);
    }

    [Fact]
    public void IdxLabels_12500MutatedFiles()
    {
        int rejected = FuzzRunner.Run("idx1", 12_500, seed: 4, Format.Idx, Idx_.Labels, (bytes, source) => Cnn.Idx.Read(new MemoryStream(bytes), 1, source));
        Assert.InRange(rejected, 8_000, 12_500);
    }

    private static class Csv_
    {
        private const string DigitsText =
            "0,0,5,13,9,1,0,0,0,0,13,15,10,15,5,0,0,3,15,2,0,11,8,0,0,4,12,0,0,8,8,0,0,5,8,0,0,9,8,0,0,4,11,0,1,12,7,0,0,2,14,5,10,12,0,0,0,0,6,13,10,0,0,0,0\n"
            + "0,0,0,12,13,5,0,0,0,0,0,11,16,9,0,0,0,0,3,15,16,6,0,0,0,7,15,16,16,2,0,0,0,0,1,16,16,3,0,0,0,0,1,16,16,6,0,0,0,0,1,16,16,6,0,0,0,0,0,11,16,10,0,0,1\n"
            + "0,0,0,4,15,12,0,0,0,0,3,16,15,14,0,0,0,0,8,13,8,16,0,0,0,0,1,6,15,11,0,0,0,1,8,13,15,1,0,0,0,9,16,16,5,0,0,0,0,3,13,16,16,11,5,0,0,0,0,3,11,16,9,0,2\n"
            + "0,0,7,15,13,1,0,0,0,8,13,6,15,4,0,0,0,2,1,13,13,0,0,0,0,0,2,15,11,1,0,0,0,0,0,1,12,12,1,0,0,0,0,0,1,10,8,0,0,0,8,4,5,14,9,0,0,0,7,13,13,9,0,0,3\n";

        private const string IrisText =
            "6,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.4,3.2,4.5,1.5,1\n6.3,3.3,6.0,2.5,2\n5.8,2.7,5.1,1.9,2\n";

        public static readonly byte[][] Digits =
        [
            Encoding.UTF8.GetBytes(DigitsText),
            Mutator.Gzip(Encoding.UTF8.GetBytes(DigitsText)),
            Encoding.UTF8.GetBytes("\uFEFF" + DigitsText.Replace("\n", "\r\n", StringComparison.Ordinal)),
        ];

        public static readonly byte[][] Iris =
        [
            Encoding.UTF8.GetBytes(IrisText),
            Mutator.Gzip(Encoding.UTF8.GetBytes(IrisText)),
            Encoding.UTF8.GetBytes(IrisText.Replace("5.1,", "\"5.1\",", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal)),
        ];
    }

    [Fact]
    public void DigitsCsv_12500MutatedFiles()
    {
        int rejected = FuzzRunner.Run("digits", 12_500, seed: 5, Format.Csv, Csv_.Digits, (bytes, source) => Datasets.Digits(new MemoryStream(bytes), source));
        Assert.InRange(rejected, 6_000, 12_500);
    }

    [Fact]
    public void IrisCsv_12500MutatedFiles()
    {
        int rejected = FuzzRunner.Run("iris", 12_500, seed: 6, Format.Csv, Csv_.Iris, (bytes, source) => Datasets.Iris(new MemoryStream(bytes), source));
        Assert.InRange(rejected, 6_000, 12_500);
    }

    [Fact]
    public void FilesOnDisk_AreNamedByTheirFileName()
    {
        string dir = Directory.CreateTempSubdirectory("cnn-fuzz").FullName;
        try
        {
            var mutator = new Mutator(7);
            byte[] seed = WeightsSeed();
            int rejected = 0;
            for (int i = 0; i < 200; i++)
            {
                string path = Path.Combine(dir, $"case{i}.safetensors");
                File.WriteAllBytes(path, mutator.Mutate(seed, Format.SafeTensors, [seed]));
                try
                {
                    ReadEverything(SafeTensorsFile.Open(path));
                }
                catch (CnnDataException e)
                {
                    rejected++;
                    Assert.Equal($"case{i}.safetensors", e.DataSource);
                    Assert.StartsWith($"case{i}.safetensors: ", e.Message);
                }
            }
            Assert.True(rejected > 100);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
