using System.Reflection;

namespace Cnn;

/// <summary>
/// A model's parameters read where an assembly holds them: the F32 data of an embedded safetensors resource whose
/// tensors lie back to back in the model's own order (SPEC §2), as <see cref="EmbeddedWeights.Borrow"/> found them.
/// A model made by the generated <c>CreateWithEmbeddedWeights()</c> reads these values in its passes until something
/// asks for its writable <c>Parameters</c>; then it copies them once into an array of its own. So an inference-only
/// program never copies its weights (nor touches fresh memory for them), and the assembly's memory is never written.
/// </summary>
public sealed unsafe class EmbeddedParameters
{
    private readonly float* _values;
    private readonly int _length;
    // The memory belongs to the assembly's loaded image: holding the assembly keeps it there (a collectible one too).
    private readonly Assembly _owner;

    internal EmbeddedParameters(float* values, int length, Assembly owner)
    {
        _values = values;
        _length = length;
        _owner = owner;
    }

    /// <summary>The parameters, in the layout of the model's <c>Parameters</c>.</summary>
    public ReadOnlySpan<float> Values => new(_values, _length);
}
