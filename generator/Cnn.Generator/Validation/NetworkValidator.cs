using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Validation;

/// <summary>
/// Shape inference and validation: plain code over plain data, no Roslyn types. It walks the attribute
/// list once, works out each layer's name, output shape and parameter count, and collects every problem
/// (it does not stop at the first). After a shape error the shape is unknown, so later layers are still
/// checked for bad arguments but not for shapes, which would only repeat the first error.
/// </summary>
internal static class NetworkValidator
{
    /// <summary>The largest tensor (and parameter total) the generator accepts: 2^28 values, 1 GiB of floats.</summary>
    public const long MaxValues = 1L << 28;

    /// <summary>
    /// The largest kernel or pool window, in cells: a bound on the work of one output pixel, and on the code of
    /// the strided input gradient, which writes one line per kernel row.
    /// </summary>
    public const long MaxWindowCells = 4096;

    /// <summary>
    /// The most float values one training step may keep in its buffers: 2^30 (4 GiB). Beyond it the buffer sizes,
    /// which the generated code holds in <c>int</c> constants, could overflow; far below it CNN0007 already warns.
    /// </summary>
    public const long MaxBufferValues = 1L << 30;

    /// <summary>The default stack budget of <c>[Model]</c>: 512 KiB.</summary>
    public const int DefaultStackBudget = 512 * 1024;

    /// <summary>Validates a network. <paramref name="inputDims"/> is null when the <c>[Model]</c> arguments could not be read.</summary>
    public static ValidationResult Validate(int[]? inputDims, Loss loss, long stackBudget, IReadOnlyList<ParsedItem> items)
    {
        var problems = new List<Problem>();
        var layers = new List<LayerSpec>();
        var layerItemIndex = new List<int>();
        var nameCounters = new Dictionary<string, int>(StringComparer.Ordinal);
        var namesSeen = new HashSet<string>(StringComparer.Ordinal);

        bool lossValid = CheckModelArguments(loss, stackBudget, problems);
        TensorShape? current = InputShape(inputDims, problems);
        string producer = current is { } input ? $"the input is {input}" : "the input";
        bool shapesKnown = current is not null;
        var pendingParameterChecks = new List<(int Index, long Count)>();
        long total = 0;
        bool lastLayerUnreadable = false;

        for (int i = 0; i < items.Count; i++)
        {
            switch (items[i])
            {
                case LayerItem { Layer: var layer }:
                {
                    string name = ResolveName(layer, nameCounters);
                    string label = $"Layer {layers.Count + 1} '{name}' ({layer.KerasType})";
                    CheckName(layer, name, label, i, namesSeen, problems);
                    bool argumentsValid = CheckArguments(layer, label, i, problems);

                    LayerSpec resolved = layer with { Name = name };
                    if (current is { } shape && argumentsValid)
                    {
                        LayerSpec? inferred = Infer(resolved, shape, label, producer, i, problems);
                        if (inferred is not null)
                        {
                            resolved = inferred;
                            total += inferred.ParameterCount;
                            if (total > MaxValues)
                            {
                                problems.Add(new Problem(DiagnosticIds.ShapeMismatch, i, null,
                                    $"{label} brings the model to {Format.Thousands(total)} parameters, more than the {Format.Thousands(MaxValues)} this generator supports"));
                                inferred = null;
                            }
                        }
                        current = inferred?.Output;
                    }
                    else
                    {
                        current = null;
                    }

                    if (current is null) shapesKnown = false;
                    else producer = $"'{name}' produces {current}";
                    layers.Add(resolved);
                    layerItemIndex.Add(i);
                    lastLayerUnreadable = false;
                    break;
                }
                case UnreadableLayerItem:
                    // Its output is unknown: checking the layers below against the shape above it would report errors
                    // that are not there.
                    current = null;
                    shapesKnown = false;
                    lastLayerUnreadable = true;
                    break;
                case ExpectShapeItem { Dims: var dims } expect when expect.IsNull || (dims.Count != 1 && dims.Count != 3) || dims.Any(d => d < 1):
                    // No shape has this form, whatever the layers above: reported even when their shapes are unknown.
                    problems.Add(new Problem(DiagnosticIds.ExpectedShapeMismatch, i, null, expect.IsNull
                        ? "ExpectShape(null) states no shape: write the expected dimensions, ExpectShape(height, width, channels) or ExpectShape(features)"
                        : $"ExpectShape({string.Join(", ", dims)}) can never hold: a shape is (height, width, channels) or (features), every dimension at least 1"));
                    break;
                case ExpectShapeItem { Dims: var dims }:
                    if (current is { } actual && !SameDims(actual, dims))
                    {
                        string where = layers.Count == 0 ? "the input is" : $"layer {layers.Count} '{layers[layers.Count - 1].Name}' produces";
                        problems.Add(new Problem(DiagnosticIds.ExpectedShapeMismatch, i, null,
                            $"ExpectShape({string.Join(", ", dims)}) does not hold: {where} {actual}"));
                    }
                    break;
                case ExpectParametersItem { Count: var count }:
                    pendingParameterChecks.Add((i, count));
                    break;
            }
        }

        if (layers.Count == 0)
            problems.Add(new Problem(DiagnosticIds.NoLayers, -1, null,
                "The model has no layers: add layer attributes such as [Conv2D(32, 3)], [Flatten] and [Dense(10)] to the class"));

        if (shapesKnown)
        {
            foreach ((int index, long expected) in pendingParameterChecks)
            {
                if (expected != total)
                {
                    string breakdown = string.Join(", ", layers.Select(l => $"{l.Name} {Format.Thousands(l.ParameterCount)}"));
                    problems.Add(new Problem(DiagnosticIds.ParameterCountMismatch, index, "count",
                        $"The model has {Format.Thousands(total)} parameters, not {Format.Thousands(expected)} ({breakdown})"));
                }
            }
        }

        long stackBytes = 0;
        if (shapesKnown && layers.Count > 0 && current is not null)
        {
            stackBytes = StackBytes(inputDims!, layers);
            // Convolution scratch included: the emitter holds every buffer size in an int.
            long bufferValues = stackBytes / 4;
            if (bufferValues > MaxBufferValues)
                problems.Add(new Problem(DiagnosticIds.ShapeMismatch, layerItemIndex[layers.Count - 1], null,
                    $"One sample's forward and backward buffers would hold {Format.Thousands(bufferValues)} values, more than the {Format.Thousands(MaxBufferValues)} this generator supports: shrink the layers (fewer filters or units, a stride, pooling)"));
            else if (stackBytes > stackBudget)
                problems.Add(new Problem(DiagnosticIds.StackBudget, -1, null,
                    $"One sample's forward and backward buffers take {Format.Thousands(stackBytes / 1024)} KiB, more than the stack budget of {Format.Thousands(stackBudget / 1024)} KiB: "
                    + "the generated code takes them from per-thread arrays instead (allocated once per thread), which is safe on small thread stacks but not free. Shrink the early layers (fewer filters, a stride, pooling) or raise StackBudget on [Model] if your threads have large stacks"));
        }

        if (layers.Count > 0 && lossValid && !lastLayerUnreadable)
            CheckLossActivation(loss, layers, layerItemIndex, problems);

        return new ValidationResult(layers.ToEquatableArray(), problems.ToEquatableArray(), total, stackBytes);
    }

    /// <summary>
    /// Bytes of stack for one training step, as the emitter allocates them: every layer's output that is
    /// not the identity, two gradient buffers as large as the largest tensor, a target vector, and the largest
    /// scratch of one convolution's backward pass (its zero-padded input, flipped kernel, framed gradient).
    /// </summary>
    public static long StackBytes(int[] inputDims, IReadOnlyList<LayerSpec> layers)
    {
        long scratch = 0;
        foreach (LayerSpec layer in layers)
            if (layer is Conv2DSpec c) scratch = Math.Max(scratch, ConvolutionScratch(c));
        return BufferBytes(inputDims, layers) + 4 * scratch;
    }

    /// <summary>Bytes of the activation and gradient buffers of one training step (without per-layer scratch).</summary>
    public static long BufferBytes(int[] inputDims, IReadOnlyList<LayerSpec> layers)
    {
        long inputSize = inputDims.Aggregate(1L, (a, d) => a * d);
        long activations = 0, largest = inputSize;
        foreach (LayerSpec layer in layers)
        {
            if (!layer.IsIdentity) activations += layer.Output.Size;
            largest = Math.Max(largest, layer.Output.Size);
        }
        return 4 * (activations + 2 * largest + layers[layers.Count - 1].Output.Size);
    }

    /// <summary>Floats of scratch one convolution's backward pass may hold at once (an upper bound).</summary>
    private static long ConvolutionScratch(Conv2DSpec c) => 2 * c.PaddedSize + c.KernelSize + c.FramedSize;

    /// <summary>CNN0003 on <c>[Model]</c>'s named arguments: a loss outside the enum, a stack budget below one byte.</summary>
    private static bool CheckModelArguments(Loss loss, long stackBudget, List<Problem> problems)
    {
        bool lossValid = loss >= Loss.SparseCategoricalCrossEntropy && loss <= Loss.BinaryCrossEntropy;
        if (!lossValid)
            problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, -1, "Loss",
                $"[Model]: {(int)loss} is not a valid Loss; use Loss.SparseCategoricalCrossEntropy, CategoricalCrossEntropy, MeanSquaredError or BinaryCrossEntropy"));
        if (stackBudget < 1)
            problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, -1, "StackBudget",
                $"[Model]: the stack budget must be at least 1 byte, but is {stackBudget}; leave it out for the default of {Format.Thousands(DefaultStackBudget / 1024)} KiB"));
        return lossValid;
    }

    private static TensorShape? InputShape(int[]? dims, List<Problem> problems)
    {
        if (dims is null || (dims.Length != 1 && dims.Length != 3))
        {
            problems.Add(new Problem(DiagnosticIds.InvalidInputShape, -1, null,
                "The input shape is missing: write [Model(height, width, channels)] for images or [Model(features)] for vectors"));
            return null;
        }
        if (dims.Any(d => d < 1))
        {
            problems.Add(new Problem(DiagnosticIds.InvalidInputShape, -1, null,
                $"The input shape ({string.Join(", ", dims)}) has a dimension below 1: every dimension must be at least 1"));
            return null;
        }
        if (dims.Aggregate(1L, (a, d) => Multiply(a, d)) > MaxValues)
        {
            problems.Add(new Problem(DiagnosticIds.InvalidInputShape, -1, null,
                $"The input shape ({string.Join(", ", dims)}) has more than {Format.Thousands(MaxValues)} values, more than this generator supports"));
            return null;
        }
        return dims.Length == 3 ? TensorShape.Image(dims[0], dims[1], dims[2]) : TensorShape.Vector(dims[0]);
    }

    private static string ResolveName(LayerSpec layer, Dictionary<string, int> counters)
    {
        if (layer.Name.Length > 0) return layer.Name;
        string baseName = layer.DefaultBaseName;
        counters.TryGetValue(baseName, out int n);
        counters[baseName] = n + 1;
        return n == 0 ? baseName : $"{baseName}_{n}";
    }

    private static void CheckName(LayerSpec layer, string name, string label, int index, HashSet<string> seen, List<Problem> problems)
    {
        if (layer.Name.Length > 0 && !IsIdentifier(name))
        {
            problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, "Name",
                $"{label}: the name '{name}' must start with a letter or '_' and contain only letters, digits and '_' (at most 64), because it names weight tensors and generated methods"));
            return;
        }
        if (!seen.Add(name))
            problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, "Name",
                $"{label}: another layer is already named '{name}'; layer names must be unique because they name the weight tensors"));
    }

    /// <summary>Whether <paramref name="name"/> is an ASCII identifier of at most 64 characters.</summary>
    public static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || name.Length > 64) return false;
        if (!(name[0] == '_' || IsAsciiLetter(name[0]))) return false;
        foreach (char c in name)
            if (!(c == '_' || IsAsciiLetter(c) || (c >= '0' && c <= '9'))) return false;
        return true;

        static bool IsAsciiLetter(char c) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static bool CheckArguments(LayerSpec layer, string label, int index, List<Problem> problems)
    {
        int before = problems.Count;
        void AtLeastOne(int value, string argument, string what)
        {
            if (value < 1)
                problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, argument,
                    $"{label}: {what} must be at least 1, but is {value}"));
        }
        void WindowCells(int height, int width, string argument, string what)
        {
            long cells = (long)height * width;
            if (height >= 1 && width >= 1 && cells > MaxWindowCells)
                problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, argument,
                    $"{label}: the {height}x{width} {what} has {Format.Thousands(cells)} cells, more than the {Format.Thousands(MaxWindowCells)} this generator unrolls; use a smaller {what}"));
        }
        void Enum<T>(int value, string argument, int count) where T : struct
        {
            if (value < 0 || value >= count)
                problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, argument,
                    $"{label}: {value} is not a valid {typeof(T).Name}"));
        }

        switch (layer)
        {
            case Conv2DSpec c:
                AtLeastOne(c.Filters, "filters", "the number of filters");
                AtLeastOne(c.KernelHeight, "kernelHeight", "the kernel height");
                // A square kernel written once is reported once.
                if (c.KernelWidth != c.KernelHeight) AtLeastOne(c.KernelWidth, "kernelWidth", "the kernel width");
                WindowCells(c.KernelHeight, c.KernelWidth, "kernelHeight", "kernel");
                AtLeastOne(c.StrideHeight, "StrideHeight", "the vertical stride");
                if (c.StrideWidth != c.StrideHeight) AtLeastOne(c.StrideWidth, "StrideWidth", "the horizontal stride");
                Enum<Padding>((int)c.Padding, "Padding", 2);
                Enum<Activation>((int)c.Activation, "Activation", 5);
                break;
            case Pool2DSpec p:
                AtLeastOne(p.PoolHeight, "height", "the pool height");
                if (p.PoolWidth != p.PoolHeight) AtLeastOne(p.PoolWidth, "width", "the pool width");
                WindowCells(p.PoolHeight, p.PoolWidth, "height", "pool window");
                // The stride defaults to the window: only a stride set apart from it is checked on its own.
                if (p.StrideHeight != p.PoolHeight || p.StrideWidth != p.PoolWidth)
                {
                    AtLeastOne(p.StrideHeight, "Stride", "the stride");
                    if (p.StrideWidth != p.StrideHeight) AtLeastOne(p.StrideWidth, "Stride", "the stride");
                }
                Enum<Padding>((int)p.Padding, "Padding", 2);
                break;
            case DenseSpec d:
                AtLeastOne(d.Units, "units", "the number of units");
                Enum<Activation>((int)d.Activation, "Activation", 5);
                break;
            case DropoutSpec r:
                if (!(r.Rate >= 0 && r.Rate < 1))
                    problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, "rate",
                        $"{label}: the dropout rate must be in [0, 1), but is {r.Rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
                else if ((float)r.Rate >= 1f)
                    // The generated code keeps the rate as a float, and scales the kept values by 1 / (1 - rate).
                    problems.Add(new Problem(DiagnosticIds.ArgumentOutOfRange, index, "rate",
                        $"{label}: the dropout rate {r.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture)} rounds to 1 as a float, which would drop every value; use at most 0.9999999"));
                break;
        }
        return problems.Count == before;
    }

    private static LayerSpec? Infer(LayerSpec layer, TensorShape input, string label, string producer, int index, List<Problem> problems)
    {
        void Mismatch(string message, string? argument = null) =>
            problems.Add(new Problem(DiagnosticIds.ShapeMismatch, index, argument, message));

        switch (layer)
        {
            case Conv2DSpec c:
            {
                if (!input.IsImage)
                {
                    Mismatch($"{label} expects an image (height x width x channels), but {producer}: a convolution cannot follow [Flatten] or [Dense]");
                    return null;
                }
                if (c.Activation == Activation.Softmax)
                {
                    Mismatch($"{label} cannot apply Softmax to an image: Softmax needs a vector; use it on a [Dense] layer after [Flatten]", "Activation");
                    return null;
                }
                if (!Window(label, producer, input, c.KernelHeight, c.KernelWidth, c.StrideHeight, c.StrideWidth, c.Padding, "kernel", problems, index,
                        out int oh, out int ow, out int top, out int left))
                    return null;
                var output = TensorShape.Image(oh, ow, c.Filters);
                if (!CheckSize(output, label, index, problems)) return null;
                // kh·kw·in·filters can pass long.MaxValue for absurd arguments: multiply with saturation.
                long kernelSize = Multiply(Multiply(c.KernelHeight, c.KernelWidth), Multiply(input.Channels, c.Filters));
                if (kernelSize > MaxValues)
                {
                    Mismatch($"{label} needs {c.KernelHeight}x{c.KernelWidth}x{input.Channels}x{c.Filters} = {Format.Thousands(kernelSize)} kernel values, more than the {Format.Thousands(MaxValues)} this generator supports");
                    return null;
                }
                return c with { Input = input, Output = output, PadTop = top, PadLeft = left };
            }
            case Pool2DSpec p:
            {
                if (!input.IsImage)
                {
                    Mismatch($"{label} expects an image (height x width x channels), but {producer}: pooling cannot follow [Flatten] or [Dense]");
                    return null;
                }
                if (!Window(label, producer, input, p.PoolHeight, p.PoolWidth, p.StrideHeight, p.StrideWidth, p.Padding, "pool window", problems, index,
                        out int oh, out int ow, out int top, out int left))
                    return null;
                return p with { Input = input, Output = TensorShape.Image(oh, ow, input.Channels), PadTop = top, PadLeft = left };
            }
            case DenseSpec d:
            {
                if (input.IsImage)
                {
                    Mismatch($"{label} expects a vector, but {producer}: insert [Flatten] before it");
                    return null;
                }
                long kernelSize = Multiply(input.Size, d.Units);
                if (kernelSize > MaxValues)
                {
                    Mismatch($"{label} needs {Format.Thousands(kernelSize)} kernel values ({input.Size} x {d.Units}), more than the {Format.Thousands(MaxValues)} this generator supports");
                    return null;
                }
                return d with { Input = input, Output = TensorShape.Vector(d.Units) };
            }
            case FlattenSpec f:
                if (!input.IsImage)
                {
                    Mismatch($"{label} expects an image to flatten, but {producer}, which is already a vector: remove [Flatten]");
                    return null;
                }
                return f with { Input = input, Output = TensorShape.Vector(input.Size) };
            case ActivationSpec { Activation: Activation.Softmax } s when input.IsImage:
                Mismatch($"{label} expects a vector, but {producer}: insert [Flatten] (and usually a [Dense] layer) before it");
                return null;
            default:
                return layer with { Input = input, Output = input };
        }
    }

    /// <summary>
    /// Output size of a sliding window, as TensorFlow computes it: Valid gives floor((in - k) / s) + 1;
    /// Same gives ceil(in / s) with total padding max((out - 1)·s + k - in, 0), the smaller half first.
    /// </summary>
    private static bool Window(string label, string producer, TensorShape input, int kh, int kw, int sh, int sw, Padding padding,
        string what, List<Problem> problems, int index, out int oh, out int ow, out int top, out int left)
    {
        top = left = 0;
        if (padding == Padding.Same)
        {
            oh = (int)(((long)input.Height + sh - 1) / sh);
            ow = (int)(((long)input.Width + sw - 1) / sw);
            top = (int)(Math.Max((long)(oh - 1) * sh + kh - input.Height, 0) / 2);
            left = (int)(Math.Max((long)(ow - 1) * sw + kw - input.Width, 0) / 2);
            return true;
        }
        oh = ow = 0;
        if (kh > input.Height || kw > input.Width)
        {
            problems.Add(new Problem(DiagnosticIds.ShapeMismatch, index, null,
                $"{label} has a {kh}x{kw} {what}, larger than its {input.Height}x{input.Width} input ({producer}): use a smaller {what}, remove a pooling layer above, or Padding = Padding.Same"));
            return false;
        }
        oh = (input.Height - kh) / sh + 1;
        ow = (input.Width - kw) / sw + 1;
        return true;
    }

    private static bool CheckSize(TensorShape shape, string label, int index, List<Problem> problems)
    {
        long size = Multiply(Multiply(shape.Height, shape.Width), shape.Channels);
        if (size <= MaxValues) return true;
        problems.Add(new Problem(DiagnosticIds.ShapeMismatch, index, null,
            $"{label} would produce {shape} = {Format.Thousands(size)} values, more than the {Format.Thousands(MaxValues)} this generator supports"));
        return false;
    }

    /// <summary><paramref name="a"/>·<paramref name="b"/> for non-negative factors, or <see cref="long.MaxValue"/> when that overflows.</summary>
    public static long Multiply(long a, long b) => a != 0 && b > long.MaxValue / a ? long.MaxValue : a * b;

    private static bool SameDims(TensorShape shape, EquatableArray<int> dims)
    {
        int[] actual = shape.Dims;
        if (actual.Length != dims.Count) return false;
        for (int i = 0; i < actual.Length; i++)
            if (actual[i] != dims[i]) return false;
        return true;
    }

    private static void CheckLossActivation(Loss loss, List<LayerSpec> layers, List<int> itemIndex, List<Problem> problems)
    {
        int last = layers.Count - 1;
        Activation final = layers[last] is IActivated a ? a.Activation : Activation.None;
        string Label(int i) => $"Layer {i + 1} '{layers[i].Name}' ({layers[i].KerasType})";

        Activation expected = loss switch
        {
            Loss.SparseCategoricalCrossEntropy or Loss.CategoricalCrossEntropy => Activation.Softmax,
            Loss.BinaryCrossEntropy => Activation.Sigmoid,
            _ => Activation.None,
        };

        if (loss == Loss.MeanSquaredError && final == Activation.Softmax)
        {
            problems.Add(new Problem(DiagnosticIds.LossActivation, itemIndex[last], null,
                $"{Label(last)} ends the model with Softmax, but the loss is MeanSquaredError: use Loss = Loss.CategoricalCrossEntropy for class probabilities, or remove the Softmax"));
            return;
        }
        if (expected != Activation.None && final != expected)
            problems.Add(new Problem(DiagnosticIds.LossActivation, itemIndex[last], null,
                $"{Label(last)} ends the model without {expected}, but {loss} expects probabilities from {expected}: set Activation = Activation.{expected} on the last layer, or add [{expected}] after it"));

        for (int i = 0; i < last; i++)
            if (layers[i] is IActivated { Activation: Activation.Softmax })
                problems.Add(new Problem(DiagnosticIds.LossActivation, itemIndex[i], null,
                    $"{Label(i)} applies Softmax before the last layer: Softmax belongs at the output, where {loss} reads probabilities"));
    }
}

/// <summary>The rule ids of SPEC §4, as plain strings the pure validator can use.</summary>
internal static class DiagnosticIds
{
    /// <summary>The model class is not partial.</summary>
    public const string NotPartial = "CNN0001";
    /// <summary>The input shape is missing or invalid.</summary>
    public const string InvalidInputShape = "CNN0002";
    /// <summary>A layer argument is out of range.</summary>
    public const string ArgumentOutOfRange = "CNN0003";
    /// <summary>A layer cannot take its input.</summary>
    public const string ShapeMismatch = "CNN0004";
    /// <summary>ExpectParameters differs from the real count.</summary>
    public const string ParameterCountMismatch = "CNN0005";
    /// <summary>ExpectShape differs from the shape at that point.</summary>
    public const string ExpectedShapeMismatch = "CNN0006";
    /// <summary>The stack footprint exceeds the budget.</summary>
    public const string StackBudget = "CNN0007";
    /// <summary>The final activation does not fit the loss.</summary>
    public const string LossActivation = "CNN0008";
    /// <summary>An embedded weight file is missing or does not match.</summary>
    public const string EmbeddedWeights = "CNN0009";
    /// <summary>Layer attributes are split across partial declarations.</summary>
    public const string SplitDeclarations = "CNN0010";
    /// <summary>The model has no layers.</summary>
    public const string NoLayers = "CNN0011";
}
