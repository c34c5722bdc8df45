namespace Cnn.Generator.CodeFixes;

/// <summary>
/// The ids of the generator's diagnostics that have a code fix (SPEC §4). Written out rather than shared
/// with the generator so this assembly does not load the generator's.
/// </summary>
internal static class FixableIds
{
    /// <summary>CNN0004: a layer cannot take its input shape.</summary>
    public const string ShapeMismatch = "CNN0004";

    /// <summary>CNN0005: <c>[ExpectParameters]</c> differs from the real parameter count.</summary>
    public const string ParameterCountMismatch = "CNN0005";
}
