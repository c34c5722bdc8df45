namespace Cnn.Runtime.Tests;

/// <summary>Kernels.CopyIntoFrame: the input's rows inside a frame of zeros, whatever the frame held before.</summary>
public class CopyIntoFrameTests
{
    [Theory]
    [InlineData(3, 4, 2, 1, 1, 1, 1)]  // a frame all round
    [InlineData(3, 4, 2, 0, 1, 0, 1)]  // 'same' with the odd row and column after
    [InlineData(3, 4, 2, 0, 0, 0, 0)]  // no frame at all
    [InlineData(1, 5, 3, 2, 0, 3, 0)]  // one row
    [InlineData(4, 3, 1, 1, 2, 0, 3)]
    public void CopiesTheRows_AndZeroesEverythingElse(int height, int width, int channels, int top, int bottom, int left, int right)
    {
        int paddedWidth = width + left + right, paddedHeight = height + top + bottom;
        var x = new float[height * width * channels];
        for (int i = 0; i < x.Length; i++) x[i] = i + 1;
        var padded = new float[paddedHeight * paddedWidth * channels];
        Array.Fill(padded, float.NaN); // what an earlier call or a rented buffer left

        Kernels.CopyIntoFrame(x, padded, height, width * channels, width * channels, paddedWidth * channels, (top * paddedWidth + left) * channels);

        for (int py = 0; py < paddedHeight; py++)
            for (int px = 0; px < paddedWidth; px++)
                for (int c = 0; c < channels; c++)
                {
                    int iy = py - top, ix = px - left;
                    float expected = iy >= 0 && iy < height && ix >= 0 && ix < width ? x[(iy * width + ix) * channels + c] : 0f;
                    Assert.Equal(expected, padded[(py * paddedWidth + px) * channels + c]);
                }
    }

    [Fact]
    public void RefusesRowsThatDoNotFit()
    {
        Assert.Throws<ArgumentException>(() => Kernels.CopyIntoFrame(new float[12], new float[18], 3, 4, 4, 6, 3));   // the last row ends at 19
        Assert.Throws<ArgumentException>(() => Kernels.CopyIntoFrame(new float[8], new float[30], 3, 4, 4, 6, 0));    // x holds 2 rows
        Assert.Throws<ArgumentException>(() => Kernels.CopyIntoFrame(new float[12], new float[30], 3, 4, 4, 3, 0));   // rows overlap
        Assert.Throws<ArgumentException>(() => Kernels.CopyIntoFrame(new float[12], new float[30], 3, 4, 4, 6, -1));
    }
}
