using System.Collections.Generic;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Model;

/// <summary>
/// One layer of a network: the attribute's arguments plus what shape inference worked out, and everything the
/// generator knows about its kind. A layer kind is one record deriving from this one, in one file under
/// <c>Layers/</c>: how it checks its arguments, infers its shape, lays out its parameters, describes itself and
/// emits its code. <see cref="Layers.LayerKinds"/> is the only list of the kinds.
/// </summary>
/// <remarks>
/// Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when
/// adding members. Computed properties are not part of equality.
/// </remarks>
internal abstract record LayerSpec
{
    /// <summary>The layer name: the <c>Name</c> argument, or the Keras default (<c>conv2d_1</c>).</summary>
    public string Name { get; init; } = "";

    /// <summary>
    /// The <c>Input =</c> argument as written: the name of the layer whose output this one takes, or <c>"input"</c>;
    /// null for the layer right above. Merges name their inputs as their arguments instead (<see cref="Layers.MergeSpec"/>).
    /// </summary>
    public string? InputArgument { get; init; }

    /// <summary>The layers whose outputs this one takes, as indices in the model (-1: the model's input), once resolved.</summary>
    public EquatableArray<int> Sources { get; init; }

    /// <summary>Whether the layer takes two or more inputs (<c>[Add]</c>, <c>[Concatenate]</c>).</summary>
    public virtual bool IsMerge => false;

    /// <summary>The shape the layer receives (a merge: its first input's).</summary>
    public TensorShape Input { get; init; }

    /// <summary>The shape the layer produces.</summary>
    public TensorShape Output { get; init; }

    /// <summary>The Keras class name shown in the summary (<c>Conv2D</c>, <c>MaxPooling2D</c>, ...).</summary>
    public abstract string KerasType { get; }

    /// <summary>The base of the Keras default name (<c>conv2d</c>, <c>max_pooling2d</c>, ...).</summary>
    public abstract string DefaultBaseName { get; }

    /// <summary>The attribute as the user writes it, for messages (<c>[Dense]</c>).</summary>
    public abstract string AttributeName { get; }

    // ---- Validation (pure): called by the NetworkValidator in this order.

    /// <summary>Reports the arguments that are out of range (CNN0003), before any shape is known.</summary>
    public virtual void CheckArguments(LayerChecker check) { }

    /// <summary>
    /// Shape inference: this layer with <see cref="Input"/>, <see cref="Output"/> and any geometry it needs set,
    /// or null after reporting through <paramref name="check"/> why it cannot take <paramref name="input"/> (CNN0004).
    /// </summary>
    public abstract LayerSpec? Infer(TensorShape input, LayerChecker check);

    // ---- Parameters (valid once shapes are known).

    /// <summary>The layer's parameter tensors in their order in <c>Parameters</c> (SPEC §2): none for most layers.</summary>
    public virtual IReadOnlyList<ParameterTensor> Tensors => System.Array.Empty<ParameterTensor>();

    /// <summary>The number of parameters (Keras <c>count_params()</c> of the layer).</summary>
    public long ParameterCount
    {
        get
        {
            long total = 0;
            foreach (ParameterTensor tensor in Tensors) total += tensor.Length;
            return total;
        }
    }

    /// <summary>The activation applied at the layer's output (the loss checks and fuses the final one).</summary>
    public virtual Activation FinalActivation => Activation.None;

    /// <summary>Whether the output is the input itself in every pass (no values change, no buffer is needed).</summary>
    public virtual bool IsIdentity => false;

    /// <summary>Whether the output is the input itself at inference (dropout), so inference passes give it no buffer.</summary>
    public virtual bool IsIdentityAtInference => IsIdentity;

    /// <summary>
    /// Whether the layer may run in place at inference (an activation, BatchNormalization: each output value is
    /// computed from input values that nothing writes before it), so that <c>Forward</c> runs it in its input's buffer
    /// when no later layer reads that input: its forward call is then written with the same span for x and y.
    /// </summary>
    public virtual bool ForwardInPlace => false;

    /// <summary>
    /// Whether, in <c>Forward</c>, this layer's kernel may apply a BatchNormalization that alone reads its output, and a
    /// ReLU that alone reads that (or this layer's output), on the way out, instead of those layers running passes of
    /// their own (<see cref="Emitters.OutputFusion"/>): a convolution without an activation of its own. Such a layer's
    /// <c>Forward_</c> method takes <c>bool fused = false</c> and reads <see cref="Emitters.LayerContext.Fused"/>.
    /// </summary>
    public virtual bool TakesNormalization => false;

    /// <summary>
    /// Whether the layer's <c>Forward</c> kernel can read the input of a ZeroPadding2D that feeds it alone in place,
    /// skipping the taps on the zeros (<see cref="Emitters.PaddingFusion"/>). Such a layer's <c>Forward_</c> method takes
    /// <c>bool fused = false</c> and reads <see cref="Emitters.LayerContext.FusedPadding"/>.
    /// </summary>
    public virtual bool ReadsPaddingInPlace => false;

    /// <summary>
    /// Whether the layer's <c>Forward</c> kernel can also apply an Add after it (<see cref="Emitters.OutputFusion"/>), adding
    /// the Add's other input on the way out; its <c>Forward_</c> method then takes <c>ReadOnlySpan&lt;float&gt; residual</c>.
    /// </summary>
    public virtual bool TakesResidual => false;

    /// <summary>Floats of scratch the layer's methods may hold at once beyond its output (an upper bound, for the stack budget).</summary>
    public virtual long ScratchSize => 0;

    // ---- Emission.

    /// <summary>A one-line description for comments: <c>conv2d: Conv2D 3x3 stride 1 valid, ReLU, 28x28x1 -> 26x26x32</c>.</summary>
    public abstract string Describe();

    /// <summary>
    /// Lists the layer's resolved arguments under Keras's <c>get_config()</c> names, for <c>LayerInfo.Arguments</c> (the
    /// keys by kind are documented on <c>Cnn.LayerArguments</c>): none for a layer without any.
    /// </summary>
    public virtual void ListArguments(ArgumentList arguments) { }

    /// <summary>
    /// Writes the layer's own methods: the readable <c>Forward_</c>/<c>Backward_</c> methods with their formula into
    /// <paramref name="code"/>, and the register-blocked SIMD kernels they call into <paramref name="kernels"/>.
    /// Layers whose passes are a statement or two write nothing here and do it in the calls.
    /// </summary>
    public virtual void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels) { }

    /// <summary>Writes the statements that run the layer forward from the span <paramref name="x"/> into <paramref name="y"/>.</summary>
    /// <param name="w">The method being written.</param>
    /// <param name="context">The layer's place in the model.</param>
    /// <param name="x">The input span, as C#.</param>
    /// <param name="y">The output span, as C#.</param>
    /// <param name="training">A training pass (dropout active when the pass's <c>dropout</c> flag is set), or inference.</param>
    public abstract void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training);

    /// <summary>
    /// Writes the call <c>Forward</c> makes to a layer that applies later layers on the way out or reads a padding in place
    /// (<see cref="Emitters.LayerContext.FusesInForward"/>): <c>Forward_{name}(p, x, y, fused: true{extra})</c>.
    /// </summary>
    /// <param name="w">Where to write.</param>
    /// <param name="context">The layer's context.</param>
    /// <param name="x">The input span, as C#.</param>
    /// <param name="y">The output span, as C#.</param>
    /// <param name="extra">Further arguments (", residual: ..."), or "".</param>
    /// <param name="comment">What the kernel does besides, for the comment after the call.</param>
    public virtual void EmitFusedForwardCall(SourceWriter w, LayerContext context, string x, string y, string extra, string comment) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y}, fused: true{extra}); // {comment}");

    /// <summary>
    /// Whether the backward pass changes dy in place, so that it then is the gradient of the layer's input
    /// (activations, dropout, the identity), rather than writing that gradient into a second buffer.
    /// </summary>
    public virtual bool BackwardInPlace => false;

    /// <summary>
    /// Writes the statements that take the gradient back through the layer: into <see cref="BackwardCall.Dx"/>,
    /// or in place in <see cref="BackwardCall.Dy"/> when <see cref="BackwardInPlace"/>.
    /// </summary>
    public abstract void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call);

    // ---- The batch training step (SPEC §7): layers that couple the samples of a batch.

    /// <summary>
    /// Whether the layer couples the samples of a batch in the batch training step (BatchNormalization uses the batch's
    /// statistics), so that the step runs it over the whole batch at once between the per-sample phases. Such a layer
    /// works in place in its backward pass (<see cref="BackwardInPlace"/>) and writes the three batch calls below.
    /// </summary>
    public virtual bool UsesBatchStatistics => false;

    /// <summary>Floats of batch statistics the batch step keeps for the layer between its forward and backward pass.</summary>
    public virtual int BatchStatisticsSize => 0;

    /// <summary>Writes the statements that run the layer forward over the whole batch in training mode.</summary>
    public virtual void EmitBatchForwardCall(SourceWriter w, LayerContext context, BatchCall call) { }

    /// <summary>Writes the statements that take the whole batch's gradient back through the layer, in place in dy.</summary>
    public virtual void EmitBatchBackwardCall(SourceWriter w, LayerContext context, BatchCall call) { }

    /// <summary>Writes the statements that fold the batch statistics into the layer's moving statistics.</summary>
    public virtual void EmitBatchUpdateCall(SourceWriter w, LayerContext context, BatchCall call) { }
}

/// <summary>
/// Where a batch layer finds its tensors in the batch step, as C# expressions: each sample's value of a tensor is a
/// run of floats in an array, sample <c>i</c> at <c>offset + i·stride</c>.
/// </summary>
/// <param name="X">The array holding the layer's input.</param>
/// <param name="XOffset">Where sample 0's input starts.</param>
/// <param name="XStride">Floats from one sample's input to the next.</param>
/// <param name="Y">The array holding the layer's output (the forward pass), or dy in the backward pass.</param>
/// <param name="YOffset">Where sample 0's output (or dy) starts.</param>
/// <param name="YStride">Floats from one sample's output (or dy) to the next.</param>
/// <param name="Count">The number of samples.</param>
/// <param name="Statistics">A span of <see cref="LayerSpec.BatchStatisticsSize"/> floats that keeps the batch statistics.</param>
/// <param name="Gradients">The parameter gradients to add into (backward).</param>
/// <param name="Threads">The threads the layer may spread its per-sample work over (its result must not depend on them).</param>
internal readonly record struct BatchCall(string X, string XOffset, string XStride, string Y, string YOffset, string YStride, string Count, string Statistics, string Gradients, string Threads);

/// <summary>How a parameter tensor starts out (Keras defaults).</summary>
internal enum ParameterInit
{
    /// <summary>Glorot-uniform over the tensor's fan in and fan out.</summary>
    GlorotUniform,
    /// <summary>All zeros.</summary>
    Zeros,
    /// <summary>All ones.</summary>
    Ones,
}

/// <summary>One parameter tensor of a layer: its safetensors name suffix, shape (SPEC §2), initialiser and whether training changes it.</summary>
/// <param name="Name">The name after the layer's (<c>kernel</c>, <c>bias</c>, <c>moving_mean</c>).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Init">How <c>InitializeParameters</c> fills it.</param>
/// <param name="FanIn">Glorot's fan in (0 for other initialisers).</param>
/// <param name="FanOut">Glorot's fan out (0 for other initialisers).</param>
/// <param name="Trainable">Whether gradients and optimizer steps reach it.</param>
internal sealed record ParameterTensor(string Name, EquatableArray<int> Shape, ParameterInit Init, int FanIn = 0, int FanOut = 0, bool Trainable = true)
{
    /// <summary>The number of values.</summary>
    public long Length
    {
        get
        {
            long length = 1;
            foreach (int d in Shape) length = NetworkValidator.Multiply(length, d);
            return length;
        }
    }

    /// <summary>A Glorot-uniform tensor (a kernel).</summary>
    public static ParameterTensor Glorot(string name, int fanIn, int fanOut, params int[] shape) =>
        new(name, new EquatableArray<int>(shape), ParameterInit.GlorotUniform, fanIn, fanOut);

    /// <summary>A tensor of zeros (a bias).</summary>
    public static ParameterTensor Zeros(string name, params int[] shape) => new(name, new EquatableArray<int>(shape), ParameterInit.Zeros);
}

/// <summary>
/// The spans and flags of one layer's step in a backward pass, as C# expressions.
/// </summary>
/// <param name="X">The layer's input (kept from the forward pass).</param>
/// <param name="Y">The layer's output (kept from the forward pass).</param>
/// <param name="Dy">The gradient of the layer's output; layers may overwrite it.</param>
/// <param name="Dx">Where the gradient of the layer's input goes (may be <c>default</c> when it is not wanted).</param>
/// <param name="Gradients">The parameter gradients to add into, or <c>default</c> when they are not wanted.</param>
/// <param name="SkipActivation">An expression that is true when the loss already took dy through the final activation.</param>
/// <param name="Guard">A prefix for each statement (<c>if (layerIndex &gt;= 3) </c>), or empty.</param>
/// <param name="Training">A training pass (dropout may be active), or an inference pass.</param>
internal readonly record struct BackwardCall(string X, string Y, string Dy, string Dx, string Gradients, string SkipActivation, string Guard, bool Training);
