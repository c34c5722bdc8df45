using System.Diagnostics;
using Google.Protobuf;

namespace Cnn.Onnx.Tests;

/// <summary>
/// A file that is not a valid ONNX model gets a <see cref="CnnDataException"/> naming the file, never a crash or a hang:
/// the named cases, then seeded mutations of valid models (bytes, and the protobuf's fields).
/// </summary>
public sealed class ReaderTests
{
    private static byte[] Valid() => OperatorCases.All.Single(c => c.Name == "ResidualAddConcat").Build();

    private static CnnDataException Rejects(byte[] bytes, string contains)
    {
        var e = Assert.Throws<CnnDataException>(() => OnnxImporter.Import(bytes, "m.onnx", new ImportOptions("M")));
        Assert.Equal("m.onnx", e.DataSource);
        Assert.Contains(contains, e.Message, StringComparison.Ordinal);
        return e;
    }

    private static byte[] Edit(Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(Valid());
        edit(model);
        return model.ToByteArray();
    }

    [Fact]
    public void NamedCases()
    {
        Rejects([], "the file is empty");
        Rejects("not a model at all"u8.ToArray(), "not an ONNX model");
        Rejects(Valid()[..100], "not an ONNX model: the protobuf is malformed or truncated");
        Rejects(Edit(m => m.Graph = null), "the ONNX model has no graph");
        Rejects(Edit(m => m.ClearIrVersion()), "it has no ir_version");
        Rejects(Edit(m => m.Graph.Initializer[0].FloatData.RemoveAt(0)), "but holds");
        Rejects(Edit(m => m.Graph.Initializer[0].Dims[0] = -3), "negative dimension");
        Rejects(Edit(m =>
        {
            TensorProto t = m.Graph.Initializer[0];
            t.RawData = ByteString.CopyFrom(new byte[4 * t.FloatData.Count - 2]);
            t.FloatData.Clear();
        }), "bytes of data");
        Rejects(Edit(m =>
        {
            TensorProto t = m.Graph.Initializer[0];
            t.DataLocation = TensorProto.Types.DataLocation.External;
            t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        }), "keeps its data in an external file");
        Rejects(Edit(m => m.Graph.Initializer[0].DataType = 99), "unknown data type (99)");
        Rejects(Edit(m => m.Graph.Initializer[0].Dims.Add(1L << 40)), "more than 268,435,456 elements");
        var missing = Assert.Throws<CnnDataException>(() => OnnxImporter.Import("/nonexistent/model.onnx", new ImportOptions("M")));
        Assert.Contains("/nonexistent/model.onnx: cannot read the file", missing.Message, StringComparison.Ordinal);
    }

    /// <summary>Imports <paramref name="bytes"/>: a result or a CnnDataException are fine, anything else fails with the mutation.</summary>
    private static int ImportOrReject(byte[] bytes, string what)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            ImportResult result = OnnxImporter.Import(bytes, "fuzz.onnx", new ImportOptions("Fuzz"));
            Assert.True(result.Succeeded == (result.Problems.Count == 0), what);
            return result.Succeeded ? 0 : 1;
        }
        catch (CnnDataException e)
        {
            Assert.StartsWith("fuzz.onnx: ", e.Message);
            return 1;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e}");
            return 0;
        }
        finally
        {
            // A hang guard, not a speed measurement: one import of a few kilobytes takes milliseconds.
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"{what} took {clock.Elapsed}");
        }
    }

    [Fact]
    public void Bytes_20000Mutations()
    {
        byte[][] seeds = OperatorCases.All.Select(c => c.Build()).ToArray();
        var random = new Random(14);
        int rejected = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            byte[] bytes = (byte[])seed.Clone();
            string what;
            switch (random.Next(5))
            {
                case 0:
                    int length = random.Next(bytes.Length);
                    bytes = bytes[..length];
                    what = $"truncated to {length}";
                    break;
                case 1:
                    int flips = 1 + random.Next(8);
                    for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    what = $"{flips} bit flips";
                    break;
                case 2:
                    int at = random.Next(bytes.Length);
                    bytes[at] = (byte)random.Next(256);
                    what = $"byte {at} set";
                    break;
                case 3:
                    int start = random.Next(bytes.Length), count = random.Next(Math.Min(64, bytes.Length - start) + 1);
                    bytes = [.. bytes[..start], .. bytes[(start + count)..]];
                    what = $"{count} bytes deleted at {start}";
                    break;
                default:
                    bytes = new byte[random.Next(1, 300)];
                    random.NextBytes(bytes);
                    what = "random bytes";
                    break;
            }
            rejected += ImportOrReject(bytes, $"mutation {i} ({what})");
        }
        Assert.InRange(rejected, 15_000, 20_000);
    }

    private static readonly long[] s_interesting = [-2, -1, 0, 1, 2, 3, 7, 1L << 31, 1L << 40, long.MaxValue, long.MinValue];

    [Fact]
    public void Fields_5000Mutations()
    {
        ModelProto[] seeds = OperatorCases.All.Select(c => ModelProto.Parser.ParseFrom(c.Build())).ToArray();
        var random = new Random(41);
        string[] ops = ["Conv", "MaxPool", "AveragePool", "Gemm", "MatMul", "Add", "Concat", "Flatten", "Reshape", "Pad", "Clip", "Softmax",
            "BatchNormalization", "GlobalAveragePool", "ReduceMean", "Squeeze", "Unsqueeze", "Gather", "Slice", "Shape", "Constant", "Dropout", "Cast", "Transpose"];
        int succeeded = 0;
        for (int i = 0; i < 5000; i++)
        {
            ModelProto model = seeds[random.Next(seeds.Length)].Clone();
            GraphProto graph = model.Graph;
            var log = new List<string>();
            for (int m = 0; m < 1 + random.Next(3); m++)
            {
                long value = s_interesting[random.Next(s_interesting.Length)];
                NodeProto node = graph.Node[random.Next(graph.Node.Count)];
                switch (random.Next(9))
                {
                    case 0 when node.Attribute.Count > 0:
                        AttributeProto a = node.Attribute[random.Next(node.Attribute.Count)];
                        if (a.Ints.Count > 0) a.Ints[random.Next(a.Ints.Count)] = value; else a.I = value;
                        log.Add($"{node.Name}.{a.Name} = {value}");
                        break;
                    case 1 when node.Attribute.Count > 0:
                        AttributeProto b = node.Attribute[random.Next(node.Attribute.Count)];
                        if (b.Ints.Count > 0) b.Ints.RemoveAt(0); else node.Attribute.Remove(b);
                        log.Add($"{node.Name}.{b.Name} shortened or removed");
                        break;
                    case 2:
                        string op = ops[random.Next(ops.Length)];
                        log.Add($"{node.Name} becomes {op}");
                        node.OpType = op;
                        break;
                    case 3 when node.Input.Count > 0:
                        var names = graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(t => t.Name)).Append("").Append("nowhere").ToList();
                        int which = random.Next(node.Input.Count);
                        node.Input[which] = names[random.Next(names.Count)];
                        log.Add($"{node.Name} input {which} = '{node.Input[which]}'");
                        break;
                    case 4 when graph.Initializer.Count > 0:
                        TensorProto t = graph.Initializer[random.Next(graph.Initializer.Count)];
                        int d = random.Next(t.Dims.Count + 1);
                        if (d < t.Dims.Count) t.Dims[d] = Math.Clamp(value, -2, 64); else t.Dims.Add(1);
                        log.Add($"{t.Name} dims [{string.Join(", ", t.Dims)}]");
                        break;
                    case 5 when graph.Initializer.Count > 0:
                        TensorProto u = graph.Initializer[random.Next(graph.Initializer.Count)];
                        u.DataType = random.Next(18);
                        log.Add($"{u.Name} type {u.DataType}");
                        break;
                    case 6:
                        var dims = graph.Input[0].Type.TensorType.Shape.Dim;
                        int k = random.Next(dims.Count);
                        if (random.Next(3) == 0) dims[k] = new TensorShapeProto.Types.Dimension { DimParam = "n" };
                        else dims[k] = new TensorShapeProto.Types.Dimension { DimValue = value };
                        log.Add($"input axis {k} = {dims[k]}");
                        break;
                    case 7:
                        graph.Node.Remove(node);
                        log.Add($"{node.Name} removed");
                        break;
                    default:
                        model.OpsetImport[0].Version = random.Next(1, 22);
                        log.Add($"opset {model.OpsetImport[0].Version}");
                        break;
                }
                if (graph.Node.Count == 0) break;
            }
            succeeded += 1 - ImportOrReject(model.ToByteArray(), $"field mutation {i} ({string.Join("; ", log)})");
        }
        // Some mutations leave a valid model (a changed opset, a removed Dropout); most make problems.
        Assert.InRange(succeeded, 1, 4000);
    }
}
