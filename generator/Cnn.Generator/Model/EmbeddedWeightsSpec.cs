using Cnn.Generator.Helpers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generator.Model;

/// <summary>
/// A model's <c>[EmbeddedWeights("path")]</c>, as the parser read it: what to look for among the AdditionalFiles,
/// where to report CNN0009, and the network to check the file against.
/// </summary>
/// <remarks>
/// Must be immutable and structurally equatable; check this when adding members. Like <see cref="DiagnosticInfo"/>
/// it keeps the attribute's tree and span (not a <see cref="Location"/>, which has no value equality), so that the
/// diagnostic stays a real source location; it travels in <see cref="ParseResult"/>, never in <see cref="NetworkSpec"/>.
/// </remarks>
/// <param name="Path">The path as written, relative to the project.</param>
/// <param name="SyntaxTree">The tree of the attribute.</param>
/// <param name="Span">The attribute's span.</param>
/// <param name="CanCreate">Whether the class has an accessible parameterless constructor and is not abstract, so a static factory can be emitted.</param>
/// <param name="Spec">The valid network, or null when it has errors (then only the file itself is checked).</param>
internal sealed record EmbeddedWeightsRequest(string Path, SyntaxTree? SyntaxTree, TextSpan Span, bool CanCreate, NetworkSpec? Spec);

/// <summary>What the embedded-weights emitter needs: the network, the file, and the resource that holds it.</summary>
/// <remarks>Must be immutable and structurally equatable; check this when adding members.</remarks>
/// <param name="Network">The network.</param>
/// <param name="Path">The weight file as the attribute names it.</param>
/// <param name="ResourceName">The manifest resource name the build gives the file.</param>
/// <param name="CanCreate">Whether to emit the static factory.</param>
internal sealed record EmbeddedWeightsSpec(NetworkSpec Network, string Path, string ResourceName, bool CanCreate);

/// <summary>The result of checking one <c>[EmbeddedWeights]</c>: the spec to emit when the file fits, and the diagnostics.</summary>
/// <param name="Spec">What to emit, or null.</param>
/// <param name="Diagnostics">CNN0009 diagnostics.</param>
internal sealed record EmbeddedWeightsResult(EmbeddedWeightsSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
