using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace Cnn.Generator.Tests;

/// <summary>
/// Issues #7 and #12: random model declarations by the ten thousand (<see cref="FuzzModelBuilder"/>). For each one the
/// generator must not throw and must report exactly the set of diagnostic ids (errors and warnings) the builder
/// predicts from SPEC, so none for a declaration that breaks no rule; every declaration without an error must compile,
/// with the runtime, into code without errors. <c>CNN_FUZZ_SEED</c> and <c>CNN_FUZZ_COUNT</c> replay or widen a run.
/// </summary>
[Collection(FuzzCollection.Name)]
public partial class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20261123;
    private const int DefaultCount = 10_000;

    /// <summary>Declarations compiled together in the "compiles" check: each has its own namespace.</summary>
    // Valid models compile 25 to a compilation: the generated SIMD kernels are long, and bigger batches took
    // several GB of memory.
    private const int BatchSize = 25;

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out int value) ? value : fallback;

    [Fact]
    public void RandomModels_NeverCrash_InvalidOnesAreReported_ValidOnesCompile()
    {
        int seed = Setting("CNN_FUZZ_SEED", DefaultSeed), count = Setting("CNN_FUZZ_COUNT", DefaultCount);
        var builder = new FuzzModelBuilder(seed);
        List<FuzzCase> cases = Enumerable.Range(0, count).Select(builder.Build).ToList();
        var failures = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();

        // The builder must reach every kind of problem, or a rule could break with no case to show it.
        string[] kinds = ["CNN0001", "CNN0002", "CNN0003", "CNN0004", "CNN0005", "CNN0006", "CNN0007", "CNN0008", "CNN0010", "CNN0011", "compiler error"];
        var reached = kinds.ToDictionary(k => k, k => cases.Count(c => c.Problems.Any(p => p.Contains(k, StringComparison.Ordinal))));
        output.WriteLine("cases per kind of problem: " + string.Join(", ", reached.Select(r => $"{r.Key.Trim()} {r.Value}")));
        if (count >= 1000)
            Assert.All(reached, r => Assert.True(r.Value > 0, $"no declaration has a '{r.Key}' problem"));

        // 1. The generator over each declaration: no exception, and the CNN diagnostics SPEC calls for (and no others).
        // Declarations run in groups, each in its own file and namespace, and diagnostics are sorted back to their
        // file; a group the generator failed on runs again one declaration at a time, to name the culprit.
        var valid = new ConcurrentBag<FuzzCase>();
        Parallel.ForEach(cases.Chunk(GroupSize), new ParallelOptions { MaxDegreeOfParallelism = 2 }, group =>
        {
            if (RunGroup(seed, group, valid) is { Count: > 0 } groupFailures)
            {
                foreach (FuzzCase c in group)
                    foreach (string failure in RunGroup(seed, [c], valid)) failures.Enqueue(failure);
                if (failures.IsEmpty)
                    failures.Enqueue($"seed {seed}: the generator failed on declarations {group[0].Index}..{group[^1].Index} together, not alone: {groupFailures[0]}");
            }
        });
        output.WriteLine($"seed {seed}: {count} declarations, {cases.Count(c => c.Invalid)} invalid, generator runs in {clock.Elapsed.TotalSeconds:F1} s");
        AssertNoFailures(failures);

        // 2. The valid ones, many per compilation: the generated code compiles with the runtime.
        clock.Restart();
        List<FuzzCase> compilable = valid.OrderBy(c => c.Index).ToList();
        Parallel.ForEach(compilable.Chunk(BatchSize), new ParallelOptions { MaxDegreeOfParallelism = 2 }, batch =>
        {
            foreach (string failure in CompileBatch(seed, batch)) failures.Enqueue(failure);
        });
        output.WriteLine($"{compilable.Count} valid declarations compiled in {clock.Elapsed.TotalSeconds:F1} s");
        AssertNoFailures(failures);
        // A fuzzer that produced only invalid models would prove little about the "compiles" half.
        Assert.True(compilable.Count > count / 5, $"only {compilable.Count} of {count} declarations were valid");
    }

    /// <summary>Declarations the generator runs over at once in the first check.</summary>
    private const int GroupSize = 50;

    /// <summary>Runs the generator over <paramref name="group"/>; the failures, or none (then the valid cases are in <paramref name="valid"/>).</summary>
    private static List<string> RunGroup(int seed, FuzzCase[] group, ConcurrentBag<FuzzCase> valid)
    {
        SyntaxTree[] trees = group.Select(c => CSharpSyntaxTree.ParseText(c.Source, GeneratorHarness.ParseOptions, path: $"U{c.Index}.cs")).ToArray();
        GeneratorRunResult result = Assert.Single(GeneratorHarness.RunGenerator(trees).Run.Results);
        if (result.Exception is not null)
            return [group.Length == 1 ? Describe(seed, group[0], $"the generator threw {result.Exception}") : $"{result.Exception}"];

        var failures = new List<string>();
        var passed = new List<FuzzCase>();
        foreach ((FuzzCase c, SyntaxTree tree) in group.Zip(trees))
        {
            List<Diagnostic> diagnostics = result.Diagnostics.Where(d => d.Location.SourceTree == tree).ToList();
            string index = c.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            int generated = result.GeneratedSources.Count(s => !GeneratorHarness.IsKernels(s.SyntaxTree) && NamespaceIndex().Match(s.SourceText.ToString()).Groups[1].Value == index);
            if (Check(seed, c, diagnostics, generated) is { } failure) failures.Add(failure);
            else passed.Add(c);
        }
        if (result.Diagnostics.FirstOrDefault(d => !d.Location.IsInSource) is { } unlocated)
            failures.Add($"seed {seed}: a diagnostic has no source location: {unlocated}");
        if (failures.Count == 0)
            foreach (FuzzCase c in passed.Where(c => !c.Invalid)) valid.Add(c);
        return failures;
    }

    private static string? Check(int seed, FuzzCase c, List<Diagnostic> diagnostics, int generated)
    {
        if (diagnostics.FirstOrDefault(d => !d.Id.StartsWith("CNN", StringComparison.Ordinal)) is { } foreign)
            return Describe(seed, c, $"the generator reported a non-CNN diagnostic: {foreign}");
        if (diagnostics.FirstOrDefault(d => !OnAttributeOrDeclaration(d)) is { } unlocated)
            return Describe(seed, c, $"a diagnostic points neither at an attribute nor at a declared name: {unlocated}", diagnostics);
        if (diagnostics.FirstOrDefault(d => (d.Severity == DiagnosticSeverity.Warning) != FuzzCase.WarningIds.Contains(d.Id)) is { } severity)
            return Describe(seed, c, $"a diagnostic has the wrong severity: {severity}", diagnostics);
        var reported = diagnostics.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        if (!reported.SetEquals(c.ExpectedIds))
        {
            string missing = string.Join(" ", c.ExpectedIds.Except(reported).Order(StringComparer.Ordinal));
            string extra = string.Join(" ", reported.Except(c.ExpectedIds).Order(StringComparer.Ordinal));
            return Describe(seed, c, $"the ids differ, missing [{missing}] extra [{extra}]", diagnostics);
        }
        if (!c.Invalid && generated != c.Models)
            return Describe(seed, c, $"the declaration is valid, but the generator emitted {generated} files for {c.Models} models");
        return null;
    }

    /// <summary>SPEC §4: a diagnostic points at the offending attribute or argument, or at the declared name it is about.</summary>
    private static bool OnAttributeOrDeclaration(Diagnostic diagnostic)
    {
        Microsoft.CodeAnalysis.Text.TextSpan span = diagnostic.Location.SourceSpan;
        if (span.IsEmpty || diagnostic.Location.SourceTree is not { } tree) return false;
        SyntaxNode node = tree.GetRoot().FindNode(span);
        return node.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.AttributeSyntax>() is not null
            || node is Microsoft.CodeAnalysis.CSharp.Syntax.TypeParameterSyntax
            || (node is Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax type && type.Identifier.Span == span);
    }

    private static IEnumerable<string> CompileBatch(int seed, FuzzCase[] batch)
    {
        var byIndex = batch.ToDictionary(c => c.Index);
        SyntaxTree[] trees = batch.Select(c => CSharpSyntaxTree.ParseText(c.Source, GeneratorHarness.ParseOptions, path: $"U{c.Index}.cs")).ToArray();
        (GeneratorDriverRunResult run, Compilation compiled) = GeneratorHarness.RunGenerator(trees);

        // Nullable analysis reports warnings only, yet costs more than half of the binding: the generated files are
        // compiled without their '#nullable enable' line, which leaves every error in place.
        compiled = compiled.WithOptions(((CSharpCompilationOptions)compiled.Options).WithNullableContextOptions(NullableContextOptions.Disable));
        foreach (SyntaxTree generatedTree in run.GeneratedTrees)
            compiled = compiled.ReplaceSyntaxTree(generatedTree, generatedTree.WithChangedText(
                Microsoft.CodeAnalysis.Text.SourceText.From(generatedTree.ToString().Replace("#nullable enable", "", StringComparison.Ordinal))));
        GeneratorRunResult result = Assert.Single(run.Results);
        if (result.Exception is not null)
        {
            yield return $"seed {seed}: the generator threw on the batch {batch[0].Index}..{batch[^1].Index} (each declaration alone did not): {result.Exception}";
            yield break;
        }
        // Two files per model: its code and its SIMD kernels.
        if (result.GeneratedSources.Length != 2 * batch.Sum(c => c.Models))
            yield return $"seed {seed}: the batch {batch[0].Index}..{batch[^1].Index} got {result.GeneratedSources.Length} generated files for {batch.Sum(c => c.Models)} models";

        var reported = new HashSet<int>();
        foreach (Diagnostic error in compiled.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            SyntaxTree? tree = error.Location.SourceTree;
            int index = tree is null ? -1
                : FileIndex().Match(tree.FilePath) is { Success: true } file ? int.Parse(file.Groups[1].Value)
                : NamespaceIndex().Match(tree.ToString()) is { Success: true } ns ? int.Parse(ns.Groups[1].Value)
                : -1;
            if (!byIndex.TryGetValue(index, out FuzzCase? c))
            {
                yield return $"seed {seed}: compiler error outside any declaration: {error}";
                continue;
            }
            if (!reported.Add(index)) continue;
            string generated = tree!.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)
                ? $"\nin the generated file {tree.FilePath}, at: {tree.GetText().Lines[error.Location.GetLineSpan().StartLinePosition.Line]}"
                : "";
            yield return Describe(seed, c, $"the valid declaration does not compile: {error}{generated}");
        }
    }

    private static string Describe(int seed, FuzzCase c, string what, IEnumerable<Diagnostic>? diagnostics = null) =>
        $"seed {seed}, declaration {c.Index}: {what}\n"
        + (c.Problems.Count > 0 ? $"expected problems: {string.Join("; ", c.Problems)}\n" : "expected problems: none\n")
        + (diagnostics is null ? "" : $"reported: {string.Join("\n  ", diagnostics.Select(d => d.ToString()))}\n")
        + $"--- source ---\n{c.Source}";

    private static void AssertNoFailures(ConcurrentQueue<string> failures)
    {
        if (failures.IsEmpty) return;
        // What kinds of failure there are, then the first ones in full.
        IEnumerable<string> kinds = failures
            .Select(f => Regex.Match(f, @"declaration \d+: ([^\n:]*)").Groups[1].Value)
            .GroupBy(k => k).Select(g => $"{g.Count()} x {g.Key}");
        Assert.Fail($"{failures.Count} fuzz failures:\n{string.Join("\n", kinds)}\nThe first ones:\n\n" + string.Join("\n\n", failures.Take(6)));
    }

    [GeneratedRegex(@"U(\d+)\.cs$")]
    private static partial Regex FileIndex();

    [GeneratedRegex(@"namespace Fuzz\.U(\d+)")]
    private static partial Regex NamespaceIndex();
}

/// <summary>The fuzz test runs alone, not beside the other test classes: it is the one that needs memory.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Fuzz";
}
