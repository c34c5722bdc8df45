using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// DepthwiseConv2D with Same padding reads its input in place and skips the taps in the padding, and in Forward so does one
/// behind a ZeroPadding2D that feeds it alone (the padding makes no copy there). Its output against the formula in double
/// with TensorFlow's Same padding (out = ⌈in / s⌉, the total padding split with the smaller half before) after the
/// ZeroPadding2D's zeros, over geometries where the edge columns and the cut kernel rows are most of the work.
/// </summary>
public class DepthwisePaddingTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(DepthwiseWiderThanInput), nameof(DepthwiseDilatedSame), nameof(DepthwiseStridedSame), nameof(PaddedDepthwise), nameof(DepthwiseBehindWidePadding),
    };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(DepthwiseWiderThanInput) => new DepthwiseWiderThanInput(),
        nameof(DepthwiseDilatedSame) => new DepthwiseDilatedSame(),
        nameof(DepthwiseStridedSame) => new DepthwiseStridedSame(),
        nameof(PaddedDepthwise) => new PaddedDepthwise(),
        nameof(DepthwiseBehindWidePadding) => new DepthwiseBehindWidePadding(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_IsTheFormulaWithItsPadding(string name)
    {
        ICnnModel model = Create(name);
        model.InitializeParameters(5);
        var random = new RandomSource(6);
        float[] parameters = model.Parameters.ToArray();
        ParameterTensorInfo kernelInfo = model.ParameterTensors.Single(t => t.Name == "dw.depthwise_kernel");
        float[] kernel = parameters.AsSpan(kernelInfo.Offset, kernelInfo.Length).ToArray();
        int kh = kernelInfo.Shape[0], kw = kernelInfo.Shape[1];
        ParameterTensorInfo? biasInfo = model.ParameterTensors.SingleOrDefault(t => t.Name == "dw.bias");
        if (biasInfo is not null)
        {
            // Non-zero biases, so that the edge pixels' starting value shows.
            for (int i = 0; i < biasInfo.Length; i++) model.Parameters[biasInfo.Offset + i] = random.NextSingle() - 0.5f;
        }
        float[] bias = biasInfo is null ? new float[model.InputShape[2]] : model.Parameters.Slice(biasInfo.Offset, biasInfo.Length).ToArray();
        // A ZeroPadding2D first: the depthwise layer's input is the model's input inside that frame of zeros.
        int depthwise = model.Layers[0].Type == "ZeroPadding2D" ? 1 : 0;
        int[] frame = depthwise == 1 ? model.Layers[0].Arguments.Get<int[]>("padding") : new int[4]; // top, bottom, left, right
        LayerArguments arguments = model.Layers[depthwise].Arguments;
        int[] strides = arguments.Get<int[]>("strides"), dilation = arguments.Get<int[]>("dilation_rate");
        bool relu = arguments.Get<Activation>("activation") == Activation.ReLU;

        int h0 = model.InputShape[0], w0 = model.InputShape[1], c = model.InputShape[2];
        int h = h0 + frame[0] + frame[1], w = w0 + frame[2] + frame[3];
        int oh = model.Layers[depthwise].OutputShape[0], ow = model.Layers[depthwise].OutputShape[1];
        int spanHeight = (kh - 1) * dilation[0] + 1, spanWidth = (kw - 1) * dilation[1] + 1;
        bool same = arguments.Get<Padding>("padding") == Padding.Same;
        Assert.Equal(same ? (h + strides[0] - 1) / strides[0] : (h - spanHeight) / strides[0] + 1, oh);
        Assert.Equal(same ? (w + strides[1] - 1) / strides[1] : (w - spanWidth) / strides[1] + 1, ow);
        int padTop = same ? Math.Max((oh - 1) * strides[0] + spanHeight - h, 0) / 2 : 0;
        int padLeft = same ? Math.Max((ow - 1) * strides[1] + spanWidth - w, 0) / 2 : 0;

        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = 2f * random.NextSingle() - 1f;
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        var framed = new float[h * w * c];
        for (int iy = 0; iy < h0; iy++)
            input.AsSpan(iy * w0 * c, w0 * c).CopyTo(framed.AsSpan(((iy + frame[0]) * w + frame[2]) * c));
        var normalized = new (double Scale, double Shift)[c];
        for (int ci = 0; ci < c; ci++) normalized[ci] = (1, 0);
        if (model.ParameterTensors.Any(t => t.Name == "bn.gamma"))
        {
            float[] Tensor(string tensor) => parameters.AsSpan(model.ParameterTensors.Single(t => t.Name == tensor).Offset, c).ToArray();
            float[] gamma = Tensor("bn.gamma"), beta = Tensor("bn.beta"), mean = Tensor("bn.moving_mean"), variance = Tensor("bn.moving_variance");
            for (int ci = 0; ci < c; ci++)
            {
                double scale = gamma[ci] / Math.Sqrt(variance[ci] + 0.001);
                normalized[ci] = (scale, beta[ci] - mean[ci] * scale);
            }
            relu = true; // the ReLU after the normalisation
        }
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int ci = 0; ci < c; ci++)
                {
                    double sum = bias[ci];
                    for (int ky = 0; ky < kh; ky++)
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int iy = oy * strides[0] + ky * dilation[0] - padTop, ix = ox * strides[1] + kx * dilation[1] - padLeft;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                sum += (double)framed[(iy * w + ix) * c + ci] * kernel[(ky * kw + kx) * c + ci];
                        }
                    sum = sum * normalized[ci].Scale + normalized[ci].Shift;
                    double expected = relu ? Math.Max(0, sum) : sum;
                    float actual = output[(oy * ow + ox) * c + ci];
                    Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{name} y[{oy}, {ox}, {ci}] = {actual}, expected {expected}");
                }
    }

    /// <summary>
    /// A max pool behind a ZeroPadding2D, read in place in Forward: against the max over each window of the input inside its
    /// frame of zeros, with inputs of both signs so that the zeros win where a window meets the padding.
    /// </summary>
    [Fact]
    public void Forward_OfAMaxPoolBehindAPadding_IsTheMaxOverTheFramedInput()
    {
        ICnnModel model = new PaddedMaxPool();
        int[] frame = model.Layers[0].Arguments.Get<int[]>("padding"); // top, bottom, left, right
        int h0 = model.InputShape[0], w0 = model.InputShape[1], c = model.InputShape[2];
        int oh = model.OutputShape[0], ow = model.OutputShape[1];
        var random = new RandomSource(8);
        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = 2f * random.NextSingle() - 1.5f;
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        int zeros = 0;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
                for (int ci = 0; ci < c; ci++)
                {
                    float expected = float.NegativeInfinity;
                    for (int py = 0; py < 3; py++)
                        for (int px = 0; px < 3; px++)
                        {
                            int iy = oy * 2 + py - frame[0], ix = ox * 2 + px - frame[2];
                            float value = iy >= 0 && iy < h0 && ix >= 0 && ix < w0 ? input[(iy * w0 + ix) * c + ci] : 0f;
                            expected = Math.Max(expected, value);
                        }
                    if (expected == 0f) zeros++;
                    Assert.Equal(expected, output[(oy * ow + ox) * c + ci]);
                }
        Assert.True(zeros > 0, "no window took a zero of the padding: the test would not see it skipped");
    }
}
