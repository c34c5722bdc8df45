using System.Runtime.CompilerServices;
using Cnn.Generator.IntegrationTests.Models;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// A generated model's <c>Parameters</c> start on a 64-byte boundary (the kernels' whole-vector weight loads then never
/// straddle two cache lines), whether the model owns them from the start or copies its embedded weights on request.
/// </summary>
public class ParameterStorageTests
{
    private static unsafe nuint Address(Span<float> values) => (nuint)Unsafe.AsPointer(ref values.GetPinnableReference());

    [Fact]
    public void AModelsParameters_StartOnA64ByteBoundary()
    {
        // Models without [EmbeddedWeights]: the storage they own from the start.
        for (int i = 0; i < 8; i++)
        {
            var model = new KerasMnist();
            Assert.Equal(KerasMnist.ParameterCount, model.Parameters.Length);
            Assert.Equal(0u, Address(model.Parameters) % 64);
            Assert.Equal(0u, Address(new TinyConv().Parameters) % 64);
        }
    }

    [Fact]
    public void AnEmbeddedWeightsModelMadeWithNew_GetsItsStorageOnA64ByteBoundary()
    {
        for (int i = 0; i < 8; i++)
        {
            var model = new EmbeddedFashionCnn();
            Assert.Equal(EmbeddedFashionCnn.ParameterCount, model.Parameters.Length);
            Assert.Equal(0u, Address(model.Parameters) % 64);
            Assert.Equal(0u, Address(new TinyInOrder().Parameters) % 64);
        }
    }

    [Fact]
    public void EmbeddedWeightsCopiedOnRequest_StartOnA64ByteBoundary()
    {
        for (int i = 0; i < 8; i++)
        {
            EmbeddedFashionCnn model = EmbeddedFashionCnn.CreateWithEmbeddedWeights();
            Assert.Equal(0u, Address(model.Parameters) % 64);
            Assert.Contains(model.Parameters.ToArray(), v => v != 0);
        }
    }
}
