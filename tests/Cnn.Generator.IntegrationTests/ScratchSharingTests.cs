using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// A model over its stack budget shares one per-thread array per scratch name among its layers (a frame, a flipped
/// kernel, the phases of a strided input gradient...): it must give the bits the same network gives with every buffer
/// on the stack, in the forward pass, the gradients and the input gradient, call after call, on any thread.
/// </summary>
public class ScratchSharingTests
{
    private static float[] Values(int count, ulong seed)
    {
        var random = new RandomSource(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = random.NextSingle() * 2f - 1f;
        return values;
    }

    private static (float[] Output, float[] Gradients, float[] InputGradient, float Loss) Run(ICnnModel model, float[] input, float[] targets)
    {
        var output = new float[model.OutputSize];
        model.Forward(input, output);
        var gradients = new float[model.ParameterCount];
        float loss = model.AccumulateGradients(input, targets, gradients);
        var inputGradient = new float[model.InputSize];
        model.InputGradient(input, 1, inputGradient);
        return (output, gradients, inputGradient, loss);
    }

    [Fact]
    public void PooledScratch_GivesTheBitsOfTheStack_CallAfterCall_OnAnyThread()
    {
        Assert.Equal(ScratchOnStack.ParameterCount, ScratchPooled.ParameterCount);
        var onStack = new ScratchOnStack();
        var pooled = new ScratchPooled();
        onStack.InitializeParameters(5);
        // Moving statistics away from 0 and 1, so the fused scale and shift matter.
        Values(ScratchOnStack.ParameterCount, 6).AsSpan().CopyTo(onStack.Parameters);
        foreach (ParameterTensorInfo tensor in ScratchOnStack.ParameterTensors.Where(t => t.Name.EndsWith("moving_variance", StringComparison.Ordinal)))
            for (int i = 0; i < tensor.Length; i++) onStack.Parameters[tensor.Offset + i] = 0.5f + i * 0.25f;
        onStack.Parameters.CopyTo(pooled.Parameters);

        for (ulong sample = 0; sample < 4; sample++)
        {
            float[] input = Values(ScratchOnStack.InputSize, 10 + sample), targets = Values(ScratchOnStack.OutputSize, 20 + sample);
            var expected = Run(onStack, input, targets);
            Assert.Contains(expected.Gradients, g => g != 0f);
            Assert.Contains(expected.InputGradient, g => g != 0f);
            var actual = Run(pooled, input, targets);
            Assert.Equal(expected.Output, actual.Output);
            Assert.Equal(expected.Gradients, actual.Gradients);
            Assert.Equal(expected.InputGradient, actual.InputGradient);
            Assert.Equal(expected.Loss, actual.Loss);

            (float[] Output, float[] Gradients, float[] InputGradient, float Loss) onThread = default;
            var thread = new Thread(() => onThread = Run(pooled, input, targets));
            thread.Start();
            thread.Join();
            Assert.Equal(expected.Output, onThread.Output);
            Assert.Equal(expected.Gradients, onThread.Gradients);
            Assert.Equal(expected.InputGradient, onThread.InputGradient);
        }
    }
}
