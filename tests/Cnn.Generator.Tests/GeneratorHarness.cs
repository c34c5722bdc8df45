using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cnn.Generator.Tests;

/// <summary>Runs <see cref="CnnGenerator"/> over source text, as the compiler would.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(Cnn.ModelAttribute).Assembly.Location))
            .ToImmutableArray();
    });

    private static readonly Lazy<CSharpCompilation> s_empty = new(() => Compile());

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    public static CSharpCompilation Compile(params string[] sources) => CSharpCompilation.Create(
        "Tests",
        sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Model{i}.cs")),
        s_references.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    /// <summary>What a run produced. <see cref="Sources"/> are the models' readable files (<c>.Cnn.g.cs</c> and the embedded-weights
    /// factories), <see cref="KernelSources"/> the SIMD kernel files (<c>.Cnn.Kernels.g.cs</c>), in the same order.</summary>
    public sealed record Result(ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> OutputDiagnostics, ImmutableArray<string> Sources, GeneratorDriverRunResult Run, Compilation Output)
    {
        /// <summary>The SIMD kernel files, one per model.</summary>
        public ImmutableArray<string> KernelSources { get; init; } = [];
    }

    /// <summary>Whether a generated file is a model's SIMD kernels.</summary>
    public static bool IsKernels(SyntaxTree tree) => tree.FilePath.EndsWith(".Cnn.Kernels.g.cs", StringComparison.Ordinal);

    public static Result Run(params string[] sources) => RunWithProperties(new Dictionary<string, string>(), sources);

    /// <summary>
    /// <see cref="Run"/> with MSBuild properties made visible to the generator, as <c>CompilerVisibleProperty</c> does:
    /// <c>["RuntimeIdentifier"] = "linux-arm64"</c> reaches it as <c>build_property.RuntimeIdentifier</c>.
    /// </summary>
    public static Result RunWithProperties(IReadOnlyDictionary<string, string> properties, params string[] sources)
    {
        CSharpCompilation compilation = Compile(sources);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            optionsProvider: new BuildProperties(properties));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        return new Result(diagnostics, output.GetDiagnostics(), run.GeneratedTrees.Where(t => !IsKernels(t)).Select(t => t.ToString()).ToImmutableArray(), run, output)
        {
            KernelSources = run.GeneratedTrees.Where(IsKernels).Select(t => t.ToString()).ToImmutableArray(),
        };
    }

    /// <summary>
    /// The generated <c>Forward</c> method (up to <c>Predict</c>) of one model, <c>[Model(12, 12, 8)]</c> with the attribute
    /// lines <paramref name="layers"/>, which must build without errors: for tests of what <c>Forward</c> runs in which kernel.
    /// </summary>
    public static string Forward(string layers)
    {
        Result result = Run($$"""
            using Cnn;
            namespace Samples;
            [Model(12, 12, 8, Loss = Loss.MeanSquaredError)]
            {{layers}}
            public partial class Fused;
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        string source = Assert.Single(result.Sources);
        int start = source.IndexOf("public void Forward(", StringComparison.Ordinal);
        return source.Substring(start, source.IndexOf("public int Predict(", start, StringComparison.Ordinal) - start);
    }

    /// <summary>
    /// Runs the generator over <paramref name="trees"/> without compiling the output (the cheap half of
    /// <see cref="Run"/>): the run result, and the input compilation with the generated trees added.
    /// </summary>
    public static (GeneratorDriverRunResult Run, Compilation Output) RunGenerator(IEnumerable<SyntaxTree> trees)
    {
        // Derived from one empty compilation, so the references are bound once for all runs.
        CSharpCompilation compilation = s_empty.Value.AddSyntaxTrees(trees);
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return (driver.GetRunResult(), output);
    }

    /// <summary>Global analyzer options holding <c>build_property.*</c> entries.</summary>
    private sealed class BuildProperties(IReadOnlyDictionary<string, string> properties) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(properties.ToDictionary(p => "build_property." + p.Key, p => p.Value));

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions => _global;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public static Options Empty { get; } = new(new Dictionary<string, string>());

            public override bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }

    /// <summary>The source text under a diagnostic's span.</summary>
    public static string TextAt(Diagnostic diagnostic) =>
        diagnostic.Location.SourceTree!.GetText().ToString(diagnostic.Location.SourceSpan);
}
