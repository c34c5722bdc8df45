namespace Cnn.Generator.IntegrationTests;

/// <summary>CI runs these tests with <c>CNN_VECTOR_WIDTH</c> set to 512, 256 and 128: each run must take that path.</summary>
public class VectorWidthTests
{
    [Fact]
    public void TheKernelsTakeTheWidthSetInTheEnvironment()
    {
        string? setting = Environment.GetEnvironmentVariable("CNN_VECTOR_WIDTH");
        Assert.Equal(Kernels.ChooseVectorWidth(setting), Kernels.VectorWidth);
        if (setting is not null) Assert.Equal(int.Parse(setting), Kernels.VectorWidth);
    }
}
