using System.Globalization;
using System.Text;

namespace Cnn.Onnx.Import;

/// <summary>C# identifiers, and the layer names the generator accepts.</summary>
internal static class CSharpNames
{
    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Whether <paramref name="name"/> can name a class or a namespace part: a letter or <c>_</c> first, then letters, digits, <c>_</c>; no keyword.</summary>
    public static bool IsIdentifier(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 512 || s_keywords.Contains(name)) return false;
        if (!(name[0] == '_' || char.IsLetter(name[0]))) return false;
        foreach (char c in name)
            if (!(c == '_' || char.IsLetterOrDigit(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.ConnectorPunctuation)) return false;
        return true;
    }

    /// <summary>Whether the generator accepts <paramref name="name"/> as a layer name: an ASCII identifier of at most 64 characters, not <c>input</c>.</summary>
    public static bool IsLayerName(string name)
    {
        if (name.Length == 0 || name.Length > 64 || name == "input") return false;
        if (!(name[0] == '_' || char.IsAsciiLetter(name[0]))) return false;
        foreach (char c in name)
            if (!(c == '_' || char.IsAsciiLetterOrDigit(c))) return false;
        return true;
    }

    /// <summary>
    /// An ONNX node name as a layer name: every run of other characters becomes one <c>_</c>, leading and trailing ones
    /// dropped (<c>/features/features.0/Conv</c> → <c>features_features_0_Conv</c>); null when the result is no layer name.
    /// </summary>
    public static string? LayerNameFrom(string onnxName)
    {
        var text = new StringBuilder(onnxName.Length);
        foreach (char c in onnxName)
        {
            if (char.IsAsciiLetterOrDigit(c)) text.Append(c);
            else if (text.Length > 0 && text[^1] != '_') text.Append('_');
        }
        string name = text.ToString().Trim('_');
        if (name.Length > 0 && char.IsAsciiDigit(name[0])) name = "_" + name;
        return IsLayerName(name) ? name : null;
    }
}
