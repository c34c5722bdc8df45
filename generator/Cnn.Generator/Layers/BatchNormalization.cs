using System.Collections.Generic;
using System.Globalization;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using A = Cnn.Attributes.BatchNormalizationAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// <c>[BatchNormalization]</c> over the last axis (Keras <c>BatchNormalization</c>; Ioffe and Szegedy, 2015):
/// y = gamma·(x − mean)/sqrt(variance + epsilon) + beta per channel. The batch training step uses the batch's mean
/// and biased variance over every axis but the last and then moves the moving statistics towards them; every other
/// pass uses the moving statistics, which are then constants.
/// </summary>
/// <param name="Momentum">moving = Momentum·moving + (1 − Momentum)·batch statistic.</param>
/// <param name="Epsilon">Added to the variance before its square root.</param>
/// <param name="Center">Whether there is a trainable offset beta.</param>
/// <param name="Scale">Whether there is a trainable scale gamma.</param>
internal sealed record BatchNormalizationSpec(double Momentum, double Epsilon, bool Center, bool Scale) : LayerSpec
{
    /// <summary>Reads <c>[BatchNormalization]</c> and its named arguments (Keras defaults).</summary>
    public static readonly LayerKind Kind = new(nameof(Attributes.BatchNormalizationAttribute), static a => new BatchNormalizationSpec(
        a.NamedDouble(nameof(A.Momentum)) ?? 0.99, a.NamedDouble(nameof(A.Epsilon)) ?? 0.001,
        a.NamedBool(nameof(A.Center), true), a.NamedBool(nameof(A.Scale), true)));

    /// <summary>The channels normalised: the last dimension.</summary>
    public int Channels => Input.Channels;

    /// <inheritdoc/>
    public override string KerasType => "BatchNormalization";

    /// <inheritdoc/>
    public override string DefaultBaseName => "batch_normalization";

    /// <inheritdoc/>
    public override string AttributeName => "[BatchNormalization]";

    /// <inheritdoc/>
    public override IReadOnlyList<ParameterTensor> Tensors
    {
        get
        {
            var tensors = new List<ParameterTensor>(4);
            var shape = new EquatableArray<int>(new[] { Channels });
            if (Scale) tensors.Add(new ParameterTensor("gamma", shape, ParameterInit.Ones));
            if (Center) tensors.Add(new ParameterTensor("beta", shape, ParameterInit.Zeros));
            tensors.Add(new ParameterTensor("moving_mean", shape, ParameterInit.Zeros, Trainable: false));
            tensors.Add(new ParameterTensor("moving_variance", shape, ParameterInit.Ones, Trainable: false));
            return tensors;
        }
    }

    /// <inheritdoc/>
    public override void CheckArguments(LayerChecker check)
    {
        if (!(Momentum >= 0 && Momentum <= 1))
            check.OutOfRange(nameof(A.Momentum), $"the momentum must be in [0, 1], but is {Momentum.ToString(CultureInfo.InvariantCulture)}");
        if (!(Epsilon > 0 && (float)Epsilon > 0f && !double.IsInfinity(Epsilon) && !float.IsInfinity((float)Epsilon)))
            check.OutOfRange(nameof(A.Epsilon), $"epsilon must be a positive finite float, but is {Epsilon.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <inheritdoc/>
    public override LayerSpec? Infer(TensorShape input, LayerChecker check) => this with { Input = input, Output = input };

    /// <inheritdoc/>
    public override string Describe() =>
        $"{Name}: BatchNormalization over {Channels} channels, momentum {Momentum.ToString(CultureInfo.InvariantCulture)}, epsilon {Epsilon.ToString(CultureInfo.InvariantCulture)}{(Scale ? "" : ", no scale")}{(Center ? "" : ", no center")}, {Input}";

    /// <inheritdoc/>
    public override void ListArguments(ArgumentList arguments) => arguments
        .Double("momentum", Momentum).Double("epsilon", Epsilon).Bool("center", Center).Bool("scale", Scale);

    /// <inheritdoc/>
    public override bool ForwardInPlace => true;

    /// <inheritdoc/>
    public override bool BackwardInPlace => true;

    /// <inheritdoc/>
    public override bool UsesBatchStatistics => true;

    /// <inheritdoc/>
    public override int BatchStatisticsSize => 2 * Channels;

    private const string K = "global::Cnn.BatchNormalizationKernels";

    private string Gamma(LayerContext c, string p) => Scale ? $"{p}.Slice({c.Offset("gamma")}, {Channels})" : "default";

    private string Beta(LayerContext c, string p) => Center ? $"{p}.Slice({c.Offset("beta")}, {Channels})" : "default";

    private string Eps => Format.Float(Epsilon);

    private string Formula => $"y[.., c] = {(Scale ? "gamma[c] · " : "")}(x[.., c] − mean[c]) / sqrt(variance[c] + {Epsilon.ToString(CultureInfo.InvariantCulture)}){(Center ? " + beta[c]" : "")}";

    /// <summary>
    /// The statement that writes this layer's normalisation with its moving statistics as y·scale + shift per channel
    /// into <paramref name="scale"/> and <paramref name="shift"/>, for a kernel that applies it on its way out
    /// (<see cref="OutputFusion"/>); <paramref name="context"/> is this layer's, parameters in <c>p</c>.
    /// </summary>
    public string ScaleAndShiftCall(LayerContext context, string scale, string shift) =>
        $"{K}.ScaleAndShift({Gamma(context, "p")}, {Beta(context, "p")}, p.Slice({context.Offset("moving_mean")}, {Channels}), p.Slice({context.Offset("moving_variance")}, {Channels}), {Eps}, {scale}, {shift});";

    /// <inheritdoc/>
    public override void EmitMethods(LayerContext context, SourceWriter code, SourceWriter kernels)
    {
        string s = context.MethodSuffix, ros = Names.ReadOnlySpan, span = Names.Span;
        string moving = $"p.Slice({context.Offset("moving_mean")}, {Channels}), p.Slice({context.Offset("moving_variance")}, {Channels})";

        code.Line("/// <summary>");
        code.Line($"/// {Describe()}, with the moving statistics (every pass but the batch training step):");
        code.Line($"/// {Formula}.");
        code.Line("/// </summary>");
        using (code.Block($"private static void Forward_{s}({ros} p, {ros} x, {span} y)"))
            code.Line($"{K}.Forward(x, y, {Gamma(context, "p")}, {Beta(context, "p")}, {moving}, {Eps});");
        code.Line();

        code.Line("/// <summary>");
        code.Line($"/// Backward pass of {Name} with the moving statistics, which are constants here: dBeta += Σ dy, dGamma += Σ dy·x̂ with");
        code.Line("/// x̂ = (x − mean) / sqrt(variance + ε), then dy becomes dx = dy · gamma / sqrt(variance + ε), in place. The moving");
        code.Line("/// statistics get no gradient (they are not trainable).");
        code.Line("/// </summary>");
        using (code.Block($"private static void Backward_{s}({ros} p, {ros} x, {span} dy, {span} gradients)"))
        {
            string dGamma = Scale ? $"gradients.IsEmpty ? default : {Gamma(context, "gradients")}" : "default";
            string dBeta = Center ? $"gradients.IsEmpty ? default : {Beta(context, "gradients")}" : "default";
            code.Line($"{K}.Backward(x, dy, {dGamma}, {dBeta}, {Gamma(context, "p")}, {moving}, {Eps});");
        }
        code.Line();

        code.Line("/// <summary>");
        code.Line($"/// {Name} over the whole batch in training mode: the batch's mean and biased variance per channel, over every sample and");
        code.Line($"/// position, kept in <paramref name=\"statistics\"/> ([mean, variance]); then {Formula} with them.");
        code.Line("/// Sample i's input starts at xs[xOffset + i·xStride], its output at ys[yOffset + i·yStride]. The samples are spread over up to");
        code.Line("/// <paramref name=\"threads\"/> threads; the sums are taken per sample and then in sample order, so the result does not depend on them.");
        code.Line("/// </summary>");
        using (code.Block($"private static void BatchForward_{s}({ros} p, float[] xs, int xOffset, int xStride, float[] ys, int yOffset, int yStride, int count, {span} statistics, int threads)"))
        {
            code.Line($"{span} mean = statistics.Slice(0, {Channels}), variance = statistics.Slice({Channels}, {Channels});");
            code.Line($"{K}.BatchStatistics(xs, xOffset, xStride, count, {context.SizeName}, mean, variance, threads);");
            code.Line($"{K}.BatchForward(xs, xOffset, xStride, ys, yOffset, yStride, count, {context.SizeName}, {Gamma(context, "p")}, {Beta(context, "p")}, mean, variance, {Eps}, threads);");
        }
        code.Line();

        code.Line("/// <summary>");
        code.Line($"/// Backward pass of {Name} over the whole batch, through the batch statistics (N values per channel):");
        code.Line("/// dBeta += Σ dy, dGamma += Σ dy·x̂, dx = gamma / sqrt(variance + ε) · (dy − Σ dy / N − x̂ · Σ dy·x̂ / N), in place in dy.");
        code.Line("/// Spread over up to <paramref name=\"threads\"/> threads as the forward pass is.");
        code.Line("/// </summary>");
        using (code.Block($"private static void BatchBackward_{s}({ros} p, float[] xs, int xOffset, int xStride, float[] dys, int dyOffset, int dyStride, int count, {ros} statistics, {span} gradients, int threads)"))
        {
            string dGamma = Scale ? Gamma(context, "gradients") : "default";
            string dBeta = Center ? Beta(context, "gradients") : "default";
            code.Line($"{K}.BatchBackward(xs, xOffset, xStride, dys, dyOffset, dyStride, count, {context.SizeName}, {dGamma}, {dBeta}, {Gamma(context, "p")}, statistics.Slice(0, {Channels}), statistics.Slice({Channels}, {Channels}), {Eps}, threads);");
        }
        code.Line();

        code.Line("/// <summary>");
        code.Line($"/// moving = {Momentum.ToString(CultureInfo.InvariantCulture)}·moving + (1 − {Momentum.ToString(CultureInfo.InvariantCulture)})·batch statistic, for the mean and the biased variance (as Keras).");
        code.Line("/// </summary>");
        using (code.Block($"private static void UpdateMovingStatistics_{s}({span} p, {ros} statistics)"))
        {
            code.Line($"{K}.UpdateMoving(p.Slice({context.Offset("moving_mean")}, {Channels}), statistics.Slice(0, {Channels}), {Format.Float(Momentum)});");
            code.Line($"{K}.UpdateMoving(p.Slice({context.Offset("moving_variance")}, {Channels}), statistics.Slice({Channels}, {Channels}), {Format.Float(Momentum)});");
        }
        code.Line();
    }

    /// <inheritdoc/>
    public override void EmitForwardCall(SourceWriter w, LayerContext context, string x, string y, bool training) =>
        w.Line($"Forward_{context.MethodSuffix}(p, {x}, {y});");

    /// <inheritdoc/>
    public override void EmitBackwardCall(SourceWriter w, LayerContext context, BackwardCall call) =>
        w.Line($"{call.Guard}Backward_{context.MethodSuffix}(p, {call.X}, {call.Dy}, {call.Gradients});");

    /// <inheritdoc/>
    public override void EmitBatchForwardCall(SourceWriter w, LayerContext context, BatchCall call) =>
        w.Line($"BatchForward_{context.MethodSuffix}(p, {call.X}, {call.XOffset}, {call.XStride}, {call.Y}, {call.YOffset}, {call.YStride}, {call.Count}, {call.Statistics}, {call.Threads});");

    /// <inheritdoc/>
    public override void EmitBatchBackwardCall(SourceWriter w, LayerContext context, BatchCall call) =>
        w.Line($"BatchBackward_{context.MethodSuffix}(p, {call.X}, {call.XOffset}, {call.XStride}, {call.Y}, {call.YOffset}, {call.YStride}, {call.Count}, {call.Statistics}, {call.Gradients}, {call.Threads});");

    /// <inheritdoc/>
    public override void EmitBatchUpdateCall(SourceWriter w, LayerContext context, BatchCall call) =>
        w.Line($"UpdateMovingStatistics_{context.MethodSuffix}(Parameters, {call.Statistics});");
}
