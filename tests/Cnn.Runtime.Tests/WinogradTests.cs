namespace Cnn.Runtime.Tests;

/// <summary>
/// <see cref="Winograd.Convolve3x3"/> against the direct convolution in double precision, on every vector path, with
/// odd and even sizes, each padding it takes, tiles blocks that do not divide the tiles, and every part of the output.
/// </summary>
public sealed class WinogradTests
{
    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // height, width, channels, filters, padTop, padLeft (Same is 1, 1; Valid 0, 0)
        { 8, 8, 16, 16, 1, 1 },
        { 7, 5, 16, 32, 1, 1 },
        { 9, 11, 32, 64, 0, 0 },
        { 14, 14, 64, 64, 1, 1 },
        { 3, 3, 16, 16, 1, 1 },
        { 1, 1, 16, 16, 1, 1 },
        { 6, 13, 48, 80, 2, 0 },
        { 29, 31, 16, 64, 1, 1 },
        { 5, 4, 128, 16, 0, 2 },
        { 13, 12, 144, 128, 1, 1 }, // a transformed kernel over 1 MiB: larger blocks of tiles
    };

    public static IEnumerable<object[]> ShapesAndWidths =>
        from object[] shape in Shapes from int width in new[] { 512, 256, 128 } select shape.Append(width).ToArray();

    [Theory]
    [MemberData(nameof(ShapesAndWidths))]
    public void MatchesTheDirectConvolution(int height, int width, int channels, int filters, int padTop, int padLeft, int vectorWidth)
    {
        int outHeight = height + 2 * padTop - 2, outWidth = width + 2 * padLeft - 2;
        if (padTop == 2) outHeight = height; // windows reach 2 rows above, none below
        if (padLeft == 2) outWidth = width;
        var random = new Random(height * 1000 + width * 10 + channels);
        float[] x = Values(random, height * width * channels), kernel = Values(random, 9 * channels * filters);
        float[] bias = Values(random, filters), scale = Values(random, filters), shift = Values(random, filters);
        float[] residual = Values(random, outHeight * outWidth * filters);
        double[] sums = Direct(x, height, width, channels, padTop, padLeft, kernel, outHeight, outWidth, filters);

        var cases = new (string Name, Func<double, int, double> Expected, Func<ConvolutionOutput> Output)[]
        {
            ("plain", (s, i) => s, () => new ConvolutionOutput()),
            ("bias and ReLU", (s, i) => Math.Max(0, s + bias[i % filters]), () => new ConvolutionOutput { Bias = bias, Activation = OutputActivation.ReLU }),
            ("normalised, residual, ReLU6", (s, i) => Math.Min(6, Math.Max(0, (s + bias[i % filters]) * scale[i % filters] + shift[i % filters] + residual[i])),
                () => new ConvolutionOutput { Bias = bias, Scale = scale, Shift = shift, Residual = residual, Activation = OutputActivation.SlopeAndCap, Cap = 6 }),
            ("residual, leaky", (s, i) => s + residual[i] is var v && v < 0 ? 0.1 * v : v,
                () => new ConvolutionOutput { Residual = residual, Activation = OutputActivation.SlopeAndCap, Slope = 0.1f, Cap = float.PositiveInfinity }),
        };
        foreach (var (name, expected, output) in cases)
        {
            float[] y = new float[outHeight * outWidth * filters + 1];
            y[^1] = 12345f;
            var kernelScratch = new float[Winograd.KernelScratchLength(channels, filters)];
            var tileScratch = new float[Winograd.TileScratchLength(outHeight, outWidth, channels, filters)];
            Winograd.Convolve3x3(x, height, width, channels, padTop, padLeft, kernel, y, outHeight, outWidth, filters, kernelScratch, tileScratch, output(), vectorWidth);
            for (int i = 0; i < sums.Length; i++)
            {
                double want = expected(sums[i], i);
                Assert.True(Math.Abs(y[i] - want) <= 2e-5 * (1 + Math.Abs(want)), $"{name}: y[{i}] = {y[i]}, expected {want}");
            }
            Assert.Equal(12345f, y[^1]); // nothing written past the output
        }
    }

    [Fact]
    public void UsesTheWeightsOfEachCall()
    {
        // The transformed kernel lives in caller-owned scratch: a second call with other weights must not reuse the first's.
        const int size = 6, channels = 16, filters = 16;
        var random = new Random(7);
        float[] x = Values(random, size * size * channels), first = Values(random, 9 * channels * filters), second = Values(random, 9 * channels * filters);
        var kernelScratch = new float[Winograd.KernelScratchLength(channels, filters)];
        var tileScratch = new float[Winograd.TileScratchLength(size, size, channels, filters)];
        float[] y = new float[size * size * filters];
        Winograd.Convolve3x3(x, size, size, channels, 1, 1, first, y, size, size, filters, kernelScratch, tileScratch, new ConvolutionOutput(), 512);
        Winograd.Convolve3x3(x, size, size, channels, 1, 1, second, y, size, size, filters, kernelScratch, tileScratch, new ConvolutionOutput(), 512);
        double[] want = Direct(x, size, size, channels, 1, 1, second, size, size, filters);
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(y[i] - want[i]) <= 2e-5 * (1 + Math.Abs(want[i])), $"y[{i}] = {y[i]}, expected {want[i]}");
    }

    [Fact]
    public void BadArguments_AreClearErrors()
    {
        float[] x = new float[4 * 4 * 16], kernel = new float[9 * 16 * 16], y = new float[4 * 4 * 16];
        float[] ks = new float[Winograd.KernelScratchLength(16, 16)], ts = new float[Winograd.TileScratchLength(4, 4, 16, 16)];
        void Call(float[] xs, int channels, int pad, float[] ys, float[] k, float[] tiles, int vectorWidth = 512, float[]? bias = null) =>
            Winograd.Convolve3x3(xs, 4, 4, channels, pad, pad, kernel, ys, 4, 4, 16, k, tiles, new ConvolutionOutput { Bias = bias }, vectorWidth);

        Assert.Contains("multiples of 16", Assert.Throws<ArgumentException>(() => Call(x, 8, 1, y, ks, ts)).Message);
        Assert.Contains("padding", Assert.Throws<ArgumentException>(() => Call(x, 16, 3, y, ks, ts)).Message);
        Assert.Contains("x has", Assert.Throws<ArgumentException>(() => Call(new float[10], 16, 1, y, ks, ts)).Message);
        Assert.Contains("y has", Assert.Throws<ArgumentException>(() => Call(x, 16, 1, new float[10], ks, ts)).Message);
        Assert.Contains("kernelScratch has", Assert.Throws<ArgumentException>(() => Call(x, 16, 1, y, new float[10], ts)).Message);
        Assert.Contains("tileScratch has", Assert.Throws<ArgumentException>(() => Call(x, 16, 1, y, ks, new float[10])).Message);
        Assert.Contains("bias has", Assert.Throws<ArgumentException>(() => Call(x, 16, 1, y, ks, ts, bias: new float[3])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Call(x, 16, 1, y, ks, ts, vectorWidth: 64));
        // Sizes whose products pass int: an error, never a wrapped length that lets a short span through.
        Assert.Contains("floats", Assert.Throws<ArgumentException>(() => Winograd.KernelScratchLength(16 * 4096, 16 * 4096)).Message);
        Assert.Contains("floats", Assert.Throws<ArgumentException>(() => Winograd.KernelScratchLength(-16, 16)).Message);
        Assert.Contains("floats", Assert.Throws<ArgumentException>(() => Winograd.TileScratchLength(4, 4, int.MaxValue - 15, 16)).Message);
        // 9·c·f fits in int but 16·c·f does not: the kernel itself is refused first (a 1 GiB kernel is not allocated here).
        Assert.Contains("kernel has", Assert.Throws<ArgumentException>(() =>
            Winograd.Convolve3x3(x, 4, 4, 16, 1, 1, kernel, y, 4, 4, 16 * 800_000, ks, ts, new ConvolutionOutput(), 512)).Message);
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static double[] Direct(float[] x, int height, int width, int channels, int padTop, int padLeft, float[] kernel, int outHeight, int outWidth, int filters)
    {
        var y = new double[outHeight * outWidth * filters];
        for (int oy = 0; oy < outHeight; oy++)
        for (int ox = 0; ox < outWidth; ox++)
        for (int f = 0; f < filters; f++)
        {
            double sum = 0;
            for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
            {
                int iy = oy + ky - padTop, ix = ox + kx - padLeft;
                if (iy < 0 || iy >= height || ix < 0 || ix >= width) continue;
                for (int c = 0; c < channels; c++)
                    sum += (double)x[(iy * width + ix) * channels + c] * kernel[((ky * 3 + kx) * channels + c) * filters + f];
            }
            y[(oy * outWidth + ox) * filters + f] = sum;
        }
        return y;
    }
}
