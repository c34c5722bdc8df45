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
    [InlineData(3, 3, 2, 2)]
    [InlineData(5, 4, 3, 2)]   // 2 or 1 taps per axis, and a phase row of 1 tap
    [InlineData(1, 1, 2, 2)]   // three phases without taps
    [InlineData(3, 2, 1, 3)]   // stride 1 in one axis: every tap there
    public void FlipAndTransposePhase_GivesEveryTapToExactlyOnePhase(int kh, int kw, int strideHeight, int strideWidth)
    {
        const int channels = 3, filters = 2;
        float[] kernel = Values(kh * kw * channels * filters, 5);
        var seen = new int[kernel.Length];
        for (int row = 0; row < strideHeight; row++)
        for (int column = 0; column < strideWidth; column++)
        {
            int rows = Kernels.PhaseTaps(kh, strideHeight, row), columns = Kernels.PhaseTaps(kw, strideWidth, column);
            Assert.Equal(Enumerable.Range(0, kh).Count(ky => ky % strideHeight == row), rows);
            var phase = new float[rows * columns * channels * filters];
            Kernels.FlipAndTransposePhase(kernel, phase, kh, kw, channels, filters, strideHeight, strideWidth, row, column);
            for (int j = 0; j < rows; j++)
            for (int i = 0; i < columns; i++)
            for (int f = 0; f < filters; f++)
            for (int c = 0; c < channels; c++)
            {
                // phase[j, i, f, c] = kernel[row + sh·(rows - 1 - j), column + sw·(columns - 1 - i), c, f]
                int source = (((row + strideHeight * (rows - 1 - j)) * kw + column + strideWidth * (columns - 1 - i)) * channels + c) * filters + f;
                Assert.Equal(kernel[source], phase[((j * columns + i) * filters + f) * channels + c]);
                seen[source]++;
            }
        }
        Assert.All(seen, count => Assert.Equal(1, count));
        Assert.Throws<ArgumentException>(() => Kernels.FlipAndTransposePhase(kernel, new float[1], kh, kw, channels, filters, strideHeight, strideWidth, 0, 0));
    }

    [Fact]
    public void ScatterPhase_PutsEachPixelAtItsStride_AndDropsThoseOnThePadding()
    {
        const int channels = 2, height = 5, width = 4;
        float[] phase = Values(3 * 3 * channels, 9);
        var dx = new float[height * width * channels];
        // Phase pixels (q, r) go to (−1 + 2q, 1 + 2r): row −1 is padding above, column 5 is past the input.
        Kernels.ScatterPhase(phase, dx, 3, 3, channels, firstRow: -1, firstColumn: 1, 2, 2, height, width);
        var expected = new float[dx.Length];
        for (int q = 0; q < 3; q++)
        for (int r = 0; r < 3; r++)
        {
            int iy = -1 + 2 * q, ix = 1 + 2 * r;
            if (iy < 0 || iy >= height || ix >= width) continue;
            for (int c = 0; c < channels; c++) expected[(iy * width + ix) * channels + c] = phase[(q * 3 + r) * channels + c];
        }
        Assert.Equal(expected, dx);
        Assert.Throws<ArgumentException>(() => Kernels.ScatterPhase(phase, new float[3], 3, 3, channels, 0, 0, 2, 2, height, width));
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
