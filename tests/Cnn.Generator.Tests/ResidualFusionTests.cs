namespace Cnn.Generator.Tests;

/// <summary>
/// Which Add layers Forward leaves to a convolution's kernel (OutputFusion): an Add of two inputs that alone reads a
/// Conv2D (or its BatchNormalization), its other input computed before that convolution. The numbers are checked by the
/// integration tests (OutputFusionTests); these check the choice and the call.
/// </summary>
public class ResidualFusionTests
{
    [Fact]
    public void TheJoinOfAResidualBlock_IsAppliedByTheConvolutionsKernel()
    {
        string forward = GeneratorHarness.Forward("""
            [Conv2D(8, 3, Padding = Padding.Same, Name = "c")]
            [BatchNormalization(Name = "bn")]
            [Add("bn", "input", Name = "add")]
            [ReLU(Name = "relu")]
            [Flatten]
            [Dense(2)]
            """);
        Assert.Matches(@"Forward_c\(p, input, \w+\.Slice\(0, Size_c\), fused: true, residual: input\); // bn, add and relu too", forward);
        Assert.DoesNotContain("Kernels.Add(", forward);
        Assert.DoesNotContain("Kernels.ReLU(", forward);
    }

    [Fact]
    public void AnAddWhoseOtherInputComesLater_IsAppliedByTheLaterConvolution()
    {
        // resnet18's downsampling blocks: the shortcut's 1x1 convolution is written after the main path.
        string forward = GeneratorHarness.Forward("""
            [Conv2D(8, 3, Padding = Padding.Same, Name = "main")]
            [BatchNormalization(Name = "bn")]
            [Conv2D(8, 1, Input = "input", Name = "shortcut")]
            [Add("bn", "shortcut", Name = "add")]
            [Flatten]
            [Dense(2)]
            """);
        Assert.Contains("fused: true); // bn too", forward);
        Assert.Matches(@"Forward_shortcut\(p, input, \w+\.Slice\(0, Size_shortcut\), fused: true, residual: \w+\.Slice\(0, Size_main\)\); // add too", forward);
    }

    [Theory]
    [InlineData("[Add(\"c\", \"input\", \"input\", Name = \"add\")]")] // three inputs
    [InlineData("[Add(\"c\", \"c\", Name = \"add\")]")] // the convolution twice
    [InlineData("[Add(\"c\", \"d\", Name = \"add\")]")] // the other input computed after c, by a layer that takes no residual
    public void OtherAdds_RunByThemselves(string add)
    {
        string forward = GeneratorHarness.Forward($"""
            [Conv2D(8, 3, Padding = Padding.Same, Name = "c")]
            [DepthwiseConv2D(3, Padding = Padding.Same, Input = "input", Name = "d")]
            {add}
            [Add("add", "d", Name = "join")]
            [Flatten]
            [Dense(2)]
            """);
        Assert.DoesNotContain("residual:", forward);
        Assert.Contains("Kernels.Add(", forward);
    }
}
