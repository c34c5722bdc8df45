using System.Runtime.Intrinsics;
namespace Cnn.Runtime.Tests;

/// <summary>
/// ReLU6, the ReLU with a slope and a cap, and the global pooling routines against their definitions, at the kinks
/// included: relu'(0) = 0 and relu6' = 0 at 0 and at 6 (PyTorch, TensorFlow); a leaky ReLU has its slope at 0; a
/// capped one 0 at its cap. 37 values: whole vectors of 16 and 8 lanes, then a scalar tail.
/// </summary>
public class ActivationKernelTests
{
    private static float[] Values(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        // Multiples of 0.5 in [-8, 8]: the kinks (0, 6, the caps below) come up often.
        for (int i = 0; i < count; i++) values[i] = random.Next(-16, 17) * 0.5f;
        return values;
    }

    [Fact]
    public void ReLU6_AndItsDerivative_AtTheKinks()
    {
        float[] x = [-1f, 0f, 0.5f, 5.5f, 6f, 7f];
        float[] y = (float[])x.Clone();
        Kernels.ReLU6(y);
        Assert.Equal([0f, 0f, 0.5f, 5.5f, 6f, 6f], y);
        float[] dy = [1f, 1f, 1f, 1f, 1f, 1f];
        Kernels.ReLU6Backward(y, dy);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f], dy);
    }

    [Theory]
    [InlineData(0f, float.PositiveInfinity)]
    [InlineData(0.25f, float.PositiveInfinity)]
    [InlineData(0f, 6f)]
    [InlineData(0.1f, 2.5f)]
    [InlineData(0.3f, 0f)]
    public void ReLU_WithSlopeAndCap_MatchesTheDefinition(float slope, float cap)
    {
        float[] x = Values(37, 4);
        var y = new float[x.Length];
        Kernels.ReLU(x, y, slope, cap);
        float[] dy = Values(37, 5);
        float[] dx = (float[])dy.Clone();
        Kernels.ReLUBackward(x, dx, slope, cap);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i] < 0f ? slope * x[i] : Math.Min(x[i], cap), y[i]);
            // The derivative: 1 strictly between 0 and the cap, 0 from the cap on, the slope at and below 0.
            float derivative = x[i] > 0f ? (x[i] < cap ? 1f : 0f) : slope;
            Assert.Equal(dy[i] * derivative, dx[i]);
        }
        Assert.Contains(x, v => v == 0f);
    }

    [Fact]
    public void ReLU_KeepsNaN()
    {
        float[] x = [float.NaN, -1f];
        var y = new float[2];
        Kernels.ReLU(x, y, 0.5f, 6f);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(-0.5f, y[1]);
    }

    [Theory]
    [InlineData(5, 37)]
    [InlineData(1, 9)]
    [InlineData(7, 16)]
    public void MaxOfRows_AndItsGradient_GoToTheFirstMaximum(int rows, int channels)
    {
        // Few distinct values, so that columns often hold their maximum twice or more.
        var random = new Random(7);
        var x = new float[rows * channels];
        for (int i = 0; i < x.Length; i++) x[i] = random.Next(0, 3);
        var y = new float[channels];
        Kernels.MaxOfRows(x, y);
        float[] dy = Values(channels, 8);
        var dx = new float[x.Length];
        dx.AsSpan().Fill(99f); // written, not added to
        Kernels.MaxOfRowsBackward(x, dy, dx);
        for (int j = 0; j < channels; j++)
        {
            int best = j;
            for (int r = 1; r < rows; r++)
                if (x[r * channels + j] > x[best]) best = r * channels + j;
            Assert.Equal(x[best], y[j]);
            for (int r = 0; r < rows; r++)
                Assert.Equal(r * channels + j == best ? dy[j] : 0f, dx[r * channels + j]);
        }
    }

    [Fact]
    public void BroadcastRows_WritesTheScaledGradientIntoEveryRow()
    {
        float[] g = Values(11, 9);
        var dx = new float[3 * 11];
        Kernels.BroadcastRows(g, 0.25f, dx);
        for (int i = 0; i < dx.Length; i++) Assert.Equal(g[i % 11] * 0.25f, dx[i]);
        Assert.Throws<ArgumentException>(() => Kernels.BroadcastRows(g, 1f, new float[12]));
        Assert.Throws<ArgumentException>(() => Kernels.MaxOfRows(new float[12], new float[11]));
    }

    [Fact]
    public void ReLUOfOneValueOrVector_IsTheSpanReLU()
    {
        float[] x = [-3f, -0.5f, 0f, 0.25f, 5f, 6f, 9f, float.NaN, -0f, float.NegativeInfinity, float.PositiveInfinity, 1f, -2f, 3f, -4f, 7f];
        var y = new float[x.Length];
        Kernels.ReLU(x, y, 0.1f, 6f);
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i], Kernels.ReLU(x[i], 0.1f, 6f));
        var v128 = Kernels.ReLU(Vector128.Create(x.AsSpan(0, 4)), Vector128.Create(0.1f), Vector128.Create(6f));
        var v256 = Kernels.ReLU(Vector256.Create(x.AsSpan(4, 8)), Vector256.Create(0.1f), Vector256.Create(6f));
        var v512 = Kernels.ReLU(Vector512.Create(x.AsSpan()), Vector512.Create(0.1f), Vector512.Create(6f));
        for (int i = 0; i < 4; i++) Assert.Equal(y[i], v128[i]);
        for (int i = 0; i < 8; i++) Assert.Equal(y[4 + i], v256[i]);
        for (int i = 0; i < 16; i++) Assert.Equal(y[i], v512[i]);
        Assert.Equal(6f, y[6]);
        Assert.Equal(-0.3f, y[0], 1e-7);
        Assert.True(float.IsNaN(y[7]));
    }
}
