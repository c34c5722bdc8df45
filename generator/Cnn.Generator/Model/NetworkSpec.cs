using Cnn.Generator.Helpers;

namespace Cnn.Generator.Model;

/// <summary>
/// A valid network, ready to emit: where the class is, its input, its layers with their shapes, and totals.
/// </summary>
/// <remarks>
/// Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when
/// adding members. It holds no Roslyn symbol, syntax node or location.
/// </remarks>
/// <param name="Hierarchy">The namespace and the chain of types that contain the model class.</param>
/// <param name="Input">The input shape.</param>
/// <param name="Loss">The training loss.</param>
/// <param name="Layers">The layers in order, with inferred shapes.</param>
/// <param name="StackBytes">Bytes of <c>stackalloc</c> buffers one training step uses.</param>
/// <param name="StackBudget">The budget above which buffers come from a pool instead of the stack.</param>
internal sealed record NetworkSpec(HierarchyInfo Hierarchy, TensorShape Input, Loss Loss, EquatableArray<LayerSpec> Layers, long StackBytes, long StackBudget)
{
    /// <summary>
    /// Whether the class has <c>[EmbeddedWeights]</c>: then its passes read the weights compiled in where they lie
    /// until something asks for <c>Parameters</c> (see <c>Cnn.EmbeddedParameters</c>).
    /// </summary>
    public bool ReadsEmbeddedWeights { get; init; }

    /// <summary>The output shape (the last layer's).</summary>
    public TensorShape Output => Layers.Count == 0 ? Input : Layers[Layers.Count - 1].Output;

    /// <summary>The total number of parameters.</summary>
    public long ParameterCount
    {
        get
        {
            long total = 0;
            foreach (LayerSpec layer in Layers) total += layer.ParameterCount;
            return total;
        }
    }

    /// <summary>The number of trainable parameters (all but BatchNormalization's moving statistics).</summary>
    public long TrainableParameterCount
    {
        get
        {
            long total = 0;
            foreach (LayerSpec layer in Layers)
                foreach (ParameterTensor tensor in layer.Tensors)
                    if (tensor.Trainable) total += tensor.Length;
            return total;
        }
    }
}

/// <summary>One type in the chain that contains the model class, outermost first.</summary>
/// <param name="Keyword">The declaration keyword (<c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>).</param>
/// <param name="Name">The name with type parameters as C# source (<c>Outer&lt;T&gt;</c>, <c>@void</c>): keywords carry <c>@</c>.</param>
/// <param name="MetadataName">The bare name (<c>Outer</c>, <c>void</c>).</param>
/// <param name="Arity">The number of type parameters.</param>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, string MetadataName, int Arity);

/// <summary>Where the model class lives: its namespace and its containing types (the model class last).</summary>
/// <param name="Namespace">The namespace as C# source (keyword segments carry <c>@</c>), or empty for the global namespace.</param>
/// <param name="Types">Outermost first; the last one is the model class.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> Types)
{
    /// <summary>The model class's name as declared.</summary>
    public string ClassName => Types[Types.Count - 1].Name;

    /// <summary>
    /// A file-name-safe hint, distinct for every distinct class, as Roslyn requires hint names to be unique
    /// ignoring case: <c>{Namespace}.{Outer}+{Class}`{arity}.{case}</c>. Characters other than ASCII letters,
    /// digits and '_' are written <c>`uXXXX</c>, and <c>{case}</c> is a hexadecimal mask of which letters are
    /// capitals, so that <c>Net</c> and <c>net</c> (or <c>Outer+Net</c> and <c>Outer_Net</c>) never share a file name.
    /// </summary>
    public string HintName
    {
        get
        {
            var text = new System.Text.StringBuilder();
            foreach (string segment in Namespace.Split('.'))
            {
                if (segment.Length == 0) continue;
                Append(text, segment.TrimStart('@'));
                text.Append('.');
            }
            for (int i = 0; i < Types.Count; i++)
            {
                if (i > 0) text.Append('+');
                Append(text, Types[i].MetadataName);
                if (Types[i].Arity > 0) text.Append('`').Append(Types[i].Arity.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            // One bit per letter, first letter lowest; 4 letters per hex digit, written most significant first.
            var mask = new System.Collections.Generic.List<int>();
            int letters = 0;
            foreach (char c in text.ToString())
            {
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) continue;
                if (letters % 4 == 0) mask.Add(0);
                if (c <= 'Z') mask[mask.Count - 1] |= 1 << (letters % 4);
                letters++;
            }
            text.Append('.');
            if (mask.Count == 0) text.Append('0');
            for (int i = mask.Count - 1; i >= 0; i--) text.Append("0123456789abcdef"[mask[i]]);
            return text.ToString();
        }
    }

    private static void Append(System.Text.StringBuilder text, string name)
    {
        foreach (char c in name)
        {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') text.Append(c);
            else text.Append("`u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
