using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Cnn.Generator.CodeFixes;

/// <summary>
/// Fixes CNN0005: replaces the <c>[ExpectParameters]</c> argument with the model's real parameter count,
/// written with digit separators (<c>93_322</c>). The count is read from the diagnostic's message
/// ("The model has 93,322 parameters, not 93,000 (...)"), so the fix needs no model of its own.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ExpectParametersCodeFixProvider)), Shared]
public sealed class ExpectParametersCodeFixProvider : CodeFixProvider
{
    private static readonly Regex s_count = new(@"^The model has (?<count>[0-9][0-9,]*) parameters", RegexOptions.CultureInvariant);

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(FixableIds.ParameterCountMismatch);

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
            if (diagnostic.Id != FixableIds.ParameterCountMismatch || RealCount(diagnostic) is not int count)
                continue;
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            ExpressionSyntax? argument = node.FirstAncestorOrSelf<AttributeArgumentSyntax>()?.Expression
                ?? (node.FirstAncestorOrSelf<AttributeSyntax>()?.ArgumentList is { Arguments: { Count: 1 } arguments } ? arguments[0].Expression : null);
            if (argument is null)
                continue;
            string literal = Separated(count);
            string title = $"Set ExpectParameters to {literal}";
            context.RegisterCodeFix(
                CodeAction.Create(title, token => ReplaceAsync(context.Document, argument, count, literal, token), equivalenceKey: nameof(ExpectParametersCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>The real count stated by the message, or null when the message does not state one that fits an int.</summary>
    internal static int? RealCount(Diagnostic diagnostic)
    {
        Match match = s_count.Match(diagnostic.GetMessage(CultureInfo.InvariantCulture));
        return match.Success && int.TryParse(match.Groups["count"].Value.Replace(",", ""), NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            ? count
            : null;
    }

    /// <summary>The count as a C# literal with a digit separator every three digits: <c>93_322</c>, <c>320</c>.</summary>
    internal static string Separated(int count)
    {
        string digits = count.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder(digits.Length + digits.Length / 3);
        for (int i = 0; i < digits.Length; i++)
        {
            if (i > 0 && (digits.Length - i) % 3 == 0)
                text.Append('_');
            text.Append(digits[i]);
        }
        return text.ToString();
    }

    private static async Task<Document> ReplaceAsync(Document document, ExpressionSyntax argument, int count, string literal, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        LiteralExpressionSyntax replacement = SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(literal, count))
            .WithTriviaFrom(argument);
        return document.WithSyntaxRoot(root.ReplaceNode(argument, replacement));
    }
}
