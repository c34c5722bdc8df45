// This file is also compiled into the generator (linked), which reads attribute arguments by
// nameof on these very types: renaming an argument here renames it there. In the generator
// (CNN_GENERATOR) the types are nested in an internal class, so no second public Cnn attribute exists.
#if CNN_GENERATOR
using System;
#endif
namespace Cnn;
#if CNN_GENERATOR
internal static partial class Attributes
{
#endif

/// <summary>
/// Marks a <c>partial</c> class as a network and gives its input shape. The layers are the layer
/// attributes on the same declaration, in source order (Keras <c>Sequential</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
    /// <summary>An image input of <paramref name="height"/> x <paramref name="width"/> x <paramref name="channels"/> (channels last).</summary>
    public ModelAttribute(int height, int width, int channels) => Shape = [height, width, channels];

    /// <summary>A sequence input (sound, text, sensors) of <paramref name="steps"/> steps with <paramref name="channels"/> channels each.</summary>
    public ModelAttribute(int steps, int channels) => Shape = [steps, channels];

    /// <summary>A vector input of <paramref name="features"/> values.</summary>
    public ModelAttribute(int features) => Shape = [features];

    /// <summary>The input shape as written.</summary>
    public int[] Shape { get; }

    /// <summary>The training loss. Default: <see cref="Cnn.Loss.SparseCategoricalCrossEntropy"/>.</summary>
    public Loss Loss { get; set; } = Loss.SparseCategoricalCrossEntropy;

    /// <summary>
    /// The stack budget in bytes for one sample's forward and backward buffers (default 512 KiB).
    /// A network above it gets warning CNN0007.
    /// </summary>
    public int StackBudget { get; set; } = 512 * 1024;
}
#if CNN_GENERATOR
}
#endif
