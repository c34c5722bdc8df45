using Cnn.Generator.IntegrationTests.Models;
using Cnn.Tests;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// <c>[EmbeddedWeights]</c> through a real build: Cnn.Runtime.props embeds the weight file and summarises its
/// header for the generator, and the generated factory loads the resource.
/// </summary>
public class EmbeddedWeightsTests
{
    private static string WeightsPath => Path.Combine(TestPaths.RepositoryRoot, "samples", "Inference", "weights", "fashion-mnist-cnn.safetensors");

    private static float[] PgmPixels(string name)
    {
        // The sample's test images are P5 with maxval 255: the raster is the last 784 bytes.
        byte[] bytes = File.ReadAllBytes(Path.Combine(TestPaths.RepositoryRoot, "samples", "Inference", "images", name));
        return bytes[^784..].Select(b => b / 255f).ToArray();
    }

    [Fact]
    public void CreateWithEmbeddedWeights_HoldsExactlyTheFilesWeights()
    {
        EmbeddedFashionCnn embedded = EmbeddedFashionCnn.CreateWithEmbeddedWeights();
        var fromFile = new EmbeddedFashionCnn();
        WeightFile.Load(fromFile, WeightsPath);
        Assert.Equal(fromFile.Parameters.ToArray(), embedded.Parameters.ToArray());
        Assert.Contains(embedded.Parameters.ToArray(), v => v != 0);
    }

    /// <summary>The model's own parameter storage (null until something asks for Parameters), by reflection.</summary>
    private static AlignedParameters? ParameterArray(object model) =>
        (AlignedParameters?)model.GetType().GetField("_parameters", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(model);

    [Fact]
    public unsafe void CreateWithEmbeddedWeights_ReadsTheWeightsWhereTheAssemblyHoldsThem_UntilParametersIsAsked()
    {
        float[] image = PgmPixels("test-0-ankle-boot.pgm");
        var copied = new EmbeddedFashionCnn();
        copied.LoadEmbeddedWeights();
        var expected = new float[10];
        copied.Forward(image, expected);

        EmbeddedFashionCnn model = EmbeddedFashionCnn.CreateWithEmbeddedWeights();
        var output = new float[10];
        model.Forward(image, output);
        Assert.Equal(expected, output);
        var gradient = new float[EmbeddedFashionCnn.InputSize];
        model.InputGradient(image, 9, gradient);
        Assert.Contains(gradient, g => g != 0);
        Assert.Null(ParameterArray(model)); // no copy: read in place

        // The values read are the resource's own memory, inside the assembly's image.
        using var stream = (UnmanagedMemoryStream)typeof(EmbeddedFashionCnn).Assembly.GetManifestResourceStream(EmbeddedFashionCnn.EmbeddedWeightsResourceName)!;
        EmbeddedParameters borrowed = EmbeddedWeights.Borrow(new EmbeddedFashionCnn(), typeof(EmbeddedFashionCnn).Assembly, EmbeddedFashionCnn.EmbeddedWeightsResourceName)!;
        Assert.NotNull(borrowed);
        byte* start = stream.PositionPointer, values = (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(borrowed.Values));
        Assert.InRange((long)(values - start), 8, stream.Length - EmbeddedFashionCnn.ParameterCount * sizeof(float));
        Assert.Equal(EmbeddedFashionCnn.ParameterCount, borrowed.Values.Length);

        // Asking for Parameters copies them once; writing there changes this model and no other.
        Span<float> parameters = model.Parameters;
        Assert.NotNull(ParameterArray(model));
        Assert.Equal(copied.Parameters.ToArray(), parameters.ToArray());
        parameters[^1] += 5f; // dense_1.bias of class 9
        model.Forward(image, output);
        Assert.True(output[9] > expected[9]);
        EmbeddedFashionCnn.CreateWithEmbeddedWeights().Forward(image, output);
        Assert.Equal(expected, output);
        Assert.Equal(copied.Parameters.ToArray(), borrowed.Values.ToArray());
    }

    [Fact]
    public void CreateWithEmbeddedWeights_CopiesWeightsThatLieInAnotherOrder()
    {
        TinyInOrder inOrder = TinyInOrder.CreateWithEmbeddedWeights();
        TinyOutOfOrder outOfOrder = TinyOutOfOrder.CreateWithEmbeddedWeights();
        Assert.Null(ParameterArray(inOrder));
        Assert.NotNull(ParameterArray(outOfOrder));
        float[] expected = Enumerable.Range(0, TinyInOrder.ParameterCount).Select(k => k * 0.125f - 1f).ToArray();
        Assert.Equal(expected, inOrder.Parameters.ToArray());
        Assert.Equal(expected, outOfOrder.Parameters.ToArray());
        float[] input = [0.5f, -1f, 0.25f, 2f];
        float[] a = new float[2], b = new float[2];
        TinyInOrder.CreateWithEmbeddedWeights().Forward(input, a);
        outOfOrder.Forward(input, b);
        Assert.Equal(a, b);
        Assert.Contains(a, v => v != 0);
    }

    [Fact]
    public void Borrow_RejectsAMissingResource_AndAModelThatDoesNotFit()
    {
        var e = Assert.Throws<CnnDataException>(() => EmbeddedWeights.Borrow(new EmbeddedFashionCnn(), typeof(EmbeddedWeightsTests).Assembly, "Cnn.EmbeddedWeights/nothing.safetensors"));
        Assert.Contains("has no such resource", e.Message);
        var model = new TinyInOrder();
        model.InitializeParameters(3);
        float[] before = model.Parameters.ToArray();
        e = Assert.Throws<CnnDataException>(() => EmbeddedWeights.Borrow(model, typeof(EmbeddedFashionCnn).Assembly, EmbeddedFashionCnn.EmbeddedWeightsResourceName));
        Assert.Contains("tensor 'dense.kernel' has shape [576, 64] but the model needs [4, 3]", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Fact]
    public void TheWeightsAreAResource_NotALiteral()
    {
        Assert.Equal("Cnn.EmbeddedWeights/../../samples/Inference/weights/fashion-mnist-cnn.safetensors", EmbeddedFashionCnn.EmbeddedWeightsResourceName);
        using Stream? stream = typeof(EmbeddedFashionCnn).Assembly.GetManifestResourceStream(EmbeddedFashionCnn.EmbeddedWeightsResourceName);
        Assert.NotNull(stream);
        Assert.Equal(new FileInfo(WeightsPath).Length, stream!.Length);
        // The loader reads the resource where the runtime mapped it (no copy of the file at start-up): that needs
        // the runtime to hand out the mapped memory, as CoreCLR and NativeAOT do.
        Assert.IsAssignableFrom<UnmanagedMemoryStream>(stream);
    }

    [Fact]
    public void PredictsTheKnownImage()
    {
        EmbeddedFashionCnn model = EmbeddedFashionCnn.CreateWithEmbeddedWeights();
        Assert.Equal(9, model.Predict(PgmPixels("test-0-ankle-boot.pgm"))); // Fashion-MNIST test image 0: ankle boot
    }

    [FashionMnistFact] // skipped without the data set, failed under CI=true (.ci/run installs it)
    public void ReachesItsRecordedTestAccuracy()
    {
        // weights/README.md records 88.97% on the 10,000 test images.
        Dataset test = FashionMnistData.Test();
        Evaluation evaluation = Trainer.Evaluate(EmbeddedFashionCnn.CreateWithEmbeddedWeights(), test);
        Assert.InRange(evaluation.Accuracy, 0.885, 0.895);
    }

    [Fact]
    public void LoadEmbeddedWeights_RejectsAMissingResource_AndLeavesTheModelAlone()
    {
        var model = new EmbeddedFashionCnn();
        model.InitializeParameters(7);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<CnnDataException>(() => EmbeddedWeights.Load(model, typeof(EmbeddedWeightsTests).Assembly, "Cnn.EmbeddedWeights/nothing.safetensors"));
        Assert.Contains("has no such resource", e.Message);
        Assert.Contains("<CnnEmbeddedWeights Include=", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("shape")]
    [InlineData("extra")]
    [InlineData("missing")]
    [InlineData("nan")]
    [InlineData("nan-in-last")]
    [InlineData("dtype")]
    public void Load_RejectsBadBytes_AndLeavesTheModelAlone(string damage)
    {
        var model = new EmbeddedFashionCnn();
        model.InitializeParameters(7);
        float[] before = model.Parameters.ToArray();
        float[] values = EmbeddedFashionCnn.CreateWithEmbeddedWeights().Parameters.ToArray();
        var tensors = EmbeddedFashionCnn.ParameterTensors
            .Select(t => (t.Name, t.Shape, Values: values.AsSpan(t.Offset, t.Length).ToArray())).ToList();
        switch (damage)
        {
            case "shape": tensors[^1] = (tensors[^1].Name, new[] { 5, 2 }, tensors[^1].Values); break;
            case "extra": tensors.Add(("dense_2.bias", new[] { 1 }, new[] { 0f })); break;
            case "missing": tensors.RemoveAt(1); break;
            case "nan": tensors[2].Values[777] = float.NaN; break; // inside conv2d_1.kernel, past the first vectors
            case "nan-in-last": tensors[^1].Values[^1] = float.PositiveInfinity; break; // every tensor before it is fine
        }
        byte[] bytes = SafeTensorsWriter.ToBytes(tensors);
        if (damage == "truncated") bytes = bytes[..^10];
        if (damage == "dtype") bytes = LastTensorAsF16(bytes);
        var e = Assert.Throws<CnnDataException>(() => EmbeddedWeights.Load(model, bytes, "damaged.safetensors"));
        Assert.StartsWith("damaged.safetensors: ", e.Message);
        Assert.Contains(damage switch
        {
            "truncated" => "truncated",
            "shape" => "but the model needs",
            "extra" => "does not belong to this model",
            "missing" => "is missing",
            "dtype" => "embedded weights must be F32",
            "nan" => $"tensor '{tensors[2].Name}' holds a non-finite value (NaN) at index 777",
            _ => $"tensor '{tensors[^1].Name}' holds a non-finite value",
        }, e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    /// <summary>The file with its last tensor's dtype changed to F16, the same shape, and half its bytes (the data ends with it).</summary>
    private static byte[] LastTensorAsF16(byte[] bytes)
    {
        var file = SafeTensorsFile.Parse(bytes);
        SafeTensorInfo last = file.Tensors[^1];
        Assert.Equal(bytes.Length - 8 - (int)BitConverter.ToUInt64(bytes, 0), (int)last.End);
        int headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        string header = System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength);
        string entry = $"\"{last.Name}\":{{\"dtype\":\"F32\",\"shape\":[{last.Shape[0]}],\"data_offsets\":[{last.Begin},{last.End}]";
        Assert.Contains(entry, header);
        long end = last.Begin + (last.End - last.Begin) / 2;
        string changed = header.Replace(entry, $"\"{last.Name}\":{{\"dtype\":\"F16\",\"shape\":[{last.Shape[0]}],\"data_offsets\":[{last.Begin},{end}]");
        byte[] newHeader = System.Text.Encoding.UTF8.GetBytes(changed.PadRight((changed.Length + 7) / 8 * 8));
        return [.. BitConverter.GetBytes((ulong)newHeader.Length), .. newHeader, .. bytes.AsSpan(8 + headerLength, (int)end)];
    }
}
