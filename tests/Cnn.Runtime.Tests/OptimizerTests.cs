namespace Cnn.Runtime.Tests;

/// <summary>Each optimizer against its Keras formula, worked by hand in double precision for three steps.</summary>
public class OptimizerTests
{
    private static readonly float[][] s_gradients = [[0.5f, -1f], [0.25f, 2f], [-0.75f, 0.5f]];

    private static float[] Run(IOptimizer optimizer)
    {
        float[] p = [1f, -2f];
        foreach (float[] g in s_gradients) optimizer.Step(p, g);
        return p;
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void Sgd_PlainMomentumAndNesterov()
    {
        double[] Reference(double lr, double momentum, bool nesterov)
        {
            double[] p = [1, -2], v = [0, 0];
            foreach (float[] g in s_gradients)
                for (int i = 0; i < 2; i++)
                {
                    v[i] = momentum * v[i] - lr * g[i];
                    p[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
                }
            return p;
        }
        AssertClose(Reference(0.1, 0, false), Run(new Sgd(0.1f)));
        AssertClose(Reference(0.1, 0.9, false), Run(new Sgd(0.1f, 0.9f)));
        AssertClose(Reference(0.1, 0.9, true), Run(new Sgd(0.1f, 0.9f, nesterov: true)));
        Assert.NotEqual(Run(new Sgd(0.1f, 0.9f))[0], Run(new Sgd(0.1f, 0.9f, nesterov: true))[0]);
    }

    [Fact]
    public void RmsProp_KerasDefaults()
    {
        double[] p = [1, -2], ms = [0, 0];
        foreach (float[] g in s_gradients)
            for (int i = 0; i < 2; i++)
            {
                ms[i] = 0.9 * ms[i] + 0.1 * g[i] * g[i];
                p[i] -= 0.001 * g[i] / (Math.Sqrt(ms[i]) + 1e-7);
            }
        AssertClose(p, Run(new RmsProp()));
    }

    [Fact]
    public void Adam_KerasDefaultsWithBiasCorrection()
    {
        double[] p = [1, -2], m = [0, 0], v = [0, 0];
        int t = 0;
        foreach (float[] g in s_gradients)
        {
            t++;
            for (int i = 0; i < 2; i++)
            {
                m[i] = 0.9 * m[i] + 0.1 * g[i];
                v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                p[i] -= 0.001 * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-7);
            }
        }
        AssertClose(p, Run(new Adam()));
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "momentum", "nesterov", "rmsprop", "adam" };

    private static IOptimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Sgd(0.1f, 0.9f),
        "nesterov" => new Sgd(0.1f, 0.9f, nesterov: true),
        "rmsprop" => new RmsProp(),
        _ => new Adam(),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void VectorLanes_GiveTheSameBitsAsOneParameterAlone(string name)
    {
        // 37 parameters: whole vectors on any width, then a scalar rest; each lane must match a one-parameter run.
        const int n = 37, steps = 4;
        float Gradient(int step, int i) => MathF.Sin(step * 7.3f + i * 1.7f) * (1 + i % 5);
        var p = new float[n];
        for (int i = 0; i < n; i++) p[i] = 1f - i * 0.03f;
        float[] start = (float[])p.Clone();
        IOptimizer many = Create(name);
        for (int step = 0; step < steps; step++)
            many.Step(p, Enumerable.Range(0, n).Select(i => Gradient(step, i)).ToArray());
        for (int i = 0; i < n; i++)
        {
            IOptimizer one = Create(name);
            float[] alone = [start[i]];
            for (int step = 0; step < steps; step++) one.Step(alone, [Gradient(step, i)]);
            Assert.True(alone[0] == p[i], $"{name} parameter {i}: {p[i]:R} in a vector, {alone[0]:R} alone");
        }
    }

    [Fact]
    public void Reset_ForgetsTheState()
    {
        var adam = new Adam(0.1f);
        float[] first = Run(adam);
        adam.Reset();
        Assert.Equal(first, Run(adam));
    }

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void StepWithTensors_NeverChangesNonTrainableEntries_AndStepsTheRestAsBefore(string name)
    {
        // A BatchNormalization layer's tensors between two trainable ones: gamma, beta, then the moving statistics.
        ParameterTensorInfo[] tensors =
        [
            new("dense.kernel", 0, [3, 2]),
            new("batch_normalization.gamma", 6, [2]),
            new("batch_normalization.beta", 8, [2]),
            new("batch_normalization.moving_mean", 10, [2], Trainable: false),
            new("batch_normalization.moving_variance", 12, [2], Trainable: false),
            new("dense_1.bias", 14, [19]),
        ];
        float Gradient(int step, int i) => MathF.Sin(step * 7.3f + i * 1.7f) * (1 + i % 5);
        IOptimizer masked = Create(name), plain = Create(name);
        float[] p = Enumerable.Range(0, 33).Select(i => 0.1f * i - 1f).ToArray();
        float[] q = (float[])p.Clone();
        for (int step = 0; step < 3; step++)
        {
            // Nonzero gradients everywhere, the moving statistics included.
            float[] g = Enumerable.Range(0, 33).Select(i => Gradient(step, i)).ToArray();
            masked.Step(p, g, tensors);
            plain.Step(q, g);
        }
        for (int i = 0; i < p.Length; i++)
        {
            if (i is >= 10 and < 14)
                Assert.Equal(0.1f * i - 1f, p[i]);
            else
                Assert.Equal(q[i], p[i]);
        }
        Assert.NotEqual(0.1f * 10 - 1f, q[10]); // the plain step does move them: the test can see a change
    }

    [Fact]
    public void WrongGradientLength_IsAnArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new RmsProp().Step(new float[3], new float[2]));
    }
}
