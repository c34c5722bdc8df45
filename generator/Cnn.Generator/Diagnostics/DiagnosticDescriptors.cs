using Cnn.Generator.Validation;
using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Diagnostics;

/// <summary>Category names of the rules.</summary>
internal static class DiagnosticCategories
{
    /// <summary>Problems with how the model class is declared.</summary>
    public const string Declaration = "Cnn.Declaration";

    /// <summary>Problems with the network itself: arguments, shapes, counts.</summary>
    public const string Network = "Cnn.Network";
}

/// <summary>
/// Every rule of SPEC §4. Messages are complete sentences written by the validator (they name the layer by
/// index and name, and both shapes), so most formats are <c>{0}</c>; the summaries show a typical message.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>
    /// Where each rule's help page is: <c>docs/diagnostics/CNNxxxx.md</c>, in the repository and in the NuGet package
    /// (which packs the folder). The project has no public web address, and a help link must be an absolute URI to
    /// open: so the descriptors carry no help link (the IDE then offers a web search for the id) and the
    /// description says where the page is.
    /// </summary>
    public static string HelpPage(string id) => $"docs/diagnostics/{id}.md";

    private static DiagnosticDescriptor Rule(string id, string title, string format, string category, DiagnosticSeverity severity, string description) =>
        new(id, title, format, category, severity, isEnabledByDefault: true,
            $"{description} Help: {HelpPage(id)} in the Cnn.Generator package (under its folder in the NuGet packages folder) and in its source repository.");

    /// <summary>CNN0001: <c>'MnistCnn' must be declared partial: the generator adds the network's members to it</c>.</summary>
    public static readonly DiagnosticDescriptor NotPartial = Rule(DiagnosticIds.NotPartial,
        "Model class is not partial", "{0}",
        DiagnosticCategories.Declaration, DiagnosticSeverity.Error,
        "Add the 'partial' modifier to the model class and to every type that contains it. A model must be a non-static, non-file class, and neither it nor its type parameters may be named like a generated member (Summary, Forward, Parameters, ...).");

    /// <summary>CNN0002: <c>The input shape (28, 0, 1) has a dimension below 1: every dimension must be at least 1</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidInputShape = Rule(DiagnosticIds.InvalidInputShape,
        "Input shape is missing or invalid", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "Give [Model] the input shape: [Model(height, width, channels)] for images, [Model(features)] for vectors, every dimension at least 1.");

    /// <summary>CNN0003: <c>Layer 1 'conv2d' (Conv2D): the number of filters must be at least 1, but is 0</c>.</summary>
    public static readonly DiagnosticDescriptor ArgumentOutOfRange = Rule(DiagnosticIds.ArgumentOutOfRange,
        "Layer argument is out of range", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "Filters, units, kernel, stride and pool sizes must be at least 1, and a window at most 4,096 cells; a dropout rate must be in [0, 1); layer names must be unique identifiers; Loss must be a Loss value and StackBudget at least 1. Arguments that do not compile are reported too.");

    /// <summary>CNN0004: <c>Layer 3 'dense' (Dense) expects a vector, but 'conv2d' produces 26x26x32: insert [Flatten] before it</c>.</summary>
    public static readonly DiagnosticDescriptor ShapeMismatch = Rule(DiagnosticIds.ShapeMismatch,
        "Layer cannot take its input shape", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "Each layer must accept the shape the layer above produces: Dense and Softmax need a vector (insert [Flatten]), Conv2D, pooling and Flatten need an image, and a window must fit its input.");

    /// <summary>CNN0005: <c>The model has 93,322 parameters, not 93,000 (conv2d 320, ...)</c>.</summary>
    public static readonly DiagnosticDescriptor ParameterCountMismatch = Rule(DiagnosticIds.ParameterCountMismatch,
        "Parameter count differs from ExpectParameters", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "The layers do not have the number of parameters [ExpectParameters] states: fix the layers, or the count if the layers are right.");

    /// <summary>CNN0006: <c>ExpectShape(3, 3, 32) does not hold: layer 5 'conv2d_2' produces 3x3x64</c>.</summary>
    public static readonly DiagnosticDescriptor ExpectedShapeMismatch = Rule(DiagnosticIds.ExpectedShapeMismatch,
        "Shape differs from ExpectShape", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "The layers above [ExpectShape] do not produce the shape it states: fix the layers, or the expected shape.");

    /// <summary>CNN0007: <c>One sample's forward and backward buffers take 900 KiB, more than the stack budget of 512 KiB: ...</c>.</summary>
    public static readonly DiagnosticDescriptor StackBudget = Rule(DiagnosticIds.StackBudget,
        "Network buffers exceed the stack budget", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Warning,
        "Large activations on the stack can overflow small thread stacks. Reduce the size of the early layers, or raise [Model(..., StackBudget = bytes)] if your threads have large stacks.");

    /// <summary>CNN0008: <c>Layer 8 'dense_1' (Dense) ends the model without Softmax, but SparseCategoricalCrossEntropy expects probabilities ...</c>.</summary>
    public static readonly DiagnosticDescriptor LossActivation = Rule(DiagnosticIds.LossActivation,
        "Final activation does not fit the loss", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Warning,
        "Cross-entropy losses read probabilities: end with Softmax for the categorical ones and Sigmoid for BinaryCrossEntropy; do not put Softmax before MeanSquaredError.");

    /// <summary>CNN0009: <c>weights.safetensors: tensor 'conv2d.kernel' has shape [3, 3, 1, 16] but the model needs [3, 3, 1, 32]</c>.</summary>
    public static readonly DiagnosticDescriptor EmbeddedWeights = Rule(DiagnosticIds.EmbeddedWeights,
        "Embedded weight file is missing or does not match", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "The file named by [EmbeddedWeights] must be an AdditionalFile of the project, a valid safetensors file, and hold exactly the model's tensors with the right shapes.");

    /// <summary>CNN0010: <c>[Dense] is on another partial declaration of 'MnistCnn' than [Model]: ...</c>.</summary>
    public static readonly DiagnosticDescriptor SplitDeclarations = Rule(DiagnosticIds.SplitDeclarations,
        "Layer attributes are split across partial declarations", "{0}", DiagnosticCategories.Declaration, DiagnosticSeverity.Error,
        "The order of the layers is the order of the attributes in the source, which only exists on one declaration: put [Model] and every layer attribute on the same partial declaration.");

    /// <summary>CNN0011: <c>The model has no layers: add layer attributes ...</c>.</summary>
    public static readonly DiagnosticDescriptor NoLayers = Rule(DiagnosticIds.NoLayers,
        "Model has no layers", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "A model needs at least one layer attribute after [Model].");

    /// <summary>CNN0012: <c>Layer 5 'shortcut' (Conv2D): Input = "conv9" names no layer above it ...</c>.</summary>
    public static readonly DiagnosticDescriptor InvalidConnection = Rule(DiagnosticIds.InvalidConnection,
        "Layer input names no earlier layer", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Error,
        "Input = and the arguments of [Add] and [Concatenate] name layers above the one that uses them (or \"input\" for the model's input); a merge takes two or more; no layer may be named \"input\".");

    /// <summary>CNN0013: <c>Layer 4 'side' (Conv2D): its output reaches neither the model's output nor any other layer</c>.</summary>
    public static readonly DiagnosticDescriptor UnusedLayer = Rule(DiagnosticIds.UnusedLayer,
        "Layer output is never used", "{0}", DiagnosticCategories.Network, DiagnosticSeverity.Warning,
        "The model's output is the last layer; a layer that neither it nor any other layer takes as input is computed for nothing. Connect it (Input =, [Add], [Concatenate]) or remove it.");

    /// <summary>The descriptor for a validator problem's id.</summary>
    public static DiagnosticDescriptor ForId(string id) => id switch
    {
        DiagnosticIds.NotPartial => NotPartial,
        DiagnosticIds.InvalidInputShape => InvalidInputShape,
        DiagnosticIds.ArgumentOutOfRange => ArgumentOutOfRange,
        DiagnosticIds.ShapeMismatch => ShapeMismatch,
        DiagnosticIds.ParameterCountMismatch => ParameterCountMismatch,
        DiagnosticIds.ExpectedShapeMismatch => ExpectedShapeMismatch,
        DiagnosticIds.StackBudget => StackBudget,
        DiagnosticIds.LossActivation => LossActivation,
        DiagnosticIds.EmbeddedWeights => EmbeddedWeights,
        DiagnosticIds.SplitDeclarations => SplitDeclarations,
        DiagnosticIds.InvalidConnection => InvalidConnection,
        DiagnosticIds.UnusedLayer => UnusedLayer,
        _ => NoLayers,
    };
}
