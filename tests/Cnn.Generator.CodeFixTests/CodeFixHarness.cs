using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generator.CodeFixTests;

/// <summary>
/// Opens source in a workspace, runs the real <see cref="CnnGenerator"/> over the document's compilation to get
/// its diagnostics (located in the document's own syntax tree, as the IDE sees them), and applies code fixes.
/// </summary>
internal static class CodeFixHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        string[] trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(Cnn.ModelAttribute).Assembly.Location))
            .ToImmutableArray();
    });

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    /// <summary>A one-document project holding <paramref name="source"/>.</summary>
    public static Document Open(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.CurrentSolution
            .AddProject("Model", "Model", LanguageNames.CSharp)
            .WithParseOptions(s_parseOptions)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable))
            .AddMetadataReferences(s_references.Value);
        return project.AddDocument("Model.cs", SourceText.From(source), filePath: "/src/Model.cs");
    }

    /// <summary>What the generator reports for the document's project.</summary>
    public static async Task<ImmutableArray<Diagnostic>> GeneratorDiagnostics(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: s_parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        // A fixed model must not only lose the diagnostic: the generated code must compile too.
        return diagnostics.AddRange(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    /// <summary>The single diagnostic with <paramref name="id"/>.</summary>
    public static async Task<(Document Document, Diagnostic Diagnostic)> OpenWithDiagnostic(string source, string id)
    {
        Document document = Open(source);
        ImmutableArray<Diagnostic> diagnostics = await GeneratorDiagnostics(document);
        Diagnostic diagnostic = Assert.Single(diagnostics, d => d.Id == id);
        Assert.Equal(document.FilePath, diagnostic.Location.SourceTree?.FilePath);
        return (document, diagnostic);
    }

    /// <summary>The code actions <paramref name="provider"/> offers for <paramref name="diagnostic"/>.</summary>
    public static async Task<ImmutableArray<CodeAction>> Actions(CodeFixProvider provider, Document document, Diagnostic diagnostic)
    {
        Assert.Contains(diagnostic.Id, provider.FixableDiagnosticIds);
        var actions = ImmutableArray.CreateBuilder<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
        await provider.RegisterCodeFixesAsync(context);
        return actions.ToImmutable();
    }

    /// <summary>Applies <paramref name="action"/>; returns the changed document.</summary>
    public static async Task<Document> Apply(Document document, CodeAction action)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        ApplyChangesOperation apply = Assert.IsType<ApplyChangesOperation>(Assert.Single(operations));
        return apply.ChangedSolution.GetDocument(document.Id)!;
    }

    /// <summary>
    /// Finds <paramref name="id"/> in <paramref name="source"/>, applies the one fix <paramref name="provider"/>
    /// offers, checks the generator no longer reports <paramref name="id"/> nor any error, and returns the new source.
    /// </summary>
    public static async Task<string> Fix(CodeFixProvider provider, string source, string id, string? expectedTitle = null)
    {
        (Document document, Diagnostic diagnostic) = await OpenWithDiagnostic(source, id);
        CodeAction action = Assert.Single(await Actions(provider, document, diagnostic));
        if (expectedTitle is not null) Assert.Equal(expectedTitle, action.Title);
        Document fixedDocument = await Apply(document, action);
        ImmutableArray<Diagnostic> after = await GeneratorDiagnostics(fixedDocument);
        Assert.DoesNotContain(after, d => d.Id == id);
        Assert.DoesNotContain(after, d => d.Severity == DiagnosticSeverity.Error);
        return (await fixedDocument.GetTextAsync()).ToString();
    }
}
