using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generator.CodeFixes;

/// <summary>
/// Fixes CNN0004 when a <c>[Dense]</c> or <c>[Softmax]</c> layer receives an image (rank 3): inserts
/// <c>[Flatten]</c> before the offending attribute, on its own line with the same indentation.
/// Other CNN0004 cases (a window larger than its input, a convolution after <c>[Flatten]</c>) have no
/// mechanical fix and get none.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsertFlattenCodeFixProvider)), Shared]
public sealed class InsertFlattenCodeFixProvider : CodeFixProvider
{
    /// <summary>The code action's title and equivalence key.</summary>
    public const string Title = "Insert [Flatten] before this layer";

    /// <summary>
    /// The generator's message for this case ends with this advice (CNN0004, "... expects a vector, but
    /// 'conv2d' produces 26x26x32: insert [Flatten] before it"); no other CNN0004 message contains it.
    /// </summary>
    internal const string MessageMarker = "insert [Flatten]";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(FixableIds.ShapeMismatch);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
            return;
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (diagnostic.Id != FixableIds.ShapeMismatch || !diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains(MessageMarker))
                continue;
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<AttributeSyntax>() is not { Parent: AttributeListSyntax } attribute)
                continue;
            context.RegisterCodeFix(
                CodeAction.Create(Title, token => InsertFlattenAsync(context.Document, attribute, token), equivalenceKey: Title),
                diagnostic);
        }
    }

    private static async Task<Document> InsertFlattenAsync(Document document, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        var list = (AttributeListSyntax)attribute.Parent!;
        // Every token is built with explicit trivia: elastic trivia would let the code action's clean-up pass
        // reformat the new list onto a line of its own even where the user keeps attributes on one line.
        AttributeSyntax flatten = SyntaxFactory.Attribute(FlattenName(attribute.Name));
        int index = list.Attributes.IndexOf(attribute);

        SyntaxNode newRoot;
        if (index > 0)
        {
            // [Conv2D(8, 3), Dense(10)]: the new attribute goes into the same list, before the offending one.
            var nodes = list.Attributes.ToList();
            var separators = list.Attributes.GetSeparators().ToList();
            nodes.Insert(index, flatten.WithLeadingTrivia(attribute.GetLeadingTrivia()));
            separators.Insert(index - 1, Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
            nodes[index + 1] = attribute.WithoutLeadingTrivia();
            newRoot = root.ReplaceNode(list, list.WithAttributes(SyntaxFactory.SeparatedList(nodes, separators)));
        }
        else
        {
            // A list of its own, in front of the offending one. When that list starts a line the new one takes
            // its leading trivia (comments, indentation) and a line of its own; otherwise it sits before it on the line.
            SyntaxTriviaList leading = list.GetLeadingTrivia();
            SyntaxToken previous = list.GetFirstToken().GetPreviousToken();
            SyntaxTrivia? endOfLine = previous.IsKind(SyntaxKind.None)
                ? FirstEndOfLine(root)
                : previous.TrailingTrivia.LastOrDefault() is { } last && last.IsKind(SyntaxKind.EndOfLineTrivia) ? last : null;
            SyntaxTriviaList indentation = leading.Count > 0 && leading.Last().IsKind(SyntaxKind.WhitespaceTrivia)
                ? SyntaxFactory.TriviaList(leading.Last())
                : SyntaxFactory.TriviaList();
            AttributeListSyntax newList = SyntaxFactory.AttributeList(
                    Token(SyntaxKind.OpenBracketToken), target: null, SyntaxFactory.SingletonSeparatedList(flatten), Token(SyntaxKind.CloseBracketToken))
                .WithLeadingTrivia(leading)
                .WithTrailingTrivia(endOfLine is { } eol ? eol : SyntaxFactory.Space);
            AttributeListSyntax oldList = list.WithLeadingTrivia(endOfLine is null ? SyntaxFactory.TriviaList() : indentation);
            newRoot = root.ReplaceNode(list, new[] { newList, oldList });
        }
        return document.WithSyntaxRoot(newRoot);
    }

    /// <summary><c>Flatten</c>, qualified the way the offending attribute is (<c>Cnn.Dense</c> gives <c>Cnn.Flatten</c>).</summary>
    private static NameSyntax FlattenName(NameSyntax name)
    {
        SimpleNameSyntax flatten = SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(SyntaxFactory.TriviaList(), "Flatten", SyntaxFactory.TriviaList()));
        return name switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(flatten),
            AliasQualifiedNameSyntax alias => alias.WithName(flatten),
            _ => flatten,
        };
    }

    /// <summary>A token without trivia (not elastic).</summary>
    private static SyntaxToken Token(SyntaxKind kind) => SyntaxFactory.Token(SyntaxFactory.TriviaList(), kind, SyntaxFactory.TriviaList());

    /// <summary>The file's line break (CRLF or LF), for a first line that has no token before it.</summary>
    private static SyntaxTrivia? FirstEndOfLine(SyntaxNode root)
    {
        foreach (SyntaxTrivia trivia in root.DescendantTrivia())
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
                return trivia;
        return null;
    }
}
