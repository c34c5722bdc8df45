using System.Diagnostics;
using Xunit.Abstractions;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// The compile-many harness on hand-written models with outputs worked out by hand: right numbers through the generator,
/// one compilation for a hundred models, and each kind of failure pinned to its own model while the others still run.
/// </summary>
public class ModelCompilerTests(ITestOutputHelper output)
{
    private static byte[] Weights(params (string Name, int[] Shape, float[] Values)[] tensors) => SafeTensorsWriter.ToBytes(tensors);

    /// <summary>A 2x2 convolution over a 3x3 image holding 1..9: out[i, j] = Σ k[a, b]·x[i + a, j + b] + 0.5.</summary>
    private static ModelSource Conv(string ns) => new("conv", $$"""
        namespace {{ns}};
        [Cnn.Model(3, 3, 1)]
        [Cnn.Conv2D(1, 2, Name = "conv")]
        public partial class ConvModel;
        """, ns, "ConvModel", Weights(("conv.kernel", [2, 2, 1, 1], [1, 2, 3, 4]), ("conv.bias", [1], [0.5f])));

    /// <summary>y = [x0 + x2, x1 + x2]·scale + [0.25, -0.25].</summary>
    private static ModelSource Dense(string key, string ns, float scale = 1) => new(key, $$"""
        namespace {{ns}};
        [Cnn.Model(3)]
        [Cnn.Dense(2, Name = "dense")]
        public partial class DenseModel;
        """, ns, "DenseModel", Weights(("dense.kernel", [3, 2], [scale, 0, 0, scale, scale, scale]), ("dense.bias", [2], [0.25f, -0.25f])));

    private static float[] Forward(ICnnModel model, float[] input)
    {
        var result = new float[model.OutputSize];
        model.Forward(input, result);
        return result;
    }

    [Fact]
    public void HandWrittenModels_GiveTheOutputsWorkedOutByHand()
    {
        using CompiledModels compiled = ModelCompiler.CompileAndLoad([Conv("Hand.A"), Dense("dense", "Hand.B")]);
        Assert.Empty(compiled.Failures);
        Assert.Equal(1, compiled.Compilations);
        Assert.Equal([37.5f, 47.5f, 67.5f, 77.5f], Forward(compiled.Models["conv"], [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Equal([4.25f, 4.75f], Forward(compiled.Models["dense"], [1, 2, 3]));
    }

    [Fact]
    public void AHundredModels_CompileOnce_AndEachKeepsItsOwnWeights()
    {
        var clock = Stopwatch.StartNew();
        ModelSource[] models = Enumerable.Range(0, 100).Select(i => Dense($"d{i}", $"Many.M{i}", scale: i)).ToArray();
        using CompiledModels compiled = ModelCompiler.CompileAndLoad(models);
        output.WriteLine($"100 models compiled and loaded in {clock.Elapsed.TotalSeconds:F1} s ({compiled.Timings})");
        Assert.Empty(compiled.Failures);
        Assert.Equal(1, compiled.Compilations);
        for (int i = 0; i < 100; i++)
            Assert.Equal([4 * i + 0.25f, 5 * i - 0.25f], Forward(compiled.Models[$"d{i}"], [1, 2, 3]));
    }

    [Fact]
    public void EachFailure_IsPinnedToItsModel_AndTheOthersStillRun()
    {
        ModelSource noFlatten = new("no-flatten", """
            namespace Bad.A;
            [Cnn.Model(4, 4, 1)]
            [Cnn.Dense(2)]
            public partial class NoFlatten;
            """, "Bad.A", "NoFlatten", []);
        ModelSource brokenCSharp = new("broken-csharp", """
            namespace Bad.B;
            [Cnn.Model(3)]
            [Cnn.Dense(2, Name = "dense")]
            public partial class BrokenCSharp { int x = ; }
            """, "Bad.B", "BrokenCSharp", []);
        ModelSource wrongWeights = Dense("wrong-weights", "Bad.C") with
        {
            Weights = Weights(("dense.kernel", [3, 2], new float[6]), ("dense.bias", [3], new float[3])),
        };
        using CompiledModels compiled = ModelCompiler.CompileAndLoad([noFlatten, Conv("Good.A"), brokenCSharp, wrongWeights, Dense("dense", "Good.B")]);

        Assert.Equal(["conv", "dense"], compiled.Models.Keys.Order());
        Assert.Equal([37.5f, 47.5f, 67.5f, 77.5f], Forward(compiled.Models["conv"], [1, 2, 3, 4, 5, 6, 7, 8, 9]));
        Assert.Equal([4.25f, 4.75f], Forward(compiled.Models["dense"], [1, 2, 3]));
        Assert.StartsWith("generator error CNN0004: ", compiled.Failures["no-flatten"]);
        Assert.Contains("insert [Flatten]", compiled.Failures["no-flatten"]);
        Assert.StartsWith("compiler error CS1525: ", compiled.Failures["broken-csharp"]);
        Assert.StartsWith("the weights do not load: ", compiled.Failures["wrong-weights"]);
        Assert.Contains("dense.bias", compiled.Failures["wrong-weights"]);
        Assert.Equal(3, compiled.Failures.Count);
        // One round found the generator error, one the compiler error, the third compiled the rest.
        Assert.Equal(3, compiled.Compilations);
    }

    [Fact]
    public void Identifier_MakesPascalCaseNames()
    {
        Assert.Equal("TestConvWithStridesPadding", ModelCompiler.Identifier("test_conv_with_strides_padding"));
        Assert.Equal("M3dPool", ModelCompiler.Identifier("3d-pool"));
    }
}
