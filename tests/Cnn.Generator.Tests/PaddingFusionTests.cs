namespace Cnn.Generator.Tests;

/// <summary>
/// Which ZeroPadding2D layers Forward leaves to the next layer's kernel (PaddingFusion): one read alone by a depthwise
/// convolution with depth multiplier 1 or by a max pool. Any other reader, or a second reader, and the padding makes its
/// copy as before. The numbers are checked by the integration tests (DepthwisePaddingTests, OutputFusionTests); these
/// check the choice.
/// </summary>
public class PaddingFusionTests
{
    [Fact]
    public void APaddingReadByADepthwiseConvolutionAlone_IsReadInPlace()
    {
        string forward = GeneratorHarness.Forward("""
            [ZeroPadding2D(1, 2, 0, 1, Name = "pad")]
            [DepthwiseConv2D(3, Stride = 2, Name = "dw")]
            [Flatten]
            [Dense(2)]
            """);
        Assert.DoesNotContain("Forward_pad(", forward);
        Assert.Contains("// (no copy: dw's kernel below reads this layer's input in place and skips the zeros)", forward);
        Assert.Contains("Forward_dw(p, input, ", forward);
        Assert.Contains("fused: true); // reads pad's input in place", forward);
    }

    [Fact]
    public void APaddingReadByAMaxPoolAlone_IsReadInPlace()
    {
        string forward = GeneratorHarness.Forward("""
            [ZeroPadding2D(1, 0, 1, 0, Name = "pad")]
            [MaxPool2D(3, Stride = 2, Name = "pool")]
            [Flatten]
            [Dense(2)]
            """);
        Assert.DoesNotContain("Forward_pad(", forward);
        Assert.Contains("Forward_pool(input, ", forward);
        Assert.Contains("fused: true); // reads pad's input in place", forward);
    }

    [Theory]
    [InlineData("[AvgPool2D(3, Stride = 2, Name = \"dw\")]")] // an average's sums would skip terms: other bits
    [InlineData("[DepthwiseConv2D(3, DepthMultiplier = 2, Name = \"dw\")]")] // the kernel reads a copy with channels repeated
    [InlineData("[Conv2D(4, 3, Name = \"dw\")]")] // Conv2D kernels do not skip taps
    [InlineData("[DepthwiseConv2D(3, Padding = Padding.Same, Name = \"dw\")] [Add(\"pad\", \"dw\")]")] // two readers
    public void APaddingWithAnotherReader_IsCopied(string readers)
    {
        string forward = GeneratorHarness.Forward($"""
            [ZeroPadding2D(1, Name = "pad")]
            {readers}
            [Flatten]
            [Dense(2)]
            """);
        Assert.Contains("Forward_pad(input, ", forward);
        Assert.DoesNotContain("no copy", forward);
    }
}
