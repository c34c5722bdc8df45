using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Layers;
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
        TensorShape? inputShape = InputShape(inputDims, problems);
        TensorShape? current = inputShape;
        bool shapesKnown = current is not null;
        var pendingParameterChecks = new List<(int Index, long Count)>();
        long total = 0;
        // Graphs (SPEC §7): each layer's output shape, and the layers so far by name, for Input = and merges.
        var shapes = new List<TensorShape?>();
        var indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
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
                    int[]? sources = ResolveSources(layer, name, label, i, layers.Count, indexByName, problems);
                    var inputs = new List<TensorShape>();
                    // After a layer that could not be read, the layer above's output is not this one's input.
                    if (sources is not null && !(lastLayerUnreadable && layer.InputArgument is null && !layer.IsMerge))
                        foreach (int source in sources)
                            if ((source < 0 ? inputShape : shapes[source]) is { } known) inputs.Add(known);
                    string producer = sources is null || sources.Length != 1 ? "its inputs"
                        : sources[0] < 0 ? (inputShape is { } x ? $"the input is {x}" : "the input")
                        : $"'{layers[sources[0]].Name}' produces {shapes[sources[0]]}";
                    var check = new LayerChecker(label, i, producer, problems);
                    int before = problems.Count;
                    layer.CheckArguments(check);
                    bool argumentsValid = problems.Count == before;

                    LayerSpec resolved = layer with { Name = name, Sources = (sources ?? Array.Empty<int>()).ToEquatableArray() };
                    LayerSpec? inferred = null;
                    if (sources is not null && inputs.Count == sources.Length && argumentsValid)
                    {
                        inferred = resolved is MergeSpec merge ? merge.InferMerge(inputs, check) : resolved.Infer(inputs[0], check);
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
                    }
                    current = inferred?.Output;
                    if (current is null) shapesKnown = false;
                    shapes.Add(current);
                    indexByName[name] = layers.Count;
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
                case ExpectShapeItem { Dims: var dims } expect when expect.IsNull || (dims.Count < 1 || dims.Count > 3) || dims.Any(d => d < 1):
                    // No shape has this form, whatever the layers above: reported even when their shapes are unknown.
                    problems.Add(new Problem(DiagnosticIds.ExpectedShapeMismatch, i, null, expect.IsNull
                        ? "ExpectShape(null) states no shape: write the expected dimensions, ExpectShape(height, width, channels), ExpectShape(steps, channels) or ExpectShape(features)"
                        : $"ExpectShape({string.Join(", ", dims)}) can never hold: a shape is (height, width, channels), (steps, channels) or (features), every dimension at least 1"));
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

        CheckEveryOutputIsUsed(layers, layerItemIndex, problems);

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
    /// scratch of one layer's methods (<see cref="LayerSpec.ScratchSize"/>: a convolution's zero-padded input, flipped kernel, framed gradient).
    /// </summary>
    public static long StackBytes(int[] inputDims, IReadOnlyList<LayerSpec> layers)
    {
        long scratch = 0;
        foreach (LayerSpec layer in layers)
            scratch = Math.Max(scratch, layer.ScratchSize);
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
        // A chain's gradient flows through two buffers used in turn; a graph's gathers in one buffer per output
        // (and one for the input), with one more for a layer whose input other layers take too.
        long gradients = IsGraph(layers) ? activations + inputSize + largest : 2 * largest;
        return 4 * (activations + gradients + layers[layers.Count - 1].Output.Size);
    }

    /// <summary>
    /// The layers whose outputs <paramref name="layer"/> takes: the layer above it, the one its <c>Input =</c> names, or
    /// a merge's arguments (-1: the model's input). Null after a CNN0012, when a name is not a layer above this one.
    /// </summary>
    private static int[]? ResolveSources(LayerSpec layer, string name, string label, int index, int position,
        Dictionary<string, int> indexByName, List<Problem> problems)
    {
        void Report(string argument, string message) => problems.Add(new Problem(DiagnosticIds.InvalidConnection, index, argument, $"{label}: {message}"));
        int? Find(string reference, string argument)
        {
            if (reference == InputName) return -1;
            if (reference == name)
                Report(argument, $"it names itself as its input; name a layer above it, or \"{InputName}\" for the model's input");
            else if (indexByName.TryGetValue(reference, out int source))
                return source;
            else
                Report(argument, $"\"{reference}\" names no layer above it; name a layer above it, or \"{InputName}\" for the model's input");
            return null;
        }

        if (layer is MergeSpec merge)
        {
            if (layer.InputArgument is not null)
            {
                Report("Input", $"a merge names its inputs as its arguments, [{layer.KerasType}(\"a\", \"b\")], not with Input =");
                return null;
            }
            if (merge.Inputs.Count < 2)
            {
                Report("inputs", $"a merge takes two or more layers, but {(merge.Inputs.Count == 0 ? "none is" : "one is")} named: [{layer.KerasType}(\"a\", \"b\")]");
                return null;
            }
            var sources = new int[merge.Inputs.Count];
            bool valid = true;
            for (int i = 0; i < sources.Length; i++)
            {
                if (Find(merge.Inputs[i], $"inputs[{i}]") is int source) sources[i] = source;
                else valid = false;
            }
            return valid ? sources : null;
        }
        if (layer.InputArgument is { } input)
            return Find(input, "Input") is int source ? new[] { source } : null;
        return new[] { position - 1 };
    }

    /// <summary>CNN0013: a layer whose output neither the model's output (the last layer) nor any other layer takes.</summary>
    private static void CheckEveryOutputIsUsed(List<LayerSpec> layers, List<int> itemIndex, List<Problem> problems)
    {
        var used = new bool[layers.Count];
        foreach (LayerSpec layer in layers)
            foreach (int source in layer.Sources)
                if (source >= 0) used[source] = true;
        for (int i = 0; i < layers.Count - 1; i++)
            if (!used[i])
                problems.Add(new Problem(DiagnosticIds.UnusedLayer, itemIndex[i], null,
                    $"Layer {i + 1} '{layers[i].Name}' ({layers[i].KerasType}): its output reaches neither the model's output (the last layer) nor any other layer; take it with Input = or a merge, or remove it"));
    }

    /// <summary>The name that stands for the model's input in <c>Input =</c> and merges (and no layer may have).</summary>
    public const string InputName = "input";

    /// <summary>Whether the layers form a graph (<c>Input =</c> or a merge) rather than a chain.</summary>
    public static bool IsGraph(IEnumerable<LayerSpec> layers) => layers.Any(l => l.IsMerge || l.InputArgument is not null);

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
        if (dims is null || dims.Length < 1 || dims.Length > 3)
        {
            problems.Add(new Problem(DiagnosticIds.InvalidInputShape, -1, null,
                "The input shape is missing: write [Model(height, width, channels)] for images, [Model(steps, channels)] for sequences or [Model(features)] for vectors"));
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
        return Shape(dims);
    }

    /// <summary>The shape <c>[Model(...)]</c> or <c>[ExpectShape(...)]</c> writes: (h, w, c), (steps, c) or (n).</summary>
    public static TensorShape Shape(int[] dims) => dims.Length switch
    {
        3 => TensorShape.Image(dims[0], dims[1], dims[2]),
        2 => TensorShape.Sequence(dims[0], dims[1]),
        _ => TensorShape.Vector(dims[0]),
    };

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
        if (name == InputName)
        {
            problems.Add(new Problem(DiagnosticIds.InvalidConnection, index, "Name",
                $"{label}: the name '{InputName}' stands for the model's input in Input = and merges; choose another name"));
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
        Activation final = layers[last].FinalActivation;
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
            if (layers[i].FinalActivation == Activation.Softmax)
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
    /// <summary>An input or merge names no layer above it, a merge has fewer than two inputs, or a layer is named "input".</summary>
    public const string InvalidConnection = "CNN0012";
    /// <summary>A layer's output reaches neither the model's output nor another layer.</summary>
    public const string UnusedLayer = "CNN0013";
}
