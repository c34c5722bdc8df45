using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>The course's worked examples, checked to the exact values on the slides.</summary>
public class SeedExampleTests
{
    private static readonly float[] s_leeImage =
    [
        1, 0, 0, 0, 0, 1,
        0, 1, 0, 0, 1, 0,
        0, 0, 1, 1, 0, 0,
        1, 0, 0, 0, 1, 0,
        0, 1, 0, 0, 1, 0,
        0, 0, 1, 0, 1, 0,
    ];

    private static readonly int[,] s_leeFilter1 = { { 1, -1, -1 }, { -1, 1, -1 }, { -1, -1, 1 } };
    private static readonly int[,] s_leeFilter2 = { { -1, 1, -1 }, { -1, 1, -1 }, { -1, 1, -1 } };

    /// <summary>Writes 3x3 single-channel filters into an HWIO kernel [3, 3, 1, filters].</summary>
    private static void SetFilters(Span<float> kernel, float scale, params int[][,] filters)
    {
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++)
                for (int f = 0; f < filters.Length; f++)
                    kernel[(ky * 3 + kx) * filters.Length + f] = filters[f][ky, kx] * scale;
    }

    /// <summary>Channel <paramref name="channel"/> of an HWC map as rows.</summary>
    private static float[,] Channel(ReadOnlySpan<float> map, int height, int width, int channels, int channel)
    {
        var result = new float[height, width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                result[y, x] = map[(y * width + x) * channels + channel];
        return result;
    }

    private static void AssertMap(float[,] expected, float[,] actual, float tolerance = 0f)
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int y = 0; y < expected.GetLength(0); y++)
            for (int x = 0; x < expected.GetLength(1); x++)
                Assert.True(Math.Abs(expected[y, x] - actual[y, x]) <= tolerance, $"at ({y}, {x}): expected {expected[y, x]}, got {actual[y, x]}");
    }

    [Fact]
    public void HungYiLee_Stride1_ThenMaxPooling()
    {
        var model = new HungYiLeeStride1();
        SetFilters(model.Parameters, 1f, s_leeFilter1, s_leeFilter2);
        var output = new float[HungYiLeeStride1.OutputSize];
        model.Forward(s_leeImage, output);
        AssertMap(new float[,] { { 3, 0 }, { 3, 1 } }, Channel(output, 2, 2, 2, 0));
        AssertMap(new float[,] { { -1, 1 }, { 0, 3 } }, Channel(output, 2, 2, 2, 1));
    }

    [Fact]
    public void HungYiLee_FeatureMapsBeforePooling()
    {
        // The 4x4 feature maps on the slide, read through a model without the pooling layer.
        var model = new HungYiLeeStride2();
        SetFilters(model.Parameters, 1f, s_leeFilter1, s_leeFilter2);
        var output = new float[HungYiLeeStride2.OutputSize];
        model.Forward(s_leeImage, output);
        AssertMap(new float[,] { { 3, -3 }, { -3, 0 } }, Channel(output, 2, 2, 2, 0));
        AssertMap(new float[,] { { -1, -1 }, { -1, -2 } }, Channel(output, 2, 2, 2, 1));
    }

    [Fact]
    public void RohrerX_DiagonalXAndAntiDiagonal_ReLU_PoolingWithCeiling()
    {
        var image = new float[81];
        for (int i = 0; i < 81; i++) image[i] = -1f;
        for (int i = 1; i < 8; i++)
        {
            image[i * 9 + i] = 1f;
            image[i * 9 + 8 - i] = 1f;
        }
        var model = new RohrerX();
        SetFilters(model.Parameters, 1f / 9f,
            new[,] { { 1, -1, -1 }, { -1, 1, -1 }, { -1, -1, 1 } },
            new[,] { { 1, -1, 1 }, { -1, 1, -1 }, { 1, -1, 1 } },
            new[,] { { -1, -1, 1 }, { -1, 1, -1 }, { 1, -1, -1 } });
        var output = new float[RohrerX.OutputSize];
        model.Forward(image, output);

        // Slide values 1.00, 0.77, 0.55, 0.33, 0.11 are 9/9, 7/9, 5/9, 3/9, 1/9.
        float[,] Ninths(int[,] values)
        {
            var result = new float[4, 4];
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                    result[y, x] = values[y, x] / 9f;
            return result;
        }
        AssertMap(Ninths(new[,] { { 9, 3, 5, 3 }, { 3, 9, 3, 5 }, { 5, 3, 9, 1 }, { 3, 5, 1, 7 } }), Channel(output, 4, 4, 3, 0), 1e-6f);
        AssertMap(Ninths(new[,] { { 5, 3, 5, 3 }, { 3, 9, 5, 1 }, { 5, 5, 5, 1 }, { 3, 1, 1, 3 } }), Channel(output, 4, 4, 3, 1), 1e-6f);
        AssertMap(Ninths(new[,] { { 3, 5, 9, 7 }, { 5, 5, 9, 3 }, { 9, 9, 1, 5 }, { 7, 3, 5, 3 } }), Channel(output, 4, 4, 3, 2), 1e-6f);
    }
}
