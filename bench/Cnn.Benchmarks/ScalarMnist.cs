namespace Cnn.Benchmarks;

/// <summary>
/// The seed model written the plain way: nested scalar loops over HWC feature maps and HWIO kernels, no
/// vectors, no unrolling. The baseline any C# developer would write by hand; it reads the same weights.
/// One instance owns its activation buffers, so it serves one thread at a time and allocates nothing per call.
/// </summary>
public sealed class ScalarMnist
{
    private readonly float[] _parameters;
    private readonly int _conv1, _conv2, _conv3, _dense1, _dense2;
    private readonly float[] _a1 = new float[26 * 26 * 32], _p1 = new float[13 * 13 * 32];
    private readonly float[] _a2 = new float[11 * 11 * 64], _p2 = new float[5 * 5 * 64];
    private readonly float[] _a3 = new float[3 * 3 * 64], _d1 = new float[64];

    /// <summary>Copies the parameters of <paramref name="model"/> (SPEC §2 layout).</summary>
    public ScalarMnist(MnistCnn model)
    {
        _parameters = model.Parameters.ToArray();
        _conv1 = 0;
        _conv2 = _conv1 + 3 * 3 * 1 * 32 + 32;
        _conv3 = _conv2 + 3 * 3 * 32 * 64 + 64;
        _dense1 = _conv3 + 3 * 3 * 64 * 64 + 64;
        _dense2 = _dense1 + 576 * 64 + 64;
        if (_dense2 + 64 * 10 + 10 != _parameters.Length)
            throw new InvalidOperationException($"The seed model has {_parameters.Length} parameters, the scalar network expects {_dense2 + 650}.");
    }

    /// <summary>Softmax outputs of one 28×28×1 image.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != 784 || output.Length != 10) throw new ArgumentException("The input must be 784 values and the output 10.");
        Conv(input, 28, 28, 1, 32, _conv1, _a1);
        MaxPool(_a1, 26, 26, 32, _p1);
        Conv(_p1, 13, 13, 32, 64, _conv2, _a2);
        MaxPool(_a2, 11, 11, 64, _p2);
        Conv(_p2, 5, 5, 64, 64, _conv3, _a3);
        Dense(_a3, 576, 64, _dense1, _d1, relu: true);
        Dense(_d1, 64, 10, _dense2, output, relu: false);
        float max = float.NegativeInfinity;
        for (int i = 0; i < 10; i++) max = Math.Max(max, output[i]);
        float sum = 0;
        for (int i = 0; i < 10; i++) sum += output[i] = MathF.Exp(output[i] - max);
        for (int i = 0; i < 10; i++) output[i] /= sum;
    }

    /// <summary>3×3 valid convolution with ReLU; kernel [3, 3, cin, cout] then bias [cout].</summary>
    private void Conv(ReadOnlySpan<float> x, int h, int w, int cin, int cout, int offset, Span<float> y)
    {
        int oh = h - 2, ow = w - 2, bias = offset + 9 * cin * cout;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int f = 0; f < cout; f++)
                {
                    float s = _parameters[bias + f];
                    for (int ki = 0; ki < 3; ki++)
                        for (int kj = 0; kj < 3; kj++)
                            for (int c = 0; c < cin; c++)
                                s += x[((i + ki) * w + j + kj) * cin + c] * _parameters[offset + ((ki * 3 + kj) * cin + c) * cout + f];
                    y[(i * ow + j) * cout + f] = Math.Max(s, 0f);
                }
    }

    /// <summary>2×2 max pooling, stride 2, valid.</summary>
    private static void MaxPool(ReadOnlySpan<float> x, int h, int w, int c, Span<float> y)
    {
        int oh = h / 2, ow = w / 2;
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int k = 0; k < c; k++)
                {
                    float m = float.NegativeInfinity;
                    for (int di = 0; di < 2; di++)
                        for (int dj = 0; dj < 2; dj++)
                            m = Math.Max(m, x[((2 * i + di) * w + 2 * j + dj) * c + k]);
                    y[(i * ow + j) * c + k] = m;
                }
    }

    /// <summary>Dense layer; kernel [in, units] then bias [units].</summary>
    private void Dense(ReadOnlySpan<float> x, int inputs, int units, int offset, Span<float> y, bool relu)
    {
        int bias = offset + inputs * units;
        for (int u = 0; u < units; u++)
        {
            float s = _parameters[bias + u];
            for (int i = 0; i < inputs; i++) s += x[i] * _parameters[offset + i * units + u];
            y[u] = relu ? Math.Max(s, 0f) : s;
        }
    }
}
