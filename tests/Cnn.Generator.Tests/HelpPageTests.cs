using System.Reflection;
using System.Text.RegularExpressions;
using Cnn.Generator.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>
/// Issue #12: each diagnostic's help page ships in the repository and the package (<c>docs/diagnostics/&lt;id&gt;.md</c>),
/// one per rule of SPEC §4 and §7, and each descriptor says where its page is.
/// </summary>
public partial class HelpPageTests
{
    /// <summary>
    /// SPEC §7 rules the generator has no descriptor for yet: their pages are written from SPEC. The test fails once a
    /// descriptor for one of them exists, so that it leaves this list and is checked like the others.
    /// </summary>
    private static readonly Dictionary<string, DiagnosticSeverity> s_rulesWithoutDescriptorYet = new();

    private static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Path.Combine(dir.FullName, relative) is var path && (File.Exists(path) || Directory.Exists(path))) return path;
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    private static string PagesFolder => Path.Combine(Path.GetDirectoryName(Find("Cnn.Generator.sln"))!, "docs", "diagnostics");

    private static List<DiagnosticDescriptor> Descriptors => typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();

    private static SortedSet<string> PageIds => new(Directory.GetFiles(PagesFolder, "*.md").Select(Path.GetFileNameWithoutExtension)!, StringComparer.Ordinal);

    [Fact]
    public void EveryDescriptorHasAPage_AndEveryPageADescriptor()
    {
        var descriptorIds = new SortedSet<string>(Descriptors.Select(d => d.Id), StringComparer.Ordinal);
        Assert.Equal(Descriptors.Count, descriptorIds.Count); // one descriptor per id
        Assert.Empty(descriptorIds.Intersect(s_rulesWithoutDescriptorYet.Keys)
            .Select(id => $"{id} has a descriptor now: remove it from s_rulesWithoutDescriptorYet"));
        Assert.Equal(descriptorIds.Union(s_rulesWithoutDescriptorYet.Keys).Order(StringComparer.Ordinal), PageIds);
    }

    [Fact]
    public void ThePages_AreTheRulesOfTheSpec()
    {
        string spec = File.ReadAllText(Find(Path.Combine("shared", "SPEC.md")));
        var specIds = new SortedSet<string>(SpecId().Matches(spec).Select(m => m.Value), StringComparer.Ordinal);
        Assert.Equal(specIds, PageIds);
    }

    [Fact]
    public void EachPage_GivesTheRule_ItsSeverity_AnExampleAndTheFix()
    {
        var rules = Descriptors.ToDictionary(d => d.Id, d => (d.Title.ToString(), d.DefaultSeverity));
        foreach ((string id, DiagnosticSeverity severity) in s_rulesWithoutDescriptorYet) rules.TryAdd(id, (null!, severity));
        foreach ((string id, (string? title, DiagnosticSeverity severity)) in rules)
        {
            string page = File.ReadAllText(Path.Combine(PagesFolder, id + ".md"));
            string firstLine = page.Split('\n')[0];
            Assert.StartsWith($"# {id}: ", firstLine);
            if (title is not null) Assert.Equal($"# {id}: {title}", firstLine);
            Assert.Contains($"**Severity:** {severity}.", page);
            foreach (string section in new[] { "## When", "## Example", "## How to fix" })
                Assert.True(page.Contains("\n" + section + "\n", StringComparison.Ordinal), $"{id}.md has no '{section}' section");
            Assert.True(page.Split("```csharp").Length >= 3, $"{id}.md needs a C# example and a C# fix");
        }
    }

    [Fact]
    public void EachDescriptor_SaysWhereItsPageIs_AndLinksToNoAddressThatDoesNotExist()
    {
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            Assert.Equal("", descriptor.HelpLinkUri);
            Assert.Contains($"Help: docs/diagnostics/{descriptor.Id}.md in the Cnn.Generator package", descriptor.Description.ToString());
            Assert.True(File.Exists(Path.Combine(PagesFolder, descriptor.Id + ".md")));
        }
    }

    [GeneratedRegex(@"CNN\d{4}")]
    private static partial Regex SpecId();
}
