using System.Globalization;

namespace Cnn.Generator.Helpers;

/// <summary>Culture-invariant formatting of numbers for generated code and messages.</summary>
internal static class Format
{
    /// <summary>An integer as C# source.</summary>
    public static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An integer with thousands separators, as Keras prints parameter counts ("93,322").</summary>
    public static string Thousands(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>"1 row", "2 rows": a count and its noun, plural with an s.</summary>
    public static string Count(long count, string noun) => $"{Int(count)} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>A round-trippable float literal with an <c>f</c> suffix.</summary>
    public static string Float(double value)
    {
        string text = ((float)value).ToString("R", CultureInfo.InvariantCulture);
        if (text.IndexOf('.') < 0 && text.IndexOf('E') < 0) text += ".0";
        return text + "f";
    }
}
