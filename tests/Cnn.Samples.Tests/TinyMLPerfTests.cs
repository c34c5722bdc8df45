using Cnn;
using TinyMLPerf;

namespace Cnn.Samples.Tests;

/// <summary>
/// samples/TinyMLPerf's three reference models. That they build at all checks Keras's total (ExpectParameters is a build
/// error otherwise); here: the trainable counts, the shapes, and Forward against PyTorch modules written layer by layer
/// (Fixtures/tiny_mlperf.py, float64, Keras's asymmetric 'same' padding done with F.pad) on the seeded weights of
/// <see cref="TinyWeights"/>.
/// </summary>
public sealed class TinyMLPerfTests
{
    private static string FixturePath()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln")))
                return Path.Combine(dir.FullName, "tests", "Cnn.Samples.Tests", "Fixtures", "tiny_mlperf.safetensors");
        throw new InvalidOperationException("Cnn.Generator.sln not found above the test assembly.");
    }

    private static ICnnModel Create(string name) => name switch
    {
        "ResNet8" => new ResNet8(),
        "DsCnn" => new DsCnn(),
        "MobileNetV1" => new MobileNetV1(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    // Keras's model.summary() of the references: total, trainable (the moving statistics are the rest).
    [InlineData("ResNet8", 78_666, 78_186, new[] { 32, 32, 3 }, 10)]
    [InlineData("DsCnn", 24_908, 23_756, new[] { 49, 10, 1 }, 12)]
    [InlineData("MobileNetV1", 221_794, 216_322, new[] { 96, 96, 3 }, 2)]
    public void Counts_and_shapes_are_the_references(string name, int total, int trainable, int[] input, int classes)
    {
        ICnnModel model = Create(name);
        Assert.Equal(total, model.ParameterCount);
        Assert.Equal(trainable, model.TrainableParameterCount);
        Assert.Equal(total - trainable, model.ParameterTensors.Where(t => !t.Trainable).Sum(t => t.Length));
        Assert.Equal(input, model.InputShape.ToArray());
        Assert.Equal([classes], model.OutputShape.ToArray());
        Assert.Equal(classes, model.OutputSize);
        Assert.True(model.UsesBatchStatistics);
    }

    [Fact]
    public void ResNet8_has_three_stacks_joined_by_Add_and_halves_the_image_twice()
    {
        ICnnModel model = new ResNet8();
        Assert.Equal(3, model.Layers.Count(l => l.Type == "Add"));
        Assert.Equal([16, 16, 32], model.Layers.Single(l => l.Name == "stack2_shortcut").OutputShape);
        Assert.Equal([8, 8, 64], model.Layers.Single(l => l.Name == "stack3_shortcut").OutputShape);
        Assert.Equal([1, 1, 64], model.Layers.Single(l => l.Type == "AveragePooling2D").OutputShape);
    }

    [Theory]
    [InlineData("ResNet8")]
    [InlineData("DsCnn")]
    [InlineData("MobileNetV1")]
    public void Forward_matches_the_PyTorch_module(string name)
    {
        SafeTensorsFile fixture = SafeTensorsFile.Open(FixturePath());
        ICnnModel model = Create(name);
        TinyWeights.Initialize(model);
        Assert.True(fixture.Metadata[name + ".weights_sha256"] == TinyWeights.Fingerprint(model),
            $"TinyWeights no longer makes the weights the fixture was computed with: regenerate it (tests/Cnn.Samples.Tests/Fixtures/tiny_mlperf.py tells how).");

        float[] inputs = fixture.ReadSingles(name + ".inputs"), expected = fixture.ReadSingles(name + ".outputs");
        int n = inputs.Length / model.InputSize;
        Assert.True(n >= 1 && n * model.InputSize == inputs.Length && n * model.OutputSize == expected.Length);
        var output = new float[model.OutputSize];
        for (int i = 0; i < n; i++)
        {
            model.Forward(inputs.AsSpan(i * model.InputSize, model.InputSize), output);
            for (int k = 0; k < output.Length; k++)
            {
                float e = expected[i * model.OutputSize + k];
                // SPEC §6's tolerance for outputs: 1e-4 relative.
                Assert.True(Math.Abs(output[k] - e) <= 1e-4 * Math.Abs(e) + 1e-7, $"{name} sample {i} output {k}: PyTorch {e:G9}, ours {output[k]:G9}");
            }
        }
    }

    [Fact]
    public void The_seeded_weights_change_every_constant_the_initializer_leaves()
    {
        ICnnModel model = new ResNet8();
        TinyWeights.Initialize(model);
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            float[] values = model.Parameters.Slice(tensor.Offset, tensor.Length).ToArray();
            Assert.True(values.Distinct().Count() > values.Length / 2, $"{tensor.Name} is nearly constant");
        }
    }
}
