using Cnn.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generator.Model;

/// <summary>
/// A diagnostic waiting to be reported: descriptor, where, and its message arguments already turned into
/// strings. <see cref="Diagnostic"/> itself has no value equality, so it cannot travel through the
/// incremental pipeline; this can. The location is kept as tree + span so that it stays a real source
/// location (one rebuilt from a path is an external location that <c>#pragma warning disable</c> cannot reach).
/// </summary>
/// <param name="Descriptor">The rule.</param>
/// <param name="SyntaxTree">The tree the diagnostic points into, or null for no location.</param>
/// <param name="Span">The span in <paramref name="SyntaxTree"/>.</param>
/// <param name="Arguments">The message arguments.</param>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, SyntaxTree? SyntaxTree, TextSpan Span, EquatableArray<string> Arguments)
{
    /// <summary>Makes a diagnostic at <paramref name="location"/> (a source location or <see cref="Location.None"/>).</summary>
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params string[] arguments) =>
        new(descriptor, location?.SourceTree, location?.SourceSpan ?? default, new EquatableArray<string>(arguments));

    /// <summary>The Roslyn diagnostic.</summary>
    public Diagnostic ToDiagnostic() => Diagnostic.Create(
        Descriptor,
        SyntaxTree is null ? Location.None : Location.Create(SyntaxTree, Span),
        System.Linq.Enumerable.ToArray<object>(Arguments));
}
