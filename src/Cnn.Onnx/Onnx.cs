using Cnn.Onnx.Export;
using Google.Protobuf;

namespace Cnn.Onnx;

/// <summary>
/// ONNX export of generated models (SPEC §8): <see cref="Export(ICnnModel, string)"/> writes any model, with its current
/// parameters, as an ONNX file that ONNX Runtime runs with the model's results.
/// </summary>
/// <remarks>
/// <para>
/// <b>The file.</b> IR version 7, opset 13 of the default domain, producer <c>Cnn.Generator</c>; metadata <c>cnn.class</c>
/// (the model's type) and <c>cnn.loss</c> (its <see cref="Loss"/>). One input, <c>input</c>, channels first with a
/// symbolic batch <c>N</c>: <c>[N, C, H, W]</c> for an image model (the model's <c>[H, W, C]</c> transposed),
/// <c>[N, C, L]</c> for a sequence (<c>[L, C]</c>), <c>[N, F]</c> for a vector. One output, the model's
/// <see cref="ICnnModel.Forward"/> after the final activation, channels first likewise when it is not a vector, named
/// as the last layer (<c>layer/reorder</c> when a Gather puts a flattened image back in the model's order, below).
/// </para>
/// <para>
/// <b>Names.</b> Each layer's output is the tensor named as the layer. The layer's main node is named as the layer;
/// any other node of the layer is named <c>layer/part</c>, and an output inside the layer <c>layer/part</c> too
/// (a fused activation reads <c>layer/linear</c>). Initializers holding parameters keep their safetensors names
/// (<c>conv2d.kernel</c>, <c>conv2d.bias</c>, <c>batch_normalization.moving_mean</c>, ...), in ONNX's layout; constants
/// the export adds are <c>layer/part</c>. Every main node's doc string is the layer's type and arguments.
/// </para>
/// <para><b>Layers</b> (activations fused into a layer follow its main node as node <c>layer/relu</c>, <c>layer/relu6</c>,
/// <c>layer/sigmoid</c>, <c>layer/tanh</c> or <c>layer/softmax</c>, and write the tensor <c>layer</c>):</para>
/// <list type="bullet">
/// <item><c>Conv2D</c>, <c>Conv1D</c>: <c>Conv</c>(x, kernel [out, in, kh, kw] (or [out, in, k]), bias if UseBias) with
/// <c>kernel_shape</c>, <c>strides</c>, <c>dilations</c>, <c>group</c> 1 and explicit <c>pads</c> [top, left, bottom, right]
/// (or [before, after]): Valid 0; Same as TensorFlow, the smaller half before (asymmetric when the total is odd);
/// Causal all before.</item>
/// <item><c>DepthwiseConv2D</c>: <c>Conv</c> with <c>group</c> = input channels C, kernel <c>name.depthwise_kernel</c>
/// [C·M, 1, kh, kw] (output channel ci·M + j, as the model's).</item>
/// <item><c>SeparableConv2D</c>: node <c>name/depthwise</c>, the depthwise <c>Conv</c> (no bias) writing
/// <c>name/depthwise</c>, then node <c>name</c>, a 1x1 <c>Conv</c> with <c>name.pointwise_kernel</c> [F, C·M, 1, 1] and the bias.</item>
/// <item><c>MaxPooling2D</c>/<c>1D</c>: <c>MaxPool</c>; <c>AveragePooling2D</c>/<c>1D</c>: <c>AveragePool</c> with
/// <c>count_include_pad</c> 0; both with <c>kernel_shape</c>, <c>strides</c>, explicit <c>pads</c>, <c>ceil_mode</c> 0.</item>
/// <item>Global poolings: <c>GlobalAveragePool</c> or <c>GlobalMaxPool</c> (node <c>name</c>, writing <c>name/pooled</c>),
/// then <c>Flatten</c> axis 1 (node <c>name/flatten</c>) to [N, C].</item>
/// <item><c>Dense</c>: <c>Gemm</c>(x, B, bias) with <c>transB</c> 1, B = <c>name.kernel</c> transposed to [units, in]. After a
/// Flatten of an image (or sequence) the rows of the kernel are reordered from HWC to CHW, as ONNX flattens NCHW.</item>
/// <item><c>Flatten</c>: <c>Flatten</c> axis 1.</item>
/// <item><c>BatchNormalization</c>: <c>BatchNormalization</c> (inference) with <c>epsilon</c> and <c>momentum</c>, inputs
/// <c>name.gamma</c>, <c>name.beta</c>, <c>name.moving_mean</c>, <c>name.moving_variance</c>; without Scale the scale is
/// ones named <c>name/unit_scale</c>, without Center the offset zeros named <c>name/zero_offset</c>.</item>
/// <item><c>ReLU</c>: <c>Relu</c>; with <c>max_value</c> m, <c>Clip</c>(0, m); with a <c>negative_slope</c> s, <c>LeakyRelu</c>
/// alpha s; with both, <c>LeakyRelu</c> (node <c>name</c>, writing <c>name/leaky</c>) then <c>Clip</c>(—, m) (node
/// <c>name/max_value</c>). ReLU6 (fused) is <c>Clip</c>(0, 6). <c>LeakyReLU</c>: <c>LeakyRelu</c> alpha.</item>
/// <item><c>Activation</c> (Sigmoid, Tanh): <c>Sigmoid</c>, <c>Tanh</c>. <c>Softmax</c>: <c>Softmax</c> axis 1.</item>
/// <item><c>Dropout</c>: <c>Dropout</c> with its rate as the <c>ratio</c> input <c>name/ratio</c> (the identity at inference).</item>
/// <item><c>ZeroPadding2D</c>: <c>Pad</c>, mode constant, pads <c>name/pads</c> [0, 0, top, left, 0, 0, bottom, right].</item>
/// <item><c>Add</c>: <c>Add</c> of two inputs, <c>Sum</c> of three or more. <c>Concatenate</c>: <c>Concat</c> axis 1.</item>
/// </list>
/// <para>
/// A flattened image keeps ONNX's CHW order through elementwise layers (BatchNormalization's tensors are reordered
/// with it) and Concatenate, into the next Dense's kernel. Where CHW-ordered and model-ordered vectors meet in an
/// <c>Add</c>, or a model ends on one, a <c>Gather</c> along axis 1 (node <c>layer/reorder</c>, <c>layer/reorder_i</c>)
/// puts it back in the model's order.
/// </para>
/// <para>
/// <b>Round trip.</b> <see cref="OnnxImporter"/> reads such a file back to the same attributes and the same weights,
/// bit for bit, by these conventions: <c>Sum</c> is an Add of n inputs; the stand-ins <c>name/unit_scale</c> and
/// <c>name/zero_offset</c> (exactly so named, ones and zeros) are Scale/Center false; a <c>Dropout</c> node named as its
/// layer, writing that tensor, with the rate <c>name/ratio</c>, stays a Dropout layer (other Dropout nodes are dropped);
/// <c>X/depthwise</c> read only by the 1x1 <c>Conv</c> <c>X</c> is one SeparableConv2D; <c>LeakyRelu</c> then
/// <c>Clip</c>(—, m) is ReLU with NegativeSlope and MaxValue; the reorder <c>Gather</c> of a flattened image is no layer;
/// <c>cnn.loss</c> is the loss. The main node's doc string decides only where the graph is ambiguous: a LeakyRelu whose
/// layer is <c>ReLU</c> (ReLU with NegativeSlope), and Same padding whose pads are all 0 (Same, not Valid). A
/// Concatenate of a flattened image with other vectors does not come back (the importer has no layer for it).
/// </para>
/// </remarks>
public static class Onnx
{
    /// <summary>The ONNX opset the exported graphs use.</summary>
    public const int Opset = (int)OnnxExporter.Opset;

    /// <summary>
    /// Writes <paramref name="model"/> with its current parameters as the ONNX file <paramref name="path"/>, atomically: a
    /// temporary file in the same directory, renamed over the target, so a failed export leaves the old file as it was.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (a missing directory, no permission); the message names it.</exception>
    /// <exception cref="NotSupportedException">A layer this export does not know.</exception>
    /// <exception cref="ArgumentException">The model does not describe its layers fully (compiled by an older generator).</exception>
    public static void Export(ICnnModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model);
        try
        {
            SafeTensorsWriter.WriteAtomically(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new IOException($"Cannot write the ONNX file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="model"/> as ONNX into <paramref name="stream"/>.</summary>
    /// <exception cref="NotSupportedException">A layer this export does not know.</exception>
    /// <exception cref="ArgumentException">The model does not describe its layers fully (compiled by an older generator).</exception>
    public static void Export(ICnnModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        OnnxExporter.Build(model).WriteTo(stream);
    }

    /// <summary>The bytes of the ONNX file of <paramref name="model"/>.</summary>
    /// <exception cref="NotSupportedException">A layer this export does not know.</exception>
    /// <exception cref="ArgumentException">The model does not describe its layers fully (compiled by an older generator).</exception>
    public static byte[] ToBytes(ICnnModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return OnnxExporter.Build(model).ToByteArray();
    }
}
