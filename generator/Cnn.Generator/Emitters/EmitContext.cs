using System.Collections.Generic;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Emitters;

/// <summary>Type names the generated code spells out in full (it lives inside user types, so everything is <c>global::</c>).</summary>
internal static class Names
{
    /// <summary><c>Span&lt;float&gt;</c>.</summary>
    public const string Span = "global::System.Span<float>";

    /// <summary><c>ReadOnlySpan&lt;float&gt;</c>.</summary>
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";

    /// <summary>The runtime's kernel helpers.</summary>
    public const string Kernels = "global::Cnn.Kernels";

    /// <summary><c>Math</c>.</summary>
    public const string Math = "global::System.Math";
}

/// <summary>What a layer's emission needs besides the layer: where it sits, where its parameters start, and the names of its constants.</summary>
/// <param name="Layer">The layer.</param>
/// <param name="Index">Its position in the model (0-based).</param>
/// <param name="ParameterOffset">Where its first tensor starts in <c>Parameters</c>.</param>
/// <param name="Source">The index of the layer whose output it takes (a merge: its first input), or -1 for the model's input.</param>
internal sealed record LayerContext(LayerSpec Layer, int Index, int ParameterOffset, int Source)
{
    /// <summary>Every layer whose output it takes (one, or a merge's inputs), -1 for the model's input.</summary>
    public IReadOnlyList<int> Sources { get; init; } = System.Array.Empty<int>();

    /// <summary>Where the layer's scratch buffers live: the stack, or per-thread arrays when the model is over its stack budget.</summary>
    public BufferPlan Buffers { get; init; } = new(pooled: false);

    /// <summary>The vector widths the build's target may take, for which the layer's SIMD kernels are emitted.</summary>
    public KernelTarget Target { get; init; } = KernelTarget.Default;

    /// <summary>Whether <c>[SkipLocalsInit]</c> may be put on the layer's methods (their stack buffers are cleared where it matters).</summary>
    public bool SkipLocalsInit { get; init; }

    /// <summary>The name of the constant that holds the input's size: <c>InputSize</c> or the source layer's <see cref="SizeName"/>.</summary>
    public string InputSizeName { get; init; } = "InputSize";

    /// <summary>
    /// In <c>Forward</c>: the BatchNormalization (and ReLU) after this layer that its kernel applies on the way out, or
    /// null (<see cref="OutputFusion"/>).
    /// </summary>
    public FusedOutput? Fused { get; init; }

    /// <summary>
    /// In <c>Forward</c>: the ZeroPadding2D that alone feeds this layer and whose input this layer's kernel reads in place,
    /// the padding's zeros skipped (<see cref="PaddingFusion"/>), or null.
    /// </summary>
    public LayerContext? FusedPadding { get; init; }

    /// <summary>
    /// In <c>Forward</c>: the index of the layer whose kernel applies this one on the way out, or that reads this
    /// ZeroPadding2D's input in place; -1 when the layer runs by itself.
    /// </summary>
    public int FusedInto { get; init; } = -1;

    /// <summary>Whether <c>Forward</c> calls the layer's <c>Forward_</c> method with <c>fused: true</c> (<see cref="Fused"/> or <see cref="FusedPadding"/>).</summary>
    public bool FusesInForward => Fused is not null || FusedPadding is not null;

    /// <summary>Writes <c>[SkipLocalsInit]</c> when allowed: a stack buffer the code fills anyway need not be zeroed first.</summary>
    public void EmitSkipLocalsInit(SourceWriter w)
    {
        if (SkipLocalsInit) w.Line("[global::System.Runtime.CompilerServices.SkipLocalsInit]");
    }

    /// <summary>The C# identifier suffix for this layer's methods (the name is validated as an identifier).</summary>
    public string MethodSuffix => Layer.Name;

    /// <summary>The name of the constant that holds this layer's output size: <c>Size_conv2d</c>.</summary>
    public string SizeName => OutputSizeName(Layer.Name);

    /// <summary>
    /// The name of the constant that holds where tensor <paramref name="tensor"/> of this layer starts in <c>Parameters</c>:
    /// <c>Offset_conv2d__kernel</c>. Tensor names have no "__", so layer and tensor names never run together.
    /// </summary>
    public string Offset(string tensor) => TensorOffsetName(Layer.Name, tensor);

    /// <summary>The constant holding the output size of layer <paramref name="layer"/>.</summary>
    public static string OutputSizeName(string layer) => "Size_" + layer;

    /// <summary>The constant holding the offset of tensor <paramref name="tensor"/> of layer <paramref name="layer"/>.</summary>
    public static string TensorOffsetName(string layer, string tensor) => $"Offset_{layer}__{tensor}";
}

/// <summary>Code shared by the layer emitters.</summary>
internal static class EmitHelpers
{
    /// <summary>The call that applies <paramref name="activation"/> in place to <paramref name="span"/>, or null for none.</summary>
    public static string? ActivationCall(Activation activation, string span) => activation switch
    {
        Activation.ReLU => $"{Names.Kernels}.ReLU({span});",
        Activation.Sigmoid => $"{Names.Kernels}.Sigmoid({span});",
        Activation.Tanh => $"{Names.Kernels}.Tanh({span});",
        Activation.Softmax => $"{Names.Kernels}.Softmax({span});",
        Activation.ReLU6 => $"{Names.Kernels}.ReLU6({span});",
        _ => null,
    };

    /// <summary>The call that multiplies <paramref name="dy"/> by the activation's derivative, taken from its output <paramref name="y"/>.</summary>
    public static string? ActivationBackwardCall(Activation activation, string y, string dy) => activation switch
    {
        Activation.ReLU => $"{Names.Kernels}.ReLUBackward({y}, {dy});",
        Activation.Sigmoid => $"{Names.Kernels}.SigmoidBackward({y}, {dy});",
        Activation.Tanh => $"{Names.Kernels}.TanhBackward({y}, {dy});",
        Activation.Softmax => $"{Names.Kernels}.SoftmaxBackward({y}, {dy});",
        Activation.ReLU6 => $"{Names.Kernels}.ReLU6Backward({y}, {dy});",
        _ => null,
    };

    /// <summary>"ReLU", "no activation", ...: for comments.</summary>
    public static string Describe(Activation activation) => activation == Activation.None ? "linear" : activation.ToString();

    /// <summary><paramref name="a"/> * <paramref name="b"/> as C#, simplified when a factor is 0 or 1.</summary>
    public static string Times(string a, int b) => b switch { 0 => "0", 1 => a, _ => $"{a} * {Format.Int(b)}" };

    /// <summary>"<paramref name="a"/> - <paramref name="b"/>" as C#, simplified when b is 0.</summary>
    public static string Minus(string a, int b) => b == 0 ? a : $"{a} - {Format.Int(b)}";

    /// <summary>"<paramref name="a"/> + <paramref name="b"/>" as C#, simplified when b is 0.</summary>
    public static string Plus(string a, int b) => b == 0 ? a : $"{a} + {Format.Int(b)}";

    /// <summary>"<paramref name="a"/> + <paramref name="b"/>" as C#, simplified when a is 0.</summary>
    public static string Plus(int a, string b) => a == 0 ? b : $"{Format.Int(a)} + {b}";

    /// <summary>The expression in parentheses when it is not a single term.</summary>
    public static string Group(string expression) => expression.IndexOf(' ') < 0 ? expression : $"({expression})";
}

/// <summary>
/// Declares the scratch buffers of the generated code. Within the stack budget they are <c>stackalloc</c>; above it
/// (CNN0007) each becomes a <c>[ThreadStatic]</c> array allocated once per thread, so a large model runs on
/// threads with small stacks. Either way the code clears what it reads before writing it.
/// </summary>
internal sealed class BufferPlan
{
    private readonly List<(string Field, long Length)> _fields = new();

    /// <summary>Creates a plan; <paramref name="pooled"/> puts every buffer in per-thread arrays.</summary>
    public BufferPlan(bool pooled) => Pooled = pooled;

    /// <summary>Whether buffers come from per-thread arrays instead of the stack.</summary>
    public bool Pooled { get; }

    /// <summary>The declaration of a buffer <paramref name="name"/> of <paramref name="length"/> floats, owned by <paramref name="owner"/>.</summary>
    public string Declare(string name, long length, string owner)
    {
        if (!Pooled) return $"{Names.Span} {name} = stackalloc float[{length}];";
        string field = $"t_{owner}_{name}";
        if (!_fields.Exists(f => f.Field == field)) _fields.Add((field, length));
        return $"{Names.Span} {name} = ({field} ??= new float[{length}]); // per-thread: the model is over its stack budget";
    }

    /// <summary>
    /// The declaration of a layer method's scratch buffer <paramref name="name"/> of <paramref name="length"/> floats.
    /// Layer methods never run inside one another, so in per-thread arrays one array per name serves every layer
    /// (grown to the largest on first need): a large model's frames then take the memory of one, which stays in cache.
    /// </summary>
    public string DeclareScratch(string name, long length)
    {
        if (!Pooled) return $"{Names.Span} {name} = stackalloc float[{length}];";
        string field = $"t_scratch_{name}";
        int at = _fields.FindIndex(f => f.Field == field);
        if (at < 0) _fields.Add((field, length));
        else if (_fields[at].Length < length) _fields[at] = (field, length);
        return $"{Names.Span} {name} = {Names.Kernels}.Scratch(ref {field}, {length}); // per-thread, shared by the layers: the model is over its stack budget";
    }

    /// <summary>Writes the <c>[ThreadStatic]</c> fields of the pooled buffers.</summary>
    public void EmitFields(SourceWriter w)
    {
        if (_fields.Count == 0) return;
        w.Line("// Scratch buffers, one set per thread: this model's buffers are too large for the stack budget (CNN0007).");
        foreach ((string field, long length) in _fields)
        {
            w.Line("[global::System.ThreadStatic]");
            w.Line($"private static float[]? {field}; // {(field.StartsWith("t_scratch_", System.StringComparison.Ordinal) ? "up to " : "")}{Format.Thousands(length)} floats");
        }
        w.Line();
    }
}
