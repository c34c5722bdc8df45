namespace Cnn.Runtime.Tests;

/// <summary>The batch step's runner: the slices' gradients summed in slice order on any number of threads.</summary>
public class BatchRunnerTests
{
    [Theory]
    [InlineData(1, 1, 10)]
    [InlineData(8, 1, 93_322)]    // the seed model: several chunks, the last one short
    [InlineData(8, 2, 93_322)]
    [InlineData(3, 3, 40_000)]
    [InlineData(8, 8, 16 * 1024)] // exactly one chunk
    public void SumSlices_AddsInSliceOrder_AndClearsTheSlices(int slices, int threads, int size)
    {
        var random = new Random(slices * 1000 + size);
        // One buffer more than the slices: it must be left alone.
        var buffers = new float[(slices + 1) * size];
        for (int i = 0; i < buffers.Length; i++) buffers[i] = (random.NextSingle() - 0.5f) * MathF.Pow(2, random.Next(-20, 20));
        var expected = new float[size];
        for (int s = 0; s < slices; s++)
            for (int i = 0; i < size; i++) expected[i] += buffers[s * size + i];
        float[] beyond = buffers.AsSpan(slices * size).ToArray();
        var sum = new float[size];
        Array.Fill(sum, float.NaN); // overwritten, not added to

        BatchRunner.SumSlices(buffers, slices, sum, threads);

        Assert.Equal(expected, sum); // bit for bit: the same order of additions as the plain loop
        Assert.All(buffers.AsSpan(0, slices * size).ToArray(), value => Assert.Equal(0f, value));
        Assert.Equal(beyond, buffers.AsSpan(slices * size).ToArray());
    }

    [Fact]
    public void SumSlices_RefusesTooSmallABuffer()
    {
        var error = Assert.Throws<ArgumentException>(() => BatchRunner.SumSlices(new float[99], 10, new float[10], 2));
        Assert.Contains("100 floats", error.Message);
    }
}
