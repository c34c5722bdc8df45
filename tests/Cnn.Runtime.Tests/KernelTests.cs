namespace Cnn.Runtime.Tests;

/// <summary>The runtime's vector routines against plain loops.</summary>
public class KernelTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }

    [Theory]
    [InlineData(3, 3, 64, 64)]   // whole 8x8 tiles only
    [InlineData(3, 3, 32, 64)]
    [InlineData(2, 3, 13, 21)]   // tiles, then leftover rows and columns
    [InlineData(3, 3, 1, 32)]    // one channel: no tile
    [InlineData(3, 3, 32, 1)]
    [InlineData(1, 1, 8, 8)]
    [InlineData(1, 2, 9, 17)]
    public void FlipAndTranspose_MatchesTheDefinition(int kh, int kw, int channels, int filters)
    {
        float[] kernel = Values(kh * kw * channels * filters, 3);
        var flipped = new float[kernel.Length];
        Kernels.FlipAndTranspose(kernel, flipped, kh, kw, channels, filters);
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
        for (int f = 0; f < filters; f++)
        for (int c = 0; c < channels; c++)
        {
            // flipped[ky, kx, f, c] = kernel[kh - 1 - ky, kw - 1 - kx, c, f]
            float expected = kernel[(((kh - 1 - ky) * kw + kw - 1 - kx) * channels + c) * filters + f];
            Assert.Equal(expected, flipped[((ky * kw + kx) * filters + f) * channels + c]);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(21_632)]
    public void MeanSquaredError_MatchesTheDefinition(int length)
    {
        float[] output = Values(length, 1), targets = Values(length, 2);
        double sum = 0;
        for (int i = 0; i < length; i++) sum += (double)(output[i] - targets[i]) * (output[i] - targets[i]);
        Assert.Equal(sum / length, Losses.MeanSquaredError(output, targets), 1e-5 * Math.Max(1, sum / length));
        Assert.Throws<ArgumentException>(() => Losses.MeanSquaredError(output, targets.AsSpan(1)));
    }

    [Fact]
    public void Softmax_MatchesTheDefinition()
    {
        float[] x = Values(10, 5);
        float[] y = (float[])x.Clone();
        Kernels.Softmax(y);
        double sum = x.Sum(v => Math.Exp(v));
        for (int i = 0; i < x.Length; i++) Assert.Equal(Math.Exp(x[i]) / sum, y[i], 1e-6);
    }

    [Fact]
    public void Softmax_LargeLogitsStayFinite_AndNaNGivesNaN()
    {
        // exp(100) overflows float: without the shift by the maximum this gives infinity / infinity = NaN.
        float[] y = [100f, 0f, 99f];
        Kernels.Softmax(y);
        Assert.Equal(1 / (1 + Math.Exp(-100) + Math.Exp(-1)), y[0], 1e-6);
        Assert.Equal(Math.Exp(-1) / (1 + Math.Exp(-100) + Math.Exp(-1)), y[2], 1e-6);
        Assert.True(y[1] >= 0f && y[1] < 1e-30f);

        float[] nan = [1f, float.NaN, 2f];
        Kernels.Softmax(nan);
        Assert.All(nan, v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData("512", 512)]
    [InlineData("256", 256)]
    [InlineData("128", 128)]
    public void VectorWidth_CanBeForced(string setting, int width) => Assert.Equal(width, Kernels.ChooseVectorWidth(setting));

    [Fact]
    public void VectorWidth_IsTheWidestAccelerated_WhenNotSet()
    {
        int expected = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512 : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128;
        Assert.Equal(expected, Kernels.ChooseVectorWidth(null));
        Assert.Equal(expected, Kernels.ChooseVectorWidth(""));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("64")]
    [InlineData("avx2")]
    public void VectorWidth_RejectsOtherSettings_ByName(string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Kernels.ChooseVectorWidth(setting));
        Assert.Contains($"CNN_VECTOR_WIDTH is '{setting}'", error.Message);
        Assert.Contains("512, 256 or 128", error.Message);
    }

    [Fact]
    public void AddOfTwoSpans_WritesTheSumIntoTheThird_AndChecksTheLengths()
    {
        float[] a = [1f, -2f, 3.5f, 0f, 1e-8f, 7f, 8f, 9f, 10f], b = [0.5f, 2f, -3.5f, -0f, 1f, 1f, 1f, 1f, 1f];
        var y = new float[9];
        Kernels.Add(a, b, y);
        for (int i = 0; i < 9; i++) Assert.Equal(a[i] + b[i], y[i]);
        Assert.Throws<ArgumentException>(() => Kernels.Add(a, b, new float[8]));
        Assert.Throws<ArgumentException>(() => Kernels.Add(a, new float[3], y));
    }
}
