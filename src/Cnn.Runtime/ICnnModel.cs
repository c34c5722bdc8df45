namespace Cnn;

/// <summary>
/// What every generated model implements, so that training, evaluation, weight files and benchmarks
/// can work with any network. The generated class also has the same members as constants and static
/// properties (<c>MnistCnn.InputSize</c>, <c>MnistCnn.Summary</c>, ...).
/// </summary>
/// <remarks>
/// <see cref="Forward"/>, <see cref="Predict"/>, the <c>AccumulateGradients</c> overloads and
/// <see cref="InputGradient"/> only read <see cref="Parameters"/>: one instance may serve many threads at once.
/// </remarks>
public interface ICnnModel
{
    /// <summary>Number of input values (height·width·channels, or features).</summary>
    int InputSize { get; }

    /// <summary>Number of output values.</summary>
    int OutputSize { get; }

    /// <summary>Number of parameters, trainable or not (Keras <c>model.count_params()</c>): the length of <see cref="Parameters"/>.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// Number of trainable parameters (Keras's "Trainable params"): <see cref="ParameterCount"/> less the entries no
    /// gradient or optimizer step changes (BatchNormalization's moving statistics). Default: all of them.
    /// </summary>
    int TrainableParameterCount => ParameterCount;

    /// <summary>
    /// Whether the batch training step differs from the mean of the per-sample steps, because a layer uses the batch's
    /// statistics (BatchNormalization): the trainer then trains with <c>AccumulateBatchGradients</c>. Default: false.
    /// </summary>
    bool UsesBatchStatistics => false;

    /// <summary>The input shape: <c>[height, width, channels]</c> or <c>[features]</c>.</summary>
    ReadOnlySpan<int> InputShape { get; }

    /// <summary>The output shape.</summary>
    ReadOnlySpan<int> OutputShape { get; }

    /// <summary>The loss the model was declared with.</summary>
    Loss Loss { get; }

    /// <summary>The Keras-style <c>model.summary()</c> table.</summary>
    string Summary { get; }

    /// <summary>The layers in order, with their output shapes and parameter tensors.</summary>
    IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>
    /// Every parameter tensor (<c>&lt;layer&gt;.kernel</c>, <c>&lt;layer&gt;.bias</c>) with its place in <see cref="Parameters"/>.
    /// </summary>
    IReadOnlyList<ParameterTensorInfo> ParameterTensors { get; }

    /// <summary>All parameters, layer by layer, each kernel then its bias. A view of the model's own storage.</summary>
    Span<float> Parameters { get; }

    /// <summary>Glorot-uniform kernels and zero biases (Keras defaults), from <paramref name="seed"/>.</summary>
    void InitializeParameters(int seed);

    /// <summary>Inference on one sample (dropout is the identity). Allocates nothing.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>The index of the largest output of <see cref="Forward"/>.</summary>
    int Predict(ReadOnlySpan<float> input);

    /// <summary>
    /// One sample's loss against a class index (SparseCategoricalCrossEntropy); its gradient with respect
    /// to every parameter is added into <paramref name="gradients"/>. Dropout is the identity.
    /// </summary>
    float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients);

    /// <summary>One sample's loss against <see cref="OutputSize"/> target values; its gradient is added into <paramref name="gradients"/>.</summary>
    float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients);

    /// <summary>
    /// As <see cref="AccumulateGradients(ReadOnlySpan{float}, int, Span{float})"/>, with dropout active
    /// (inverted scaling); the dropped units are drawn from <paramref name="dropoutSeed"/>, so the same seed
    /// gives the same result on any thread.
    /// </summary>
    float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients, ulong dropoutSeed);

    /// <summary>As <see cref="AccumulateGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>, with dropout active.</summary>
    float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients, ulong dropoutSeed);

    /// <summary>
    /// As <see cref="AccumulateGradients(ReadOnlySpan{float}, int, Span{float}, ulong)"/>, and also writes the
    /// training forward pass's output (dropout active) into <paramref name="output"/>: the trainer's accuracy
    /// comes from it, as Keras's training metrics do, with no second forward pass. Generated models implement it
    /// directly; this default runs <see cref="Forward"/> after the step.
    /// </summary>
    float AccumulateGradients(ReadOnlySpan<float> input, int target, Span<float> gradients, ulong dropoutSeed, Span<float> output)
    {
        float loss = AccumulateGradients(input, target, gradients, dropoutSeed);
        Forward(input, output);
        return loss;
    }

    /// <summary>As <see cref="AccumulateGradients(ReadOnlySpan{float}, int, Span{float}, ulong, Span{float})"/>, against target values.</summary>
    float AccumulateGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, Span<float> gradients, ulong dropoutSeed, Span<float> output)
    {
        float loss = AccumulateGradients(input, targets, gradients, dropoutSeed);
        Forward(input, output);
        return loss;
    }

    /// <summary>
    /// The batch training step (SPEC §7): <paramref name="inputs"/> holds n samples end to end, <paramref name="targets"/>
    /// their class indices. Training mode (BatchNormalization normalises with the batch's mean and biased variance; dropout
    /// is the identity). Returns the mean loss and adds the gradient of the mean loss into <paramref name="gradients"/>;
    /// when <paramref name="updateMovingStatistics"/>, moves the moving statistics towards the batch's. The default, for
    /// models without batch statistics, is the mean of the per-sample <c>AccumulateGradients</c>.
    /// </summary>
    float AccumulateBatchGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, Span<float> gradients, bool updateMovingStatistics = true) =>
        AccumulateBatchGradients(inputs, targets, gradients, updateMovingStatistics, 1, default);

    /// <summary>The batch training step against target values: <paramref name="targets"/> holds n·<see cref="OutputSize"/> values.</summary>
    float AccumulateBatchGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients, bool updateMovingStatistics = true) =>
        AccumulateBatchGradients(inputs, targets, gradients, updateMovingStatistics, 1, default);

    /// <summary>
    /// The batch training step on up to <paramref name="threads"/> threads (the result does not depend on them), also
    /// writing the training pass's outputs (n·<see cref="OutputSize"/> values) into <paramref name="outputs"/> unless it is
    /// empty. With <paramref name="dropoutSeeds"/> (one per sample) dropout is active: each sample drops what
    /// <see cref="AccumulateGradients(ReadOnlySpan{float}, int, Span{float}, ulong)"/> with its seed drops.
    /// </summary>
    float AccumulateBatchGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> targets, Span<float> gradients, bool updateMovingStatistics, int threads, Span<float> outputs,
        ReadOnlySpan<ulong> dropoutSeeds = default)
    {
        BatchDefaults.Check(this, inputs.Length, targets.Length, gradients.Length, outputs.Length, 1, dropoutSeeds.Length);
        float[] sum = new float[ParameterCount];
        double loss = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            ReadOnlySpan<float> input = inputs.Slice(i * InputSize, InputSize);
            if (!dropoutSeeds.IsEmpty)
            {
                loss += outputs.IsEmpty
                    ? AccumulateGradients(input, targets[i], sum, dropoutSeeds[i])
                    : AccumulateGradients(input, targets[i], sum, dropoutSeeds[i], outputs.Slice(i * OutputSize, OutputSize));
                continue;
            }
            loss += AccumulateGradients(input, targets[i], sum);
            if (!outputs.IsEmpty) Forward(input, outputs.Slice(i * OutputSize, OutputSize));
        }
        return BatchDefaults.Finish(sum, gradients, loss, targets.Length);
    }

    /// <summary>As the overload with class indices, against target values.</summary>
    float AccumulateBatchGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients, bool updateMovingStatistics, int threads, Span<float> outputs,
        ReadOnlySpan<ulong> dropoutSeeds = default)
    {
        int count = BatchDefaults.Check(this, inputs.Length, targets.Length, gradients.Length, outputs.Length, OutputSize, dropoutSeeds.Length);
        float[] sum = new float[ParameterCount];
        double loss = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> input = inputs.Slice(i * InputSize, InputSize);
            ReadOnlySpan<float> target = targets.Slice(i * OutputSize, OutputSize);
            if (!dropoutSeeds.IsEmpty)
            {
                loss += outputs.IsEmpty
                    ? AccumulateGradients(input, target, sum, dropoutSeeds[i])
                    : AccumulateGradients(input, target, sum, dropoutSeeds[i], outputs.Slice(i * OutputSize, OutputSize));
                continue;
            }
            loss += AccumulateGradients(input, target, sum);
            if (!outputs.IsEmpty) Forward(input, outputs.Slice(i * OutputSize, OutputSize));
        }
        return BatchDefaults.Finish(sum, gradients, loss, count);
    }

    /// <summary>
    /// The gradient of <c>output[outputIndex]</c> (after the final activation) with respect to the input:
    /// a saliency map, or the step for gradient ascent on the input.
    /// </summary>
    void InputGradient(ReadOnlySpan<float> input, int outputIndex, Span<float> inputGradient);

    /// <summary>
    /// The gradient of <c>output[outputIndex]</c> (after the final activation) with respect to every parameter,
    /// added into <paramref name="gradients"/>.
    /// </summary>
    void AccumulateOutputGradients(ReadOnlySpan<float> input, int outputIndex, Span<float> gradients);

    /// <summary>
    /// The activation of layer <paramref name="layerIndex"/> (0-based, as in <see cref="Layers"/>) for one input, after
    /// the layer's activation function; inference, so dropout is the identity. For a layer with an image output these
    /// are its feature maps, <c>[height, width, channels]</c>.
    /// </summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="layerIndex">The layer, in [0, <c>Layers.Count</c>).</param>
    /// <param name="output">Exactly as many values as the layer produces (the product of its <see cref="LayerInfo.OutputShape"/>).</param>
    /// <exception cref="ArgumentException">A span has the wrong length or the index is out of range; nothing is written.</exception>
    void LayerOutput(ReadOnlySpan<float> input, int layerIndex, Span<float> output);

    /// <summary>
    /// The gradient with respect to the input of one channel's summed activation of layer <paramref name="layerIndex"/>,
    /// a^k = Σ_ij a[i, j, k] (for a vector output: a[k]), taken after the layer's activation function; inference, so
    /// dropout is the identity. Gradient ascent on the input with it shows what filter k responds to.
    /// </summary>
    /// <param name="input"><see cref="InputSize"/> values.</param>
    /// <param name="layerIndex">The layer, in [0, <c>Layers.Count</c>).</param>
    /// <param name="channel">The channel k, in [0, last dimension of the layer's output shape).</param>
    /// <param name="inputGradient">Receives <see cref="InputSize"/> values.</param>
    /// <exception cref="ArgumentException">A span has the wrong length or an index is out of range; nothing is written.</exception>
    void ChannelGradient(ReadOnlySpan<float> input, int layerIndex, int channel, Span<float> inputGradient);
}

/// <summary>One parameter tensor of a model: its safetensors name, its shape, and where it sits in <see cref="ICnnModel.Parameters"/>.</summary>
/// <param name="Name">The tensor name: <c>&lt;layerName&gt;.kernel</c> or <c>&lt;layerName&gt;.bias</c>.</param>
/// <param name="Offset">The index of its first value in <see cref="ICnnModel.Parameters"/>.</param>
/// <param name="Shape">Its shape: <c>[kh, kw, in, filters]</c>, <c>[in, units]</c> or <c>[n]</c>.</param>
/// <param name="Trainable">
/// Whether gradients and optimizer steps reach it; false for BatchNormalization's <c>moving_mean</c> and
/// <c>moving_variance</c>, whose gradient is always zero and which no optimizer step changes.
/// </param>
public sealed record ParameterTensorInfo(string Name, int Offset, int[] Shape, bool Trainable = true)
{
    /// <summary>The number of values (the product of <see cref="Shape"/>).</summary>
    public int Length
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}

/// <summary>
/// One layer of a model: what the summary shows, the layers it takes, and its whole configuration, so that a tool
/// (the ONNX exporter, a visualiser) can rebuild the architecture from the model alone.
/// </summary>
/// <param name="Name">The layer name (<c>conv2d</c>, <c>dense_1</c>, ...).</param>
/// <param name="Type">The Keras class name (<c>Conv2D</c>, <c>MaxPooling2D</c>, ...).</param>
/// <param name="OutputShape">The shape the layer produces.</param>
/// <param name="ParameterCount">Its number of parameters.</param>
public sealed record LayerInfo(string Name, string Type, int[] OutputShape, int ParameterCount)
{
    /// <summary>
    /// The layers whose outputs this one takes, in order: names of earlier layers, or <c>"input"</c> for the model's
    /// input. One name for every layer but the merges (<c>Add</c>, <c>Concatenate</c>), which have two or more.
    /// </summary>
    public string[] Inputs { get; init; } = [];

    /// <summary>
    /// The layer's arguments, resolved (defaults filled in, Same padding worked out), under Keras's
    /// <c>get_config()</c> names: see <see cref="LayerArguments"/>.
    /// </summary>
    public LayerArguments Arguments { get; init; } = new();
}
