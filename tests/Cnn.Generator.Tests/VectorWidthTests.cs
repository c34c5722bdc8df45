using System.Text.RegularExpressions;

namespace Cnn.Generator.Tests;

/// <summary>
/// The kernel versions the generator emits: all three widths for a portable build, only those the target's hardware
/// can use when the RuntimeIdentifier is known, and what <c>CnnVectorWidths</c> lists when it is set.
/// </summary>
public class VectorWidthTests
{
    private const string Seed = """
        using Cnn;
        namespace Samples;
        [Model(28, 28, 1)]
        [Conv2D(32, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [Flatten]
        [Dense(64, Activation = Activation.ReLU)]
        [Dense(10, Activation = Activation.Softmax)]
        public partial class MnistCnn;
        """;

    private static string Generate(params (string Key, string Value)[] properties)
    {
        GeneratorHarness.Result result = GeneratorHarness.RunWithProperties(properties.ToDictionary(p => p.Key, p => p.Value), Seed);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        // The layer methods (with the width dispatch) and the kernels they call are in the model's two files.
        return Assert.Single(result.Sources) + Assert.Single(result.KernelSources);
    }

    /// <summary>The kernel methods declared, by width suffix.</summary>
    private static Dictionary<string, int> Kernels(string source) => Regex.Matches(source, @"private static void \w+_(512|256|128)\(")
        .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void PortableBuild_HasAllThreeWidthsAndPicksOneAtRunTime()
    {
        string source = Generate();
        Dictionary<string, int> kernels = Kernels(source);
        // 3 convolutions (forward, kernel and input gradient), 2 max pools (forward, gradient), 1 dense of 64 units
        // (forward, kernel gradient); Dense(10) has no 16-lane group, so no Vector512 version.
        Assert.Equal(15, kernels["512"]);
        Assert.Equal(17, kernels["256"]);
        Assert.Equal(17, kernels["128"]);
        Assert.Contains("if (global::Cnn.Kernels.VectorWidth >= 512) Convolve_conv2d_512(", source);
        Assert.Contains("else if (global::Cnn.Kernels.VectorWidth >= 256) Convolve_conv2d_256(", source);
        Assert.Contains("else Convolve_conv2d_128(", source);
        Assert.Contains("if (global::Cnn.Kernels.VectorWidth >= 256) Multiply_dense_1_256(", source);
    }

    [Theory]
    [InlineData("linux-arm64")]
    [InlineData("osx-arm64")]
    [InlineData("win-arm64")]
    [InlineData("browser-wasm")]
    public void Arm64AndWebAssembly_HaveOnlyTheVector128Kernels(string rid)
    {
        string source = Generate(("RuntimeIdentifier", rid));
        Dictionary<string, int> kernels = Kernels(source);
        Assert.Equal(new[] { "128" }, kernels.Keys.ToArray());
        Assert.Equal(17, kernels["128"]);
        Assert.DoesNotContain("VectorWidth", source);
        Assert.Contains("Convolve_conv2d_1_128(ref MemoryMarshal.GetReference(x), ref kernel, ref bias, ref MemoryMarshal.GetReference(y));", source);
        // Blocked for 32 registers: 4 filter vectors by 6 output pixels = 24 accumulators; the 4 blocks of 16
        // filters are a loop (the 128-bit versions loop over 2 or more identical blocks).
        Assert.Contains("// filters 0 .. 63: 4 blocks of 16, one at a time", Method(source, "Convolve_conv2d_1_128"));
        Assert.Contains("// 6 output pixels at a time", Method(source, "Convolve_conv2d_1_128"));
        Assert.Contains("var a5_3 = ", Method(source, "Convolve_conv2d_1_128"));
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("win-x86")]
    public void X64_HasAllThreeWidths_TheVector128OneBlockedFor16Registers(string rid)
    {
        string source = Generate(("RuntimeIdentifier", rid));
        Dictionary<string, int> kernels = Kernels(source);
        Assert.Equal(new[] { "128", "256", "512" }, kernels.Keys.Order().ToArray());
        // 2 filter vectors by 6 output pixels = 12 accumulators, as on AVX2: no spills with 16 xmm registers.
        string convolution = Method(source, "Convolve_conv2d_1_128");
        Assert.Contains("// filters 0 .. 63: 8 blocks of 8, one at a time", convolution);
        Assert.Contains("// 6 output pixels at a time", convolution);
        Assert.DoesNotContain("a0_2", convolution);
    }

    [Fact]
    public void CnnVectorWidths_OverridesTheRuntimeIdentifier()
    {
        string source = Generate(("RuntimeIdentifier", "linux-arm64"), ("CnnVectorWidths", "256,128"));
        Assert.Equal(new[] { "128", "256" }, Kernels(source).Keys.Order().ToArray());
        Assert.Contains("if (global::Cnn.Kernels.VectorWidth >= 256) Convolve_conv2d_256(", source);
        // 512 alone: Dense(10) has no 16-lane group, so its kernels are the 8-lane ones.
        Dictionary<string, int> only512 = Kernels(Generate(("CnnVectorWidths", "512")));
        Assert.Equal(new[] { "256", "512" }, only512.Keys.Order().ToArray());
        Assert.Equal(15, only512["512"]);
        Assert.Equal(2, only512["256"]);
    }

    [Fact]
    public void SmallLayers_HaveOneVersion_ThatServesEveryPath()
    {
        // 4 filters: no group wider than 4 lanes, so one Vector128 version, blocked for x64's 16 registers
        // because the 512 and 256 paths take it too.
        GeneratorHarness.Result result = GeneratorHarness.Run("""
            using Cnn;
            [Model(8, 8, 1)]
            [Conv2D(4, 3)]
            [Flatten]
            [Dense(2)]
            public partial class Small;
            """);
        string source = Assert.Single(result.Sources) + Assert.Single(result.KernelSources);
        Assert.Equal(new[] { "128" }, Kernels(source).Keys.ToArray());
        Assert.DoesNotContain("VectorWidth", source);
    }

    private static string Method(string source, string name)
    {
        int start = source.IndexOf($"private static void {name}(", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{name} not found");
        int end = source.IndexOf("private static void ", start + 1, StringComparison.Ordinal);
        return end < 0 ? source[start..] : source[start..end];
    }
}
