using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Cnn;

/// <summary>
/// Samples in memory: inputs row-major (<see cref="Count"/> × sample size), and either class labels or target
/// vectors. What the trainer and <see cref="Trainer.Evaluate{TModel}"/> read.
/// </summary>
public sealed class Dataset
{
    /// <summary>A dataset with class labels (for sparse cross-entropy, or one-hot for the other losses).</summary>
    public Dataset(float[] inputs, int[] sampleShape, int[] labels, int classCount)
        : this(inputs, sampleShape, labels, null, classCount) { }

    /// <summary>A dataset with target vectors of <paramref name="targetSize"/> values per sample.</summary>
    public Dataset(float[] inputs, int[] sampleShape, float[] targets, int targetSize)
        : this(inputs, sampleShape, null, targets, targetSize) { }

    private Dataset(float[] inputs, int[] sampleShape, int[]? labels, float[]? targets, int outputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(sampleShape);
        SampleSize = sampleShape.Aggregate(1, (a, d) => d > 0 ? checked(a * d) : throw new ArgumentException("Every dimension must be positive.", nameof(sampleShape)));
        if (inputs.Length % SampleSize != 0)
            throw new ArgumentException($"{inputs.Length} input values are not a whole number of samples of {SampleSize}.", nameof(inputs));
        Count = inputs.Length / SampleSize;
        if (labels is not null)
        {
            if (labels.Length != Count) throw new ArgumentException($"{labels.Length} labels for {Count} samples.", nameof(labels));
            foreach (int label in labels)
                if ((uint)label >= (uint)outputs) throw new ArgumentException($"Label {label} is outside [0, {outputs}).", nameof(labels));
        }
        if (targets is not null && targets.Length != Count * outputs)
            throw new ArgumentException($"{targets.Length} target values for {Count} samples of {outputs}.", nameof(targets));
        Inputs = inputs;
        SampleShape = sampleShape;
        Labels = labels;
        Targets = targets;
        OutputSize = outputs;
    }

    /// <summary>The number of samples.</summary>
    public int Count { get; }

    /// <summary>The shape of one sample (<c>[h, w, c]</c> or <c>[n]</c>).</summary>
    public int[] SampleShape { get; }

    /// <summary>Values per sample.</summary>
    public int SampleSize { get; }

    /// <summary>All inputs, row-major.</summary>
    public float[] Inputs { get; }

    /// <summary>Class labels, or null for a dataset with target vectors.</summary>
    public int[]? Labels { get; }

    /// <summary>Target vectors (Count × OutputSize), or null for a labelled dataset.</summary>
    public float[]? Targets { get; }

    /// <summary>The number of classes (labelled) or target values per sample.</summary>
    public int OutputSize { get; }

    /// <summary>The input of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Input(int index) => Inputs.AsSpan(index * SampleSize, SampleSize);

    /// <summary>The target vector of sample <paramref name="index"/> (targets only).</summary>
    public ReadOnlySpan<float> Target(int index) => Targets.AsSpan(index * OutputSize, OutputSize);

    /// <summary>The samples at <paramref name="indices"/>, copied, in that order.</summary>
    public Dataset Subset(IReadOnlyList<int> indices)
    {
        var inputs = new float[indices.Count * SampleSize];
        for (int i = 0; i < indices.Count; i++) Input(indices[i]).CopyTo(inputs.AsSpan(i * SampleSize));
        if (Labels is not null)
            return new Dataset(inputs, SampleShape, indices.Select(i => Labels[i]).ToArray(), OutputSize);
        var targets = new float[indices.Count * OutputSize];
        for (int i = 0; i < indices.Count; i++) Target(indices[i]).CopyTo(targets.AsSpan(i * OutputSize));
        return new Dataset(inputs, SampleShape, targets, OutputSize);
    }

    /// <summary>The first <paramref name="count"/> samples.</summary>
    public Dataset Take(int count) => Subset(Enumerable.Range(0, Math.Min(count, Count)).ToArray());

    /// <summary>A seeded shuffle split: (<c>1 - testFraction</c> of the samples, the rest).</summary>
    public (Dataset Train, Dataset Test) Split(double testFraction, int seed)
    {
        if (!(testFraction > 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction));
        int[] order = Enumerable.Range(0, Count).ToArray();
        var random = new RandomSource((ulong)seed);
        Shuffle(order, ref random);
        int test = (int)Math.Round(Count * testFraction);
        return (Subset(order[test..]), Subset(order[..test]));
    }

    /// <summary>Fisher–Yates shuffle with a seeded source.</summary>
    internal static void Shuffle(int[] order, ref RandomSource random)
    {
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = random.NextInt32(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}

/// <summary>Loaders for the datasets of the samples and tests.</summary>
public static class Datasets
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package puts Fashion-MNIST.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>
    /// The stream, unzipped when it starts with gzip's magic bytes. Works on streams that cannot seek: the
    /// bytes looked at are given back. Disposing the result disposes <paramref name="stream"/>.
    /// </summary>
    public static Stream MaybeGunzip(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var magic = new byte[2];
        int read = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        Stream whole = new PrefixedStream(magic.AsSpan(0, read).ToArray(), stream);
        return read == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(whole, CompressionMode.Decompress) : whole;
    }

    /// <summary>
    /// Runs a reader, turning the failures of the layers below it into a <see cref="CnnDataException"/> naming
    /// <paramref name="source"/>: corrupt gzip data, invalid UTF-8, a stream that ends inside a structure.
    /// </summary>
    internal static T Guard<T>(string source, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new CnnDataException(source, $"the gzip data is corrupt: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new CnnDataException(source, "the text is not valid UTF-8", e);
        }
        catch (EndOfStreamException e)
        {
            throw new CnnDataException(source, "the file ends early (truncated)", e);
        }
    }

    /// <summary>
    /// The UCI optical digits (8x8, values 0..16, then the label; one sample per line, 65 integers), scaled to
    /// [0, 1], shape [8, 8, 1]. Gzip is detected.
    /// </summary>
    /// <exception cref="CnnDataException">The data is malformed; the message names the source, line and column.</exception>
    public static Dataset Digits(Stream csv, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(csv);
        return Guard(source, () =>
        {
            var inputs = new List<float>();
            var labels = new List<int>();
            using var reader = new CsvReader(MaybeGunzip(csv), source);
            while (reader.ReadRecord())
            {
                if (reader.FieldCount == 1 && string.IsNullOrWhiteSpace(reader[0])) continue;
                reader.ExpectFieldCount(65, "a digits line has 64 pixels and a label");
                for (int i = 0; i < 64; i++) inputs.Add(reader.Int32(i, 0, 16, "a pixel value 0..16") / 16f);
                labels.Add(reader.Int32(64, 0, 9, "a label 0..9"));
            }
            if (labels.Count == 0) throw new CnnDataException(source, "no samples");
            return new Dataset(inputs.ToArray(), [8, 8, 1], labels.ToArray(), 10);
        });
    }

    /// <summary>The digits from a file path (plain or gzipped CSV).</summary>
    public static Dataset Digits(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Digits(stream, Path.GetFileName(path));
    }

    /// <summary>
    /// Fisher's Iris: a first line <c>150,4,setosa,versicolor,virginica</c> (rows, features, class names), then
    /// exactly that many rows of the measurements and the class index. Shape [features], one class per name.
    /// </summary>
    /// <exception cref="CnnDataException">The data is malformed; the message names the source, line and column.</exception>
    public static Dataset Iris(Stream csv, string source = "<stream>")
    {
        ArgumentNullException.ThrowIfNull(csv);
        return Guard(source, () =>
        {
            using var reader = new CsvReader(MaybeGunzip(csv), source);
            if (!reader.ReadRecord()) throw new CnnDataException(source, "the file is empty");
            if (reader.FieldCount < 3)
                throw reader.RecordError("the first line must be 'rows,features,class names...'");
            int rows = reader.Int32(0, 0, int.MaxValue, "a row count");
            int features = reader.Int32(1, 1, CsvReader.DefaultMaxFieldCount - 1, "a feature count");
            int classes = reader.FieldCount - 2;
            // The header's counts size nothing in advance: a corrupt count fails when the rows run out.
            var inputs = new List<float>();
            var labels = new List<int>();
            for (int r = 0; r < rows; r++)
            {
                if (!reader.ReadRecord())
                    throw new CnnDataException(source, $"the header promises {rows} rows, but the file ends after {r}");
                reader.ExpectFieldCount(features + 1, $"expected {features} measurements and a class index");
                for (int f = 0; f < features; f++) inputs.Add(reader.Single(f));
                labels.Add(reader.Int32(features, 0, classes - 1, $"a class index 0..{classes - 1}"));
            }
            if (reader.ReadRecord())
                throw reader.RecordError($"the header promises {rows} rows, but there are more");
            return new Dataset(inputs.ToArray(), [features], labels.ToArray(), classes);
        });
    }

    /// <summary>Iris from a file path.</summary>
    public static Dataset Iris(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Iris(stream, Path.GetFileName(path));
    }

    /// <summary>
    /// Fashion-MNIST's training or test set from <paramref name="directory"/> (Debian's <c>dataset-fashion-mnist</c>):
    /// 28x28x1 images scaled to [0, 1] and labels 0..9.
    /// </summary>
    /// <exception cref="FileNotFoundException">The files are missing; the message says how to install them.</exception>
    public static Dataset FashionMnist(bool train, string directory = FashionMnistDirectory)
    {
        string prefix = train ? "train" : "t10k";
        string images = Path.Combine(directory, $"{prefix}-images-idx3-ubyte.gz");
        string labels = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte.gz");
        foreach (string file in new[] { images, labels })
            if (!File.Exists(file))
                throw new FileNotFoundException($"Fashion-MNIST is not installed: {file} is missing. Install it with: sudo apt-get install -y dataset-fashion-mnist", file);
        (float[] pixels, int[] shape) = Idx.ReadImages(images);
        int[] labelValues = Idx.ReadLabels(labels);
        if (labelValues.Length != shape[0])
            throw new CnnDataException(Path.GetFileName(labels), $"{labelValues.Length} labels for {shape[0]} images");
        return new Dataset(pixels, [shape[1], shape[2], 1], labelValues, 10);
    }
}
