namespace Cnn.Runtime.Tests;

/// <summary>
/// The batch kernels of BatchNormalization against plain loops in double, and the same bits on any number of threads
/// (channel counts that use the vector loop, its scalar tail, or both).
/// </summary>
public class BatchNormalizationKernelTests
{
    private static float[] Values(int count, int seed, float offset = 0f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = offset + random.NextSingle() * 4f - 2f;
        return values;
    }

    public static TheoryData<int, int> Shapes => new() { { 3, 7 }, { 16, 9 }, { 20, 5 }, { 64, 1 } };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BatchStatistics_MatchPlainSums_OnAnyNumberOfThreads(int channels, int positions)
    {
        const int count = 6, stride = 1000, offset = 17;
        int size = channels * positions;
        float[] xs = Values(offset + count * stride, channels, offset: 3f); // a mean far from 0
        var expectedMean = new double[channels];
        var expectedVariance = new double[channels];
        for (int i = 0; i < count; i++)
            for (int at = 0; at < size; at++) expectedMean[at % channels] += xs[offset + i * stride + at];
        for (int c = 0; c < channels; c++) expectedMean[c] /= count * positions;
        for (int i = 0; i < count; i++)
            for (int at = 0; at < size; at++)
            {
                double d = xs[offset + i * stride + at] - expectedMean[at % channels];
                expectedVariance[at % channels] += d * d;
            }

        float[] mean1 = new float[channels], variance1 = new float[channels], mean3 = new float[channels], variance3 = new float[channels];
        BatchNormalizationKernels.BatchStatistics(xs, offset, stride, count, size, mean1, variance1, threads: 1);
        BatchNormalizationKernels.BatchStatistics(xs, offset, stride, count, size, mean3, variance3, threads: 3);

        Assert.Equal(mean1, mean3);
        Assert.Equal(variance1, variance3);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(expectedMean[c], mean1[c], 1e-5);
            Assert.Equal(expectedVariance[c] / (count * positions), variance1[c], 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BatchForwardAndBackward_MatchTheFormulas_OnAnyNumberOfThreads(int channels, int positions)
    {
        const int count = 5, stride = 700;
        int size = channels * positions;
        const float epsilon = 1e-3f;
        float[] xs = Values(count * stride, 1 + channels);
        float[] gamma = Values(channels, 2), beta = Values(channels, 3), dyOriginal = Values(count * stride, 4);
        float[] mean = new float[channels], variance = new float[channels];
        BatchNormalizationKernels.BatchStatistics(xs, 0, stride, count, size, mean, variance);

        // Forward: y = gamma·(x − mean)/sqrt(variance + ε) + beta.
        float[] y1 = new float[count * stride], y3 = new float[count * stride];
        BatchNormalizationKernels.BatchForward(xs, 0, stride, y1, 0, stride, count, size, gamma, beta, mean, variance, epsilon, threads: 1);
        BatchNormalizationKernels.BatchForward(xs, 0, stride, y3, 0, stride, count, size, gamma, beta, mean, variance, epsilon, threads: 3);
        Assert.Equal(y1, y3);
        for (int i = 0; i < count; i++)
            for (int at = 0; at < size; at++)
            {
                int c = at % channels;
                double expected = gamma[c] * (xs[i * stride + at] - mean[c]) / Math.Sqrt(variance[c] + epsilon) + beta[c];
                Assert.Equal(expected, y1[i * stride + at], 1e-4);
            }

        // Backward through the batch statistics.
        int n = count * positions;
        var sumDy = new double[channels];
        var sumDyXhat = new double[channels];
        for (int i = 0; i < count; i++)
            for (int at = 0; at < size; at++)
            {
                int c = at % channels;
                double xhat = (xs[i * stride + at] - mean[c]) / Math.Sqrt(variance[c] + epsilon);
                sumDy[c] += dyOriginal[i * stride + at];
                sumDyXhat[c] += dyOriginal[i * stride + at] * xhat;
            }
        float[] dy1 = (float[])dyOriginal.Clone(), dy3 = (float[])dyOriginal.Clone();
        float[] dGamma1 = new float[channels], dBeta1 = new float[channels], dGamma3 = new float[channels], dBeta3 = new float[channels];
        BatchNormalizationKernels.BatchBackward(xs, 0, stride, dy1, 0, stride, count, size, dGamma1, dBeta1, gamma, mean, variance, epsilon, threads: 1);
        BatchNormalizationKernels.BatchBackward(xs, 0, stride, dy3, 0, stride, count, size, dGamma3, dBeta3, gamma, mean, variance, epsilon, threads: 3);
        Assert.Equal(dy1, dy3);
        Assert.Equal(dGamma1, dGamma3);
        Assert.Equal(dBeta1, dBeta3);
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(sumDy[c], dBeta1[c], 1e-4);
            Assert.Equal(sumDyXhat[c], dGamma1[c], 1e-4);
        }
        for (int i = 0; i < count; i++)
        {
            for (int at = 0; at < size; at++)
            {
                int c = at % channels;
                double inverse = 1 / Math.Sqrt(variance[c] + epsilon);
                double xhat = (xs[i * stride + at] - mean[c]) * inverse;
                double expected = gamma[c] * inverse * (dyOriginal[i * stride + at] - sumDy[c] / n - xhat * sumDyXhat[c] / n);
                Assert.Equal(expected, dy1[i * stride + at], 1e-4);
            }
            // Beyond each sample's values nothing is touched.
            Assert.Equal(dyOriginal.AsSpan(i * stride + size, stride - size).ToArray(), dy1.AsSpan(i * stride + size, stride - size).ToArray());
        }
    }

    [Fact]
    public void ScaleAndShift_IsTheNormalisationAsAMultiplyAndAnAdd_AndChecksItsSpans()
    {
        float[] gamma = [0.5f, 2f, -1f], beta = [0.1f, -0.2f, 0.3f], mean = [1f, -2f, 0.25f], variance = [4f, 0.5f, 9f];
        var scale = new float[3];
        var shift = new float[3];
        BatchNormalizationKernels.ScaleAndShift(gamma, beta, mean, variance, 0.001f, scale, shift);
        for (int c = 0; c < 3; c++)
        {
            double s = gamma[c] / Math.Sqrt(variance[c] + 0.001);
            Assert.Equal(s, scale[c], 1e-6);
            Assert.Equal(beta[c] - mean[c] * s, shift[c], 1e-6);
        }
        // No gamma, no beta: 1 and 0.
        BatchNormalizationKernels.ScaleAndShift(default, default, mean, variance, 0.001f, scale, shift);
        Assert.Equal(1 / Math.Sqrt(4.001), scale[0], 1e-6);
        Assert.Equal(-mean[1] * scale[1], shift[1], 1e-6);
        // The same bits as Forward, which applies them.
        float[] x = [3f, -1f, 0.5f, -7f, 2f, 1f];
        var y = new float[6];
        BatchNormalizationKernels.Forward(x, y, gamma, beta, mean, variance, 0.001f);
        BatchNormalizationKernels.ScaleAndShift(gamma, beta, mean, variance, 0.001f, scale, shift);
        for (int i = 0; i < 6; i++) Assert.Equal(x[i] * scale[i % 3] + shift[i % 3], y[i]);

        // 19 channels (vectors of 8 and a scalar tail), with and without gamma and beta: the bits of the plain float loop.
        var random = new Random(5);
        float[] Values(float low, float high) => Enumerable.Range(0, 19).Select(_ => low + (high - low) * random.NextSingle()).ToArray();
        float[] g19 = Values(-2f, 2f), b19 = Values(-1f, 1f), m19 = Values(-3f, 3f), v19 = Values(0f, 5f);
        foreach ((float[] g, float[] b) in new[] { (g19, b19), ([], b19), (g19, []), ([], []) })
        {
            var s19 = new float[19];
            var t19 = new float[19];
            BatchNormalizationKernels.ScaleAndShift(g, b, m19, v19, 0.01f, s19, t19);
            for (int c = 0; c < 19; c++)
            {
                float inverse = 1f / MathF.Sqrt(v19[c] + 0.01f);
                float expectedScale = (g.Length == 0 ? 1f : g[c]) * inverse;
                Assert.Equal(expectedScale, s19[c]);
                Assert.Equal((b.Length == 0 ? 0f : b[c]) - m19[c] * expectedScale, t19[c]);
            }
        }

        Assert.Throws<ArgumentException>(() => BatchNormalizationKernels.ScaleAndShift(gamma, beta, mean, variance, 0.001f, new float[2], shift));
        Assert.Throws<ArgumentException>(() => BatchNormalizationKernels.ScaleAndShift(gamma, beta, mean, [1f, 2f], 0.001f, scale, shift));
        Assert.Throws<ArgumentException>(() => BatchNormalizationKernels.ScaleAndShift([1f], beta, mean, variance, 0.001f, scale, shift));
    }
}
