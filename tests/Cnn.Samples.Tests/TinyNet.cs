using Cnn;

namespace Cnn.Samples.Tests;

/// <summary>A model small enough to train in milliseconds, for the progress tests.</summary>
[Model(4)]
[Dense(3, Activation = Activation.Softmax)]
[ExpectParameters(15)]
public partial class TinyNet
{
    /// <summary>40 samples whose class is the index of the largest of the first three features.</summary>
    public static Dataset Data(int count = 40)
    {
        var inputs = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < 4; f++) inputs[i * 4 + f] = ((i * 7 + f * 3) % 11) / 10f;
            labels[i] = inputs[i * 4] >= inputs[i * 4 + 1] ? (inputs[i * 4] >= inputs[i * 4 + 2] ? 0 : 2) : (inputs[i * 4 + 1] >= inputs[i * 4 + 2] ? 1 : 2);
        }
        return new Dataset(inputs, [4], labels, 3);
    }
}
