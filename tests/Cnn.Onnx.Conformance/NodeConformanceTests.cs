using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// Issue #14 §3: every selected ONNX node-test case passes or is rejected with the importer's reasons; none crashes,
/// fails to compile or gives a wrong value; the passing set is exactly <c>expected-pass.txt</c>, and the table in
/// docs/onnx-conformance.md shows the same outcome for every case. <c>CNN_WRITE_CONFORMANCE_TABLE=1</c> rewrites both files
/// from this run (then the test checks that no case failed).
/// </summary>
public partial class NodeConformanceTests(ITestOutputHelper output)
{
    private static string ExpectedPassPath => Path.Combine(TestData.RepositoryRoot, "tests", "Cnn.Onnx.Conformance", "expected-pass.txt");

    private static string TablePath => Path.Combine(TestData.RepositoryRoot, "docs", "onnx-conformance.md");

    [NodeTestsFact]
    public void EveryCase_PassesOrIsRejectedWithItsReasons()
    {
        IReadOnlyList<CaseResult> results = NodeConformance.Run(TestData.RequireNodeTests(), output.WriteLine);
        List<CaseResult> passed = results.Where(r => r.Outcome == Outcome.Pass).ToList();
        List<CaseResult> failed = results.Where(r => r.Outcome == Outcome.Failed).ToList();
        output.WriteLine($"{passed.Count} pass, {results.Count(r => r.Outcome == Outcome.Rejected)} rejected, {failed.Count} failed");
        foreach (CaseResult r in results) output.WriteLine($"{r.Case}: {r.Outcome}: {r.Detail}");

        if (Environment.GetEnvironmentVariable("CNN_WRITE_CONFORMANCE_TABLE") == "1")
        {
            File.WriteAllText(TablePath, NodeConformance.Table(results));
            File.WriteAllText(ExpectedPassPath, Header + string.Concat(passed.Select(r => r.Case + "\n")));
            output.WriteLine($"wrote {TablePath} and {ExpectedPassPath}");
        }

        Assert.True(failed.Count == 0, $"{failed.Count} cases failed:\n" + string.Join("\n", failed.Select(r => $"{r.Case} ({string.Join(", ", r.Operators)}): {r.Detail}")));

        string[] expected = File.ReadAllLines(ExpectedPassPath).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        string[] lost = expected.Except(passed.Select(r => r.Case)).ToArray();
        string[] gained = passed.Select(r => r.Case).Except(expected).ToArray();
        Assert.True(lost.Length == 0 && gained.Length == 0,
            $"The passing cases changed. No longer passing: {string.Join(", ", lost.Select(c => $"{c} ({results.First(r => r.Case == c).Detail})"))}. "
            + $"Newly passing: {string.Join(", ", gained)}. If that is intended, rewrite expected-pass.txt and the table with CNN_WRITE_CONFORMANCE_TABLE=1.");

        // The committed table shows this run's outcome for every case (its details may differ in the last digits).
        var table = TableRow().Matches(File.ReadAllText(TablePath)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim());
        Assert.Equal(results.Select(r => r.Case).Order(), table.Keys.Order());
        Assert.All(results, r => Assert.True(table[r.Case] == NodeConformance.Status(r.Outcome),
            $"docs/onnx-conformance.md says {r.Case} is '{table[r.Case]}', this run '{NodeConformance.Status(r.Outcome)}': CNN_WRITE_CONFORMANCE_TABLE=1 rewrites it"));
    }

    private const string Header = """
        # The ONNX node-test cases that import, compile and match output_0.pb (NodeConformanceTests). A case that stops
        # passing fails the test; rewrite with CNN_WRITE_CONFORMANCE_TABLE=1 (see docs/onnx-conformance.md).

        """;

    [GeneratedRegex(@"^\| (test_\w+) \| [^|]* \| ([^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
