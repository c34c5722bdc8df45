using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generator;

/// <summary>
/// Compiles each <c>[Model]</c> class into straight-line C#: shapes inferred and checked at build time,
/// one method per layer for the forward and backward passes, buffers on the stack.
/// Stages: <see cref="Parser"/> (attributes → <see cref="NetworkSpec"/> + diagnostics), the pure
/// <see cref="Validation.NetworkValidator"/> (shapes, counts, problems), and <see cref="Emitter"/> (spec → source).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class CnnGenerator : IIncrementalGenerator
{
    /// <summary>The metadata name of the attribute that marks a model.</summary>
    public const string ModelAttributeName = "Cnn.ModelAttribute";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Find models through their [Model] attribute: Roslyn only binds classes that carry it.
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                ModelAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (context, cancellationToken) => Parser.Parse(context, cancellationToken))
            .WithTrackingName(TrackingNames.ParsedModels);

        // Diagnostics travel alone, so reporting them never re-runs the emitter.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (context, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // Only valid networks are emitted; a spec that did not change is not emitted again.
        IncrementalValuesProvider<NetworkSpec> specs = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        // The few compilation facts the emitter needs, reduced to a value that rarely changes.
        // The vector widths to emit kernels for: from the RuntimeIdentifier (or CnnVectorWidths) MSBuild property.
        IncrementalValueProvider<KernelTarget> kernelTarget = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => KernelTarget.From(
                options.GlobalOptions.TryGetValue("build_property.RuntimeIdentifier", out string? rid) ? rid : null,
                options.GlobalOptions.TryGetValue("build_property.CnnVectorWidths", out string? widths) ? widths : null));
        IncrementalValueProvider<CompilationData> compilationData = context.CompilationProvider
            .Select(static (compilation, _) => CompilationData.From(compilation))
            .Combine(kernelTarget)
            .Select(static (pair, _) => pair.Left with { Target = pair.Right })
            .WithTrackingName(TrackingNames.CompilationData);

        // Two files per model: the readable part, and the SIMD kernels kept out of its way.
        context.RegisterSourceOutput(specs.Combine(compilationData), static (context, input) =>
        {
            GeneratedSource source = Emitter.Emit(input.Left, input.Right);
            context.AddSource($"{input.Left.Hierarchy.HintName}.Cnn.g.cs", source.Code);
            context.AddSource($"{input.Left.Hierarchy.HintName}.Cnn.Kernels.g.cs", source.Kernels);
        });

        // An invalid network gets throwing stand-ins for its public members, so only the CNN diagnostics are reported.
        IncrementalValuesProvider<FallbackSpec> fallbacks = parsed
            .Where(static result => result.Fallback is not null)
            .Select(static (result, _) => result.Fallback!)
            .WithTrackingName(TrackingNames.Fallbacks);
        context.RegisterSourceOutput(fallbacks, static (context, fallback) =>
            context.AddSource($"{fallback.Hierarchy.HintName}.Cnn.g.cs", Emitter.EmitFallback(fallback)));

        // [EmbeddedWeights]: weight-file headers checked against the models that name them (CNN0009), and a factory.
        RegisterEmbeddedWeights(context, parsed);
    }
}

/// <summary>The parser's result for one model class: the spec when the network is valid, and every diagnostic.</summary>
/// <param name="Spec">The network, or null when it has an error.</param>
/// <param name="Diagnostics">Everything to report for this class.</param>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
{
    /// <summary>The model's <c>[EmbeddedWeights]</c>, checked against the AdditionalFiles later in the pipeline; null without one.</summary>
    public EmbeddedWeightsRequest? EmbeddedWeights { get; init; }

    /// <summary>For an invalid network in a class that can take members: what the stand-in members need; otherwise null.</summary>
    public FallbackSpec? Fallback { get; init; }
}

/// <summary>
/// What the stand-in members of an invalid network need: where the class is, and which errors to name.
/// </summary>
/// <remarks>Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when adding members.</remarks>
/// <param name="Hierarchy">The namespace and the chain of types that contain the model class.</param>
/// <param name="ErrorIds">The ids of the errors, "CNN0004, CNN0005".</param>
/// <param name="Loss">The loss as written (for the <c>TrainingLoss</c> constant).</param>
/// <param name="HasEmbeddedWeights">Whether the class has <c>[EmbeddedWeights]</c> (its members get stand-ins too).</param>
/// <param name="CanCreate">Whether the embedded-weights factory would be emitted.</param>
internal sealed record FallbackSpec(HierarchyInfo Hierarchy, string ErrorIds, Loss Loss, bool HasEmbeddedWeights, bool CanCreate);

/// <summary>The compilation facts the emitter needs.</summary>
/// <param name="SkipLocalsInit">Whether <c>[SkipLocalsInit]</c> may be emitted (it needs unsafe code allowed and the attribute type).</param>
internal sealed record CompilationData(bool SkipLocalsInit)
{
    /// <summary>The vector widths the build's target may take (<see cref="KernelTarget.From"/>).</summary>
    public KernelTarget Target { get; init; } = KernelTarget.Default;

    /// <summary>Reads the facts from <paramref name="compilation"/>.</summary>
    public static CompilationData From(Compilation compilation) => new(
        compilation.Options is Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions { AllowUnsafe: true }
        && compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.SkipLocalsInitAttribute") is not null);
}

/// <summary>The two generated files of one model.</summary>
/// <param name="Code">The part a learner reads: members, passes, and one method per layer and direction.</param>
/// <param name="Kernels">The register-blocked SIMD kernels the layer methods call.</param>
internal sealed record GeneratedSource(string Code, string Kernels);
