using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// DepthwiseConv2D with Same padding reads its input in place and skips the taps in the padding. Its output against the
/// formula in double with TensorFlow's Same padding (out = ⌈in / s⌉, the total padding split with the smaller half
/// before), over geometries where the edge columns and the cut kernel rows are most of the work.
/// </summary>
public class DepthwisePaddingTests
{
    public static TheoryData<string> Models => new() { nameof(DepthwiseWiderThanInput), nameof(DepthwiseDilatedSame), nameof(DepthwiseStridedSame) };

    private static ICnnModel Create(string name) => name switch
    {
        nameof(DepthwiseWiderThanInput) => new DepthwiseWiderThanInput(),
        nameof(DepthwiseDilatedSame) => new DepthwiseDilatedSame(),
        nameof(DepthwiseStridedSame) => new DepthwiseStridedSame(),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_IsTheFormulaWithSamePadding(string name)
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
        LayerArguments arguments = model.Layers[0].Arguments;
        int[] strides = arguments.Get<int[]>("strides"), dilation = arguments.Get<int[]>("dilation_rate");
        bool relu = arguments.Get<Activation>("activation") == Activation.ReLU;

        int h = model.InputShape[0], w = model.InputShape[1], c = model.InputShape[2];
        int oh = model.Layers[0].OutputShape[0], ow = model.Layers[0].OutputShape[1];
        Assert.Equal((h + strides[0] - 1) / strides[0], oh);
        Assert.Equal((w + strides[1] - 1) / strides[1], ow);
        int padTop = Math.Max((oh - 1) * strides[0] + (kh - 1) * dilation[0] + 1 - h, 0) / 2;
        int padLeft = Math.Max((ow - 1) * strides[1] + (kw - 1) * dilation[1] + 1 - w, 0) / 2;

        var input = new float[model.InputSize];
        for (int i = 0; i < input.Length; i++) input[i] = 2f * random.NextSingle() - 1f;
        var output = new float[model.OutputSize];
        model.Forward(input, output);
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
                                sum += (double)input[(iy * w + ix) * c + ci] * kernel[(ky * kw + kx) * c + ci];
                        }
                    double expected = relu ? Math.Max(0, sum) : sum;
                    float actual = output[(oy * ow + ox) * c + ci];
                    Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{name} y[{oy}, {ox}, {ci}] = {actual}, expected {expected}");
                }
    }
}
