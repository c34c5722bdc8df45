using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Cnn.Generator.Diagnostics;
using Cnn.Generator.Emitters;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Cnn.Generator;

public sealed partial class CnnGenerator
{
    /// <summary>The metadata name of <c>[EmbeddedWeights]</c>.</summary>
    public const string EmbeddedWeightsAttributeName = "Cnn.EmbeddedWeightsAttribute";

    /// <summary>The AdditionalFiles metadata (set by Cnn.Runtime.props) that holds a weight file's manifest resource name.</summary>
    public const string ResourceNameMetadata = "build_metadata.AdditionalFiles.CnnResourceName";

    /// <summary>The AdditionalFiles metadata (set by Cnn.Runtime.props) that marks a header summary and names its weight file.</summary>
    public const string WeightsFileMetadata = "build_metadata.AdditionalFiles.CnnWeightsFile";

    /// <summary>The project directory (a <c>CompilerVisibleProperty</c> of Cnn.Runtime.props).</summary>
    public const string ProjectDirProperty = "build_property.ProjectDir";

    /// <summary>
    /// The <c>[EmbeddedWeights]</c> pipeline: weight-file headers (read once per file) meet the models that name
    /// them; CNN0009 for a file that is missing or does not fit, a factory method for one that fits.
    /// </summary>
    private static void RegisterEmbeddedWeights(IncrementalGeneratorInitializationContext context, IncrementalValuesProvider<ParseResult> parsed)
    {
        // The header summaries that Cnn.Runtime.props writes for each CnnEmbeddedWeights item (the compiler does not
        // pass binary files to generators): only the header is read here; the weights reach the assembly as a
        // manifest resource, never as C# source.
        IncrementalValuesProvider<WeightFileHeader> files = context.AdditionalTextsProvider
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, _) => (Text: pair.Left, Options: pair.Right.GetOptions(pair.Left)))
            .Where(static file => file.Options.TryGetValue(WeightsFileMetadata, out string? weights) && weights.Length > 0)
            .Select(static (file, cancellationToken) => WeightFileHeader.Read(
                file.Options.TryGetValue(WeightsFileMetadata, out string? weights) ? weights : file.Text.Path,
                file.Options.TryGetValue(ResourceNameMetadata, out string? name) && name.Length > 0 ? name : null,
                file.Text.GetText(cancellationToken)?.ToString()))
            .WithTrackingName(TrackingNames.WeightFiles);

        // Relative paths in the attribute are resolved against the project directory.
        IncrementalValueProvider<string?> projectDirectory = context.AnalyzerConfigOptionsProvider
            .Select(static (options, _) => options.GlobalOptions.TryGetValue(ProjectDirProperty, out string? directory) ? directory : null);

        IncrementalValuesProvider<EmbeddedWeightsResult> results = parsed
            .Where(static result => result.EmbeddedWeights is not null)
            .Select(static (result, _) => result.EmbeddedWeights!)
            .Combine(files.Collect())
            .Combine(projectDirectory)
            .Select(static (input, _) => CheckEmbeddedWeights(input.Left.Left, input.Left.Right, input.Right))
            .WithTrackingName(TrackingNames.EmbeddedWeights);

        context.RegisterSourceOutput(results, static (context, result) =>
        {
            foreach (DiagnosticInfo diagnostic in result.Diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (result.Spec is { } spec)
                context.AddSource($"{spec.Network.Hierarchy.HintName}.Cnn.EmbeddedWeights.g.cs", EmbeddedWeightsEmitter.Emit(spec));
        });
    }

    /// <summary>Checks one model's weight file; pure apart from building the diagnostics' locations.</summary>
    private static EmbeddedWeightsResult CheckEmbeddedWeights(EmbeddedWeightsRequest request, ImmutableArray<WeightFileHeader> files, string? projectDirectory)
    {
        Location location = request.SyntaxTree is null ? Location.None : Location.Create(request.SyntaxTree, request.Span);
        if (string.IsNullOrWhiteSpace(request.Path))
            return new EmbeddedWeightsResult(null, new[]
            {
                DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddedWeights, location,
                    "[EmbeddedWeights] needs the path of a .safetensors file, relative to the project"),
            }.ToEquatableArray());

        WeightFileHeader? file = EmbeddedWeightsValidator.Find(request.Path, projectDirectory, files);
        List<string> problems = EmbeddedWeightsValidator.Check(request.Path, file, request.Spec);
        EquatableArray<DiagnosticInfo> diagnostics = problems
            .Select(problem => DiagnosticInfo.Create(DiagnosticDescriptors.EmbeddedWeights, location, problem))
            .ToEquatableArray();
        // The members are emitted even beside a CNN0009 error (the build fails on the error anyway), so that code
        // calling CreateWithEmbeddedWeights() gets no second, misleading error; without a resource name from the
        // props, the name they would give is used.
        EmbeddedWeightsSpec? spec = request.Spec is not null
            ? new EmbeddedWeightsSpec(request.Spec, request.Path, file?.ResourceName ?? "Cnn.EmbeddedWeights/" + request.Path.Replace('\\', '/'), request.CanCreate)
            : null;
        return new EmbeddedWeightsResult(spec, diagnostics);
    }

    /// <summary>The front end's part for <c>[EmbeddedWeights]</c>: reads the attribute into a request.</summary>
    internal static class EmbeddedWeightsReader
    {
        /// <summary>The model's <c>[EmbeddedWeights]</c>, or null when it has none.</summary>
        public static EmbeddedWeightsRequest? Read(INamedTypeSymbol symbol, NetworkSpec? spec, CancellationToken cancellationToken)
        {
            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass is not { TypeKind: not TypeKind.Error } type || type.ToDisplayString() != EmbeddedWeightsAttributeName)
                    continue;
                SyntaxNode? syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken);
                string path = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is string value ? value : "";
                // The factory is emitted inside the class, so any parameterless constructor will do.
                bool canCreate = !symbol.IsAbstract && symbol.InstanceConstructors.Any(c => c.Parameters.Length == 0);
                return new EmbeddedWeightsRequest(path, syntax?.SyntaxTree, syntax?.Span ?? default, canCreate, spec);
            }
            return null;
        }
    }
}
