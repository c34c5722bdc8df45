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
}

/// <summary>One type in the chain that contains the model class, outermost first.</summary>
/// <param name="Keyword">The declaration keyword (<c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c>, <c>interface</c>).</param>
/// <param name="Name">The name with type parameters, as declared (<c>Outer&lt;T&gt;</c>).</param>
internal sealed record TypeDeclarationInfo(string Keyword, string Name);

/// <summary>Where the model class lives: its namespace and its containing types (the model class last).</summary>
/// <param name="Namespace">The namespace, or empty for the global namespace.</param>
/// <param name="Types">Outermost first; the last one is the model class.</param>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> Types)
{
    /// <summary>The model class's name as declared.</summary>
    public string ClassName => Types[Types.Count - 1].Name;

    /// <summary>A file-name-safe hint: <c>{Namespace}.{Outer}.{Class}</c>.</summary>
    public string HintName
    {
        get
        {
            var text = new System.Text.StringBuilder(Namespace);
            foreach (TypeDeclarationInfo type in Types)
            {
                if (text.Length > 0) text.Append('.');
                foreach (char c in type.Name)
                    text.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
            }
            return text.ToString();
        }
    }
}
