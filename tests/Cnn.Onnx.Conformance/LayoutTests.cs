namespace Cnn.Onnx.Conformance;

/// <summary>The NCHW ↔ channels_last moves of the harness, and its tolerance.</summary>
public class LayoutTests
{
    [Fact]
    public void Nchw_BecomesHwc_AndBack()
    {
        // One sample of [batch, C=2, H=2, W=3] holding 100c + 10h + w.
        int[] onnxShape = [4, 2, 2, 3];
        int[] axes = [2, 3, 1];
        float[] onnx = new float[12];
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 2; h++)
                for (int w = 0; w < 3; w++) onnx[(c * 2 + h) * 3 + w] = 100 * c + 10 * h + w;
        Assert.Null(Layout.Problem(onnxShape, axes, [2, 3, 2]));
        Assert.Equal(12, Layout.SampleSize(onnxShape));

        float[] model = new float[12];
        Layout.ToModel(onnx, onnxShape, axes, model);
        for (int h = 0; h < 2; h++)
            for (int w = 0; w < 3; w++)
                for (int c = 0; c < 2; c++) Assert.Equal(100 * c + 10 * h + w, model[(h * 3 + w) * 2 + c]);

        float[] back = new float[12];
        Layout.ToOnnx(model, onnxShape, axes, back);
        Assert.Equal(onnx, back);
    }

    [Fact]
    public void AxesOfSizeOne_MayBeLeftOut_OthersMayNot()
    {
        // [batch, 5, 1] as a vector of 5; [batch, C, L] as a sequence [L, C].
        Assert.Null(Layout.Problem([2, 5, 1], [1], [5]));
        float[] model = new float[6];
        Layout.ToModel([0, 1, 2, 10, 11, 12], [1, 2, 3], [2, 1], model);
        Assert.Equal([0, 10, 1, 11, 2, 12], model);

        Assert.Equal("ONNX axis 2 (size 3) is in no model axis", Layout.Problem([2, 5, 3], [1], [5]));
        Assert.Equal("axis 1 is listed twice", Layout.Problem([2, 5, 5], [1, 1], [5, 5]));
        Assert.Equal("axis 0 is not a non-batch axis of [2, 5]", Layout.Problem([2, 5], [0], [2]));
        Assert.Equal("model axis 0 has size 4, ONNX axis 1 of [2, 5] has 5", Layout.Problem([2, 5], [1], [4]));
        Assert.Equal("2 axes for a model shape of rank 1", Layout.Problem([2, 5, 1], [1, 2], [5]));
    }

    [Fact]
    public void Tolerance_IsAbsolutePlusRelative()
    {
        Assert.Null(Tolerance.Compare([0f, 1000f, -1f], [0.00009f, 1000.1f, -1.0001f]).FirstMismatch);
        Assert.Equal(1, Tolerance.Compare([0f, 1000f], [0f, 1000.25f]).FirstMismatch);
        Assert.Equal(0, Tolerance.Compare([0f], [0.00015f]).FirstMismatch);
        Assert.Equal(0.25, Tolerance.Compare([0f, 1000f], [0f, 1000.25f]).MaxError, 3);
        Assert.Null(Tolerance.Compare([float.NaN, float.PositiveInfinity], [float.NaN, float.PositiveInfinity]).FirstMismatch);
        Assert.Equal(0, Tolerance.Compare([1f], [float.NaN]).FirstMismatch);
        Assert.Equal(1, Tolerance.Compare([1f, float.NegativeInfinity], [1f, float.MinValue]).FirstMismatch);
    }
}
