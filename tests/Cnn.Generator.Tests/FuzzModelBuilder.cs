using System.Globalization;
using System.Text;

namespace Cnn.Generator.Tests;

/// <summary>
/// One fuzz case: a source file with one or two model classes (in a namespace of its own), and what SPEC says
/// about it, worked out by <see cref="FuzzModelBuilder"/> on its own (it never asks the generator's validator).
/// </summary>
/// <param name="Index">The case number (its namespace is <c>Fuzz.U{Index}</c>).</param>
/// <param name="Source">The file.</param>
/// <param name="Problems">
/// Every diagnostic SPEC calls for, each written "CNN0004: why" (errors and warnings; a compiler error on an attribute
/// is reported as CNN0002 on [Model], CNN0003 on a layer); empty when the file must get no CNN diagnostic.
/// </param>
/// <param name="Models">How many [Model] classes the file declares.</param>
internal sealed record FuzzCase(int Index, string Source, IReadOnlyList<string> Problems, int Models)
{
    /// <summary>The warnings among the ids: CNN0007 and CNN0008.</summary>
    public static readonly IReadOnlySet<string> WarningIds = new HashSet<string>(StringComparer.Ordinal) { "CNN0007", "CNN0008" };

    /// <summary>The diagnostic ids the generator must report for the file, no more and no fewer.</summary>
    public IReadOnlySet<string> ExpectedIds { get; } = Problems.Select(p => p[..7]).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether some SPEC error rule is broken (or an argument does not compile), so a CNN error must be reported.</summary>
    public bool Invalid => ExpectedIds.Any(id => !WarningIds.Contains(id));
}

/// <summary>
/// Writes random model declarations as C# text from a seeded <see cref="Random"/>: every layer kind of SPEC §1 with
/// valid and invalid arguments (0, negatives, int.MinValue/MaxValue, 65536, huge windows and shapes, wrong types,
/// missing and extra arguments, bad enum values, duplicate names), ExpectShape/ExpectParameters anywhere, and odd
/// declarations (not partial, static, file-local, nested, generic, records, keyword names, split attributes, two
/// models of the same name). Alongside it tracks the shapes itself, as SPEC §2 defines them, and records every
/// rule the declaration breaks, with its SPEC §4 id: the set of ids is the expectation the fuzz test holds the
/// generator to. What SPEC leaves to the generator is modelled as the generator documents it: its limits (2^28 values,
/// 4,096-cell windows, 2^30 buffer values), its stack footprint for CNN0007 (<c>NetworkValidator.StackBytes</c>), and an
/// attribute that does not compile (a CNN0002 or CNN0003 error of its own; an unreadable layer leaves the shapes after
/// it unknown and takes no name).
/// </summary>
internal sealed class FuzzModelBuilder(int seed)
{
    /// <summary>The generator's documented limits (README / CNN0003 and CNN0004 messages).</summary>
    private const long MaxValues = 1L << 28, MaxWindowCells = 4096, MaxBufferValues = 1L << 30;

    /// <summary>The loss of a [Model] that does not compile: no CNN0008 is reported against it.</summary>
    private const int UnknownLoss = -1000;

    /// <summary>SPEC §4's default stack budget for CNN0007: 512 KiB.</summary>
    private const long DefaultStackBudget = 512 * 1024;

    private readonly Random _random = new(seed);

    /// <summary>
    /// A tame case draws no deliberately bad value and fits its windows to the shape: without them most random
    /// networks would break some rule, and the "valid ones compile" half would see too few.
    /// </summary>
    private bool _tame;

    /// <summary>The chance of a deliberately bad choice: <paramref name="p"/>, or none in a tame case.</summary>
    private bool Bad(double p) => !_tame && Chance(p);

    private static readonly string[] s_losses = ["SparseCategoricalCrossEntropy", "CategoricalCrossEntropy", "MeanSquaredError", "BinaryCrossEntropy"];
    private static readonly string[] s_paddings = ["Valid", "Same"];
    private static readonly string[] s_activations = ["None", "ReLU", "Sigmoid", "Tanh", "Softmax"];

    private static readonly string[] s_generatedMembers =
    [
        "InputSize", "OutputSize", "ParameterCount", "TrainingLoss", "InputShape", "OutputShape", "Summary", "Layers",
        "ParameterTensors", "Parameters", "InitializeParameters", "Forward", "Predict", "AccumulateGradients", "InputGradient",
    ];

    /// <summary>Builds case <paramref name="index"/>.</summary>
    public FuzzCase Build(int index)
    {
        _tame = Chance(0.35);
        var problems = new List<string>();
        var text = new StringBuilder();
        text.Append("using Cnn;\n");
        string ns = $"Fuzz.U{index}" + (Chance(0.05) ? ".@event" : "");
        bool fileScoped = Chance(0.2);
        text.Append(fileScoped ? $"namespace {ns};\n" : $"namespace {ns}\n{{\n");
        int models = 1;

        if (Chance(0.08))
        {
            // Two models with the same simple name that differ in nesting, generic arity or case: their generated
            // files must not collide.
            models = 2;
            (string first, string second) = Pick(
                ("Net", "Outer+Net"), ("Net", "Net<T>"), ("Net", "net"), ("Outer+Net", "Outer_Net"), ("Net<T>", "Net_1"),
                ("Outer<T>+Net", "Outer+Net"), ("Net<T>", "Net<T, U>"));
            text.Append(Declaration(first, problems));
            text.Append(Declaration(second, problems));
        }
        else
        {
            text.Append(Declaration(null, problems));
        }
        if (Chance(0.05))
        {
            // Types beside the model named like what the generated code uses: it must spell everything global::.
            text.Append($"internal static class {Pick("System", "Math", "Span", "Kernels", "Losses", "RandomSource", "LayerInfo", "Initializers", "ReadOnlySpan", "ParameterTensorInfo", "ICnnModel2", "GeneratedCode")} {{ }}\n");
        }
        if (!fileScoped) text.Append("}\n");
        return new FuzzCase(index, text.ToString(), problems, models);
    }

    /// <summary>
    /// One model class, possibly nested. <paramref name="shape"/> fixes the name and nesting ("Outer+Net", "Net&lt;T&gt;");
    /// null picks them at random.
    /// </summary>
    private string Declaration(string? shape, List<string> problems)
    {
        string name;
        string? typeParameters = null;
        string? outer = null;
        if (shape is not null)
        {
            string[] parts = shape.Split('+');
            if (parts.Length == 2) outer = $"public partial class {parts[0]}";
            name = parts[^1];
            int lt = name.IndexOf('<');
            if (lt >= 0)
            {
                typeParameters = name[lt..];
                name = name[..lt];
            }
        }
        else
        {
            name = Pick(_tame ? 0.9 : 0.55, "Net", "MnistCnn", "Model", "@void", "@class", "ICnnModel", "net2", "Ünïcode", "_x",
                _tame ? "Net" : Pick(s_generatedMembers));
            // Type parameters named like the generated code's parameters and locals must not matter.
            if (Chance(0.1)) typeParameters = Pick("<T>", "<T, U>", "<@int>", _tame ? "<T>" : "<Summary>", "<TInput>", "<x>", "<p>", "<input>", "<dy>");
            if (Chance(0.25))
                outer = Pick(
                    "public partial class Outer", "partial class @struct", "public static partial class Holder", "partial record Rec",
                    "partial struct Box", "public partial interface IHolder", "partial class Generic<TOuter>", _tame ? "partial class Outer" : "public class NotPartial",
                    "ref partial struct RefBox", "readonly partial struct ReadOnlyBox", "unsafe partial class UnsafeOuter",
                    "partial class Constrained<TOuter> where TOuter : struct", "partial record struct RecordBox");
        }

        var model = new StringBuilder();
        string modifiers = shape is not null ? "public partial class" : Pick(_tame ? 1 : 0.6, "public partial class",
            "partial class", "internal sealed partial class", "public partial record", "public abstract partial class",
            "public class", "public static partial class", "file partial class", "sealed partial class");
        if (outer is not null && modifiers.StartsWith("file ", StringComparison.Ordinal))
            modifiers = "public partial class"; // file-local types cannot be nested: that would only be a compiler error

        if (!modifiers.Contains("partial", StringComparison.Ordinal)) problems.Add("CNN0001: the class is not partial");
        if (modifiers.Contains("static", StringComparison.Ordinal)) problems.Add("CNN0001: the class is static");
        if (modifiers.StartsWith("file ", StringComparison.Ordinal)) problems.Add("CNN0001: the class is file-local");
        if (outer is not null && !outer.Contains("partial", StringComparison.Ordinal)) problems.Add("CNN0001: the containing type is not partial");
        if (s_generatedMembers.Contains(name)) problems.Add($"CNN0001: a class named {name} cannot hold a member {name}");
        if (typeParameters == "<Summary>") problems.Add("CNN0001: a type parameter named Summary clashes with a member");

        // Attributes on the [Model] declaration, grouped into lists at random; sometimes some of them move to a
        // second partial declaration of the same class (CNN0010).
        bool split = modifiers.Contains("partial", StringComparison.Ordinal) && Bad(0.05);
        List<(string Text, bool There)> attributes = Attributes(problems, split);
        List<string> here = attributes.Where(a => !a.There).Select(a => a.Text).ToList();
        List<string> there = attributes.Where(a => a.There).Select(a => a.Text).ToList();
        string head = modifiers + " " + name + (typeParameters ?? "");
        model.Append(AttributeLists(here)).Append(head).Append(Chance(0.5) ? ";\n" : " { }\n");
        if (there.Count > 0)
            model.Append(AttributeLists(there)).Append(head.Replace("abstract ", "").Replace("sealed ", "")).Append(" { }\n");

        return outer is null ? model.ToString() : $"{outer}\n{{\n{model}}}\n";
    }

    private string AttributeLists(List<string> attributes)
    {
        var text = new StringBuilder();
        int i = 0;
        while (i < attributes.Count)
        {
            int n = Math.Min(attributes.Count - i, Chance(0.8) ? 1 : 1 + _random.Next(3));
            text.Append('[').Append(string.Join(", ", attributes.Skip(i).Take(n))).Append("]\n");
            i += n;
        }
        return text.ToString();
    }

    // ---- The network ------------------------------------------------------------------------------------------

    /// <summary>The oracle's state while the list is written: the shape so far (null once unknown), names, totals.</summary>
    private sealed class Track
    {
        public long[]? Shape;
        public long Total;
        public readonly List<long> Outputs = [];
        public readonly List<bool> Identity = [];
        public long InputSize;
        public long Scratch;
        public readonly HashSet<string> Names = new(StringComparer.Ordinal);
        public readonly Dictionary<string, int> Counters = new(StringComparer.Ordinal);
        public int Layers;
        /// <summary>The activation (Activation enum value, 0 for none) of each layer the generator can read, for CNN0008.</summary>
        public readonly List<int> Activations = [];
        /// <summary>Whether the last layer does not compile: the final activation is unknown, so no CNN0008.</summary>
        public bool LastUnreadable;
        public bool Known => Shape is not null;

        /// <summary>A copy: an attribute moved to another declaration (CNN0010) leaves the list as it was.</summary>
        public Track Copy()
        {
            var copy = new Track { Shape = Shape, Total = Total, InputSize = InputSize, Scratch = Scratch, Layers = Layers, LastUnreadable = LastUnreadable };
            copy.Outputs.AddRange(Outputs);
            copy.Identity.AddRange(Identity);
            copy.Activations.AddRange(Activations);
            copy.Names.UnionWith(Names);
            foreach (var pair in Counters) copy.Counters[pair.Key] = pair.Value;
            return copy;
        }
    }

    /// <summary>
    /// The attribute list, [Model] first. When <paramref name="split"/>, some list items go to a second partial
    /// declaration (There): each is CNN0010, and the generator does not read it into the network.
    /// </summary>
    private List<(string Text, bool There)> Attributes(List<string> problems, bool split)
    {
        var attributes = new List<(string Text, bool There)>();
        var t = new Track();
        int loss = 0;
        long budget = DefaultStackBudget;

        attributes.Add((ModelAttribute(t, problems, ref loss, ref budget), false));

        // A list item, written against the tracked state; one that moves to the other declaration leaves it unchanged.
        void Item(Func<Track, List<string>, string> write)
        {
            bool there = split && Chance(0.4);
            if (!there)
            {
                attributes.Add((write(t, problems), false));
                return;
            }
            string text = write(t.Copy(), []);
            problems.Add($"CNN0010: [{text}] is on another partial declaration");
            attributes.Add((text, true));
        }

        int count = Bad(0.03) ? 0 : 1 + _random.Next(Chance(0.2) ? 10 : 6);
        for (int i = 0; i < count; i++)
        {
            if (Chance(0.08)) Item(ExpectShape);
            Item(Layer);
        }
        if (Chance(0.1)) Item(ExpectShape);
        if (t.Layers == 0) problems.Add("CNN0011: no layers");

        if (t.Known && t.Layers > 0)
        {
            // NetworkValidator.StackBytes: one training step's buffers and the largest convolution scratch, in floats.
            long largest = Math.Max(t.InputSize, t.Outputs.Max());
            long buffers = t.Outputs.Where((_, i) => !t.Identity[i]).Sum() + 2 * largest + t.Outputs[^1] + t.Scratch;
            if (buffers > MaxBufferValues) problems.Add($"CNN0004: one sample's buffers hold {buffers} values");
            else if (4 * buffers > budget) problems.Add($"CNN0007: one sample's buffers take {4 * buffers} bytes, over the budget of {budget}");
        }
        if (t.Activations.Count > 0 && loss is >= 0 and < 4 && !t.LastUnreadable) LossActivation(t.Activations, loss, problems);

        if (Chance(0.3))
        {
            // ExpectParameters anywhere in the list (it states the total, so its place does not matter).
            long expected = !Bad(0.4) ? t.Total : Pick(t.Total + 1, t.Total - 1, 0, -3, int.MaxValue, 93_322);
            if (expected is > int.MaxValue or < int.MinValue) expected = 0;
            bool there = split && Chance(0.4);
            string text = $"{Prefix()}ExpectParameters{Suffix()}({Int(expected)})";
            if (there) problems.Add($"CNN0010: [{text}] is on another partial declaration");
            else if (t.Known && expected != t.Total) problems.Add($"CNN0005: ExpectParameters({expected}) but the model has {t.Total}");
            attributes.Insert(1 + _random.Next(attributes.Count), (text, there));
        }
        return attributes;
    }

    /// <summary>
    /// SPEC §4 CNN0008 (a warning): Softmax before MeanSquaredError, a cross-entropy loss without the activation it
    /// reads probabilities from at the end (Softmax; Sigmoid for BinaryCrossEntropy), or Softmax before the last layer.
    /// </summary>
    private static void LossActivation(List<int> activations, int loss, List<string> problems)
    {
        const int Softmax = 4, Sigmoid = 2;
        int final = activations[^1];
        if (loss == 2 && final == Softmax)
        {
            problems.Add("CNN0008: Softmax before MeanSquaredError");
            return;
        }
        int expected = loss switch { 0 or 1 => Softmax, 3 => Sigmoid, _ => 0 };
        if (expected != 0 && final != expected) problems.Add($"CNN0008: {s_losses[loss]} after activation {final}");
        if (activations.Take(activations.Count - 1).Contains(Softmax)) problems.Add("CNN0008: Softmax before the last layer");
    }

    private string ModelAttribute(Track t, List<string> problems, ref int loss, ref long budget)
    {
        int first = problems.Count; // the problems of [Model]'s arguments start here
        var args = new List<string>();
        long[] dims;
        if (Chance(0.75))
        {
            dims = !Bad(0.07)
                ? [Dim(), Dim(), 1 + _random.Next(4)]
                : Pick<long[]>([16384, 16384, 1], [100000, 100000, 3], [65536, 65536, 64], [4096, 4096, 16], [int.MaxValue, int.MaxValue, int.MaxValue],
                    [28, 0, 1], [-1, 2, 3], [int.MinValue, 1, 1], [1, 1, 1], [512, 512, 3]);
        }
        else
        {
            dims = !Bad(0.07) ? [1 + _random.Next(40)] : Pick<long[]>([0], [-1], [int.MaxValue], [MaxValues], [MaxValues + 1], [65536]);
        }
        args.AddRange(dims.Select(Int));

        if (dims.Any(d => d < 1)) problems.Add("CNN0002: an input dimension is below 1");
        else if (Product(dims) > MaxValues) problems.Add("CNN0002: the input has more than 2^28 values");
        else
        {
            t.Shape = dims.Length == 3 ? dims : [dims[0]];
            t.InputSize = Product(dims);
        }

        string? compilerError = null;
        if (Bad(0.03))
        {
            // Wrong arity or argument types: a compiler error, and CNN0002 that [Model] could not be read.
            args = Pick(new List<string>(), ["3", "true"], ["1", "2", "3", "4"], ["\"28\"", "28", "1"], ["2.5"], ["null"]);
            compilerError = "CNN0002: compiler error: [Model] arguments";
        }

        if (Chance(0.4))
        {
            loss = !Bad(0.1) ? _random.Next(4) : Pick(42, -1, 4);
            args.Add("Loss = " + (loss is >= 0 and < 4 ? "Loss." + s_losses[loss] : $"(Loss)({loss})"));
            if (loss is < 0 or > 3) problems.Add($"CNN0003: Loss {loss}");
        }
        if (Chance(0.1))
        {
            budget = _tame ? Pick(1, 1 << 20, int.MaxValue) : Pick(0, -5, 1, 1 << 20, int.MaxValue, int.MinValue);
            args.Add("StackBudget = " + Int(budget));
            if (budget < 1) problems.Add($"CNN0003: StackBudget {budget}");
        }
        if (Bad(0.01))
        {
            args.Add("Loss = 2.5");
            compilerError = "CNN0002: compiler error: Loss = 2.5";
        }
        if (compilerError is not null)
        {
            // The generator does not guess at what the compiler could not bind: the input shape, the loss and the stack
            // budget are unknown, and only that [Model] could not be read is reported about them.
            problems.RemoveRange(first, problems.Count - first);
            problems.Add(compilerError);
            t.Shape = null;
            loss = UnknownLoss;
            budget = long.MaxValue;
        }
        return $"{Prefix()}Model{Suffix()}({string.Join(", ", args)})";
    }

    private long Dim() => !Bad(0.03) ? (_tame ? 6 : 1) + _random.Next(_tame ? 12 : 14) : Pick(0, -1, 1, 28, 64, 65536, int.MaxValue);

    private string Layer(Track t, List<string> problems)
    {
        bool image = t.Shape is { Length: 3 };
        bool vector = t.Shape is { Length: 1 };
        // Mostly layers that fit the current shape, sometimes any layer.
        string kind = image && !Bad(0.1) ? Pick("Conv2D", "Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Flatten", "Dropout", "ReLU", "Sigmoid", "Tanh")
            : vector && !Bad(0.1) ? Pick("Dense", "Dense", "Dense", "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax")
            : Pick("Conv2D", "MaxPool2D", "AvgPool2D", "Dense", "Flatten", "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax");

        var args = new List<string>();
        var named = new List<string>();
        var local = new List<string>();   // problems of this layer
        long[]? output = null;           // null: shape unknown after this layer
        long parameters = 0;
        long scratch = 0;                // a convolution's backward scratch: padded input twice, flipped kernel, framed dy
        bool identity = false;
        int activation = 0;              // the layer's Activation value, for CNN0008 (0: none)
        string? explicitName = null;

        void Fail(string id, string why) => local.Add($"{id}: layer {t.Layers + 1} {kind}: {why}");

        switch (kind)
        {
            case "Conv2D":
            {
                long filters = Count(1, 8), kh = Window(t, 0), kw = Chance(0.2) ? Window(t, 1) : kh;
                args.Add(Int(filters));
                args.Add(Int(kh));
                if (kw != kh || Chance(0.1)) args.Add(Int(kw));
                long sh = 1, sw = 1;
                if (Chance(0.3))
                {
                    long s = Stride();
                    named.Add("Stride = " + Int(s));
                    sh = sw = s;
                }
                if (Chance(0.1)) { sh = Stride(); named.Add("StrideHeight = " + Int(sh)); }
                if (Chance(0.1)) { sw = Stride(); named.Add("StrideWidth = " + Int(sw)); }
                int padding = PaddingArg(named);
                activation = ActivationArg(named);
                bool useBias = true;
                if (Chance(0.15)) { useBias = Chance(0.5); named.Add("UseBias = " + (useBias ? "true" : "false")); }

                if (filters < 1) Fail("CNN0003", "filters < 1");
                if (kh < 1 || kw < 1) Fail("CNN0003", "kernel < 1");
                else if (kh * kw > MaxWindowCells) Fail("CNN0003", "kernel window over 4096 cells");
                if (sh < 1 || sw < 1) Fail("CNN0003", "stride < 1");
                if (padding is not (0 or 1)) Fail("CNN0003", "bad Padding");
                if (activation is < 0 or > 5) Fail("CNN0003", "bad Activation");
                if (local.Count == 0 && t.Shape is { } x)
                {
                    if (x.Length != 3) Fail("CNN0004", "Conv2D on a vector");
                    else if (activation == 4) Fail("CNN0004", "Softmax on an image");
                    else if (SlideWindow(x, kh, kw, sh, sw, padding, out long oh, out long ow) is { } why) Fail("CNN0004", why);
                    else if (Product([oh, ow, filters]) > MaxValues) Fail("CNN0004", "output over 2^28 values");
                    else if (Product([kh, kw, x[2], filters]) > MaxValues) Fail("CNN0004", "kernel over 2^28 values");
                    else
                    {
                        output = [oh, ow, filters];
                        parameters = kh * kw * x[2] * filters + (useBias ? filters : 0);
                        long padded = ((oh - 1) * sh + kh) * ((ow - 1) * sw + kw) * x[2];
                        long framed = (oh + 2 * (kh - 1)) * (ow + 2 * (kw - 1)) * filters;
                        scratch = 2 * padded + kh * kw * x[2] * filters + framed;
                    }
                }
                break;
            }
            case "MaxPool2D":
            case "AvgPool2D":
            {
                long ph = Window(t, 0), pw = ph;
                args.Add(Int(ph));
                if (Chance(0.1)) { pw = Window(t, 1); args.Add(Int(pw)); }
                long sh = ph, sw = pw;
                if (Chance(0.3))
                {
                    long s = Stride();
                    named.Add("Stride = " + Int(s));
                    sh = sw = s;
                }
                int padding = PaddingArg(named);
                if (ph < 1 || pw < 1) Fail("CNN0003", "pool < 1");
                else if (ph * pw > MaxWindowCells) Fail("CNN0003", "pool window over 4096 cells");
                if (sh < 1 || sw < 1) Fail("CNN0003", "stride < 1");
                if (padding is not (0 or 1)) Fail("CNN0003", "bad Padding");
                if (local.Count == 0 && t.Shape is { } x)
                {
                    if (x.Length != 3) Fail("CNN0004", "pooling a vector");
                    else if (SlideWindow(x, ph, pw, sh, sw, padding, out long oh, out long ow) is { } why) Fail("CNN0004", why);
                    else output = [oh, ow, x[2]];
                }
                break;
            }
            case "Dense":
            {
                long units = Count(1, 12);
                args.Add(Int(units));
                activation = ActivationArg(named);
                bool useBias = true;
                if (Chance(0.15)) { useBias = Chance(0.5); named.Add("UseBias = " + (useBias ? "true" : "false")); }
                if (units < 1) Fail("CNN0003", "units < 1");
                if (activation is < 0 or > 5) Fail("CNN0003", "bad Activation");
                if (local.Count == 0 && t.Shape is { } x)
                {
                    if (x.Length != 1) Fail("CNN0004", "Dense on an image");
                    else if (Product([x[0], units]) > MaxValues) Fail("CNN0004", "kernel over 2^28 values");
                    else
                    {
                        output = [units];
                        parameters = x[0] * units + (useBias ? units : 0);
                    }
                }
                break;
            }
            case "Flatten":
                identity = true;
                if (t.Shape is { } f)
                {
                    if (f.Length != 3) Fail("CNN0004", "Flatten on a vector");
                    else output = [Product(f)];
                }
                break;
            case "Dropout":
            {
                (string literal, double rate) = !Bad(0.15)
                    ? Pick(("0.5", 0.5), ("0.25", 0.25), ("0", 0.0), ("0.0", 0.0), ("0.999", 0.999))
                    : Pick(("1.0", 1.0), ("1", 1.0), ("0.99999999", 0.99999999), ("0.99999997", 0.99999997), ("-0.1", -0.1), ("double.NaN", double.NaN), ("2", 2.0), ("double.PositiveInfinity", double.PositiveInfinity));
                args.Add(literal);
                // The generated code holds the rate as a float: one that rounds to 1 would divide by zero.
                if (!(rate >= 0 && (float)rate < 1)) Fail("CNN0003", "dropout rate outside [0, 1) in float");
                else output = t.Shape;
                break;
            }
            case "Softmax":
                activation = 4;
                if (t.Shape is { Length: 3 }) Fail("CNN0004", "Softmax on an image");
                else output = t.Shape;
                break;
            default: // ReLU, Sigmoid, Tanh
                activation = Array.IndexOf(s_activations, kind);
                output = t.Shape;
                break;
        }

        // Names: the Keras default, or a given one that must be a unique identifier.
        if (Chance(0.12))
        {
            explicitName = _tame ? $"n{t.Layers}" : Pick<string?>("a", "b", "dense", "conv2d_1", "flatten", "re_lu", "my layer", "", null, "_ok9",
                "1bad", "x" + new string('y', 64), "Backward", "é");
            named.Add("Name = " + (explicitName is null ? "null" : $"\"{explicitName}\""));
        }
        string baseName = kind switch
        {
            "Conv2D" => "conv2d",
            "MaxPool2D" => "max_pooling2d",
            "AvgPool2D" => "average_pooling2d",
            "Dense" => "dense",
            "Flatten" => "flatten",
            "Dropout" => "dropout",
            "ReLU" => "re_lu",
            "Softmax" => "softmax",
            _ => "activation",
        };
        // A bad name is CNN0003 but leaves the shape known: the layer still has its output.
        string name;
        string? nameProblem = null;
        bool counted = string.IsNullOrEmpty(explicitName);
        if (counted)
        {
            t.Counters.TryGetValue(baseName, out int n);
            t.Counters[baseName] = n + 1;
            name = n == 0 ? baseName : $"{baseName}_{n}";
        }
        else
        {
            name = explicitName!;
            if (!IsIdentifier(name)) nameProblem = $"name '{name}' is not an identifier";
        }
        bool named1 = t.Names.Add(name);
        if (!named1) nameProblem ??= $"name '{name}' is used twice";

        // Arguments that do not compile: the generator must still say the layer could not be read.
        if (Bad(0.03))
        {
            string? broken = kind switch
            {
                "Conv2D" => Pick("Conv2D(8)", "Conv2D(\"3\", 3)", "Conv2D(8, 3.5)", "Conv2D(8, null)", "Conv2D(8, 3, 3, 3)", "Conv2D(8, 3, UseBias = 1)", "Conv2D(8, 3, Stride = 1, Stride = 2)", "Conv2D(8, 3, Activation = 3.5)"),
                "MaxPool2D" or "AvgPool2D" => Pick($"{kind}()", $"{kind}(2, 2, 2)", $"{kind}(2, StrideHeight = 1)", $"{kind}(true)"),
                "Dense" => Pick("Dense()", "Dense(3, 4)", "Dense(3.5)", "Dense(\"10\")", "Dense(10, Name = 4)", "Dense(10, Activation = 3)"),
                "Flatten" => Pick("Flatten(1)", "Flatten(Name = 1)"),
                "Dropout" => Pick("Dropout()", "Dropout(\"0.5\")", "Dropout(null)"),
                _ => $"{kind}(1)",
            };
            // The generator cannot read the layer: it reports CNN0003 for it alone, the layer takes no name, and the
            // shapes after it are unknown.
            problems.Add($"CNN0003: layer {t.Layers + 1} {kind}: compiler error");
            if (counted) t.Counters[baseName]--;
            if (named1) t.Names.Remove(name);
            t.Layers++;
            t.Shape = null;
            t.LastUnreadable = true;
            return Prefix() + broken;
        }

        t.Layers++;
        t.Activations.Add(activation);
        t.LastUnreadable = false;
        if (nameProblem is not null) problems.Add($"CNN0003: layer {t.Layers} {kind}: {nameProblem}");
        if (local.Count > 0 || output is null || t.Shape is null)
        {
            problems.AddRange(local);
            t.Shape = null;
        }
        else
        {
            t.Shape = output;
            t.Outputs.Add(Product(output));
            t.Identity.Add(identity);
            t.Scratch = Math.Max(t.Scratch, scratch);
            t.Total += parameters;
            if (t.Total > MaxValues)
            {
                problems.Add("CNN0004: more than 2^28 parameters");
                t.Shape = null;
            }
        }

        var all = args.Concat(Shuffle(named)).ToList();
        return $"{Prefix()}{kind}{Suffix()}" + (all.Count > 0 ? $"({string.Join(", ", all)})" : Chance(0.1) ? "()" : "");
    }

    private string ExpectShape(Track t, List<string> problems)
    {
        long[] dims;
        string text;
        if (t.Shape is { } shape && !Bad(0.3))
        {
            dims = shape;
            text = string.Join(", ", dims.Select(Int));
        }
        else
        {
            (text, dims) = Pick<(string, long[])>(("3, 3, 64", [3, 3, 64]), ("10", [10]), ("1, 2", [1, 2]), ("", []), ("null", []),
                ("0", [0]), ("-1, 4, 4", [-1, 4, 4]), ("int.MaxValue", [int.MaxValue]), ("1, 1, 1, 1", [1, 1, 1, 1]));
        }
        if (text == "null" || dims.Length is not (1 or 2 or 3) || dims.Any(d => d < 1))
            problems.Add($"CNN0006: ExpectShape({text}) can never hold");
        else if (t.Shape is { } actual && !actual.SequenceEqual(dims))
            problems.Add($"CNN0006: ExpectShape({text}) but the shape is ({string.Join(", ", actual)})");
        // The params array may also be written out.
        if (text != "null" && Chance(0.15)) text = dims.Length == 0 ? "new int[0]" : $"new[] {{ {text} }}";
        return $"{Prefix()}ExpectShape{Suffix()}({text})";
    }

    /// <summary>SPEC §2's output size; a reason when the window does not fit (Valid padding only).</summary>
    private static string? SlideWindow(long[] x, long kh, long kw, long sh, long sw, int padding, out long oh, out long ow)
    {
        if (padding == 1)
        {
            oh = (x[0] + sh - 1) / sh;
            ow = (x[1] + sw - 1) / sw;
            return null;
        }
        oh = ow = 0;
        if (kh > x[0] || kw > x[1]) return "window larger than its input";
        oh = (x[0] - kh) / sh + 1;
        ow = (x[1] - kw) / sw + 1;
        return null;
    }

    private int PaddingArg(List<string> named)
    {
        if (!Chance(0.3)) return 0;
        int padding = !Bad(0.1) ? _random.Next(2) : Pick(7, -1, 2);
        named.Add("Padding = " + (padding is 0 or 1 ? "Padding." + s_paddings[padding] : $"(Padding)({padding})"));
        return padding;
    }

    private int ActivationArg(List<string> named)
    {
        if (!Chance(0.5)) return 0;
        int activation = !Bad(0.08) ? _random.Next(5) : Pick(99, -1, 6); // 5 is ReLU6: valid
        // The literal 0 converts to any enum: Activation = 0 is Activation.None.
        named.Add("Activation = " + (activation is >= 0 and < 5 ? (activation == 0 && Chance(0.3) ? "0" : "Activation." + s_activations[activation]) : $"(Activation)({activation})"));
        return activation;
    }

    private long Count(int lo, int hi) => !Bad(0.06) ? lo + _random.Next(hi - lo + 1) : Pick(0, -1, int.MinValue, int.MaxValue, 65536, 1 << 20, 4097);
    private long Stride() => !Bad(0.1) ? 1 + _random.Next(3) : Pick(0, -1, int.MinValue, int.MaxValue, 65536);

    /// <summary>A window size; a tame case keeps it within the image's dimension <paramref name="axis"/>.</summary>
    private long Window(Track t, int axis)
    {
        if (Bad(0.07)) return Pick(0, -1, int.MinValue, int.MaxValue, 64, 65, 4096, 4097, 65536, 100);
        long limit = _tame && t.Shape is { Length: 3 } x ? Math.Min(4, x[axis]) : 4;
        return 1 + _random.Next((int)limit);
    }

    private string Prefix() => Chance(0.05) ? "Cnn." : Chance(0.02) ? "global::Cnn." : "";
    private string Suffix() => Chance(0.05) ? "Attribute" : "";

    private string Int(long value) => value switch
    {
        0 when Chance(0.2) => "default",
        int.MaxValue => "int.MaxValue",
        int.MinValue => "int.MinValue",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The product, saturating at long.MaxValue (dimensions are non-negative here).</summary>
    private static long Product(long[] values)
    {
        long product = 1;
        foreach (long v in values)
            product = v != 0 && product > long.MaxValue / v ? long.MaxValue : product * v;
        return product;
    }

    private static bool IsIdentifier(string name) =>
        name.Length is > 0 and <= 64 && (name[0] == '_' || char.IsAsciiLetter(name[0])) && name.All(c => c == '_' || char.IsAsciiLetterOrDigit(c));

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(params T[] items) => items[_random.Next(items.Length)];

    /// <summary>The first item with probability <paramref name="first"/>, else any of the others.</summary>
    private string Pick(double first, params string[] items) => Chance(first) ? items[0] : items[1 + _random.Next(items.Length - 1)];

    private List<string> Shuffle(List<string> items) => items.OrderBy(_ => _random.Next()).ToList();
}
