using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Cnn.Onnx.Conformance;

/// <summary>What became of one node-test case.</summary>
internal enum Outcome
{
    /// <summary>Imported, compiled, and every output value within <see cref="Tolerance"/> of <c>output_0.pb</c>.</summary>
    Pass,
    /// <summary>The importer refused it, with its reasons.</summary>
    Rejected,
    /// <summary>Anything else: a crash, a model that does not compile, a wrong number, an import the harness cannot run.</summary>
    Failed,
}

/// <summary>One row of the conformance table.</summary>
/// <param name="Case">The case's name.</param>
/// <param name="Operators">The operators of its model, in order of first use.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Detail">For a pass, the largest difference; for a rejection, the importer's reasons; for a failure, what went wrong.</param>
internal sealed record CaseResult(string Case, IReadOnlyList<string> Operators, Outcome Outcome, string Detail);

/// <summary>
/// The ONNX backend node tests through the importer and the generator (issue #14 §3). Each selected case
/// (<see cref="NodeTestCase.Select"/>) has its extra inputs made constant (<see cref="NodeTestCase.ModelWithConstantInputs"/>)
/// and is imported under a namespace of its own; the imports that succeed compile together, up to
/// <see cref="ModelsPerCompilation"/> per Roslyn compilation (<see cref="ModelCompiler"/>); each model then runs on every
/// sample of <c>input_0.pb</c>'s batch, the sample moved from the ONNX layout to channels_last by the import's
/// <c>InputAxes</c> and the output back by its <c>OutputAxes</c>, and is compared with <c>output_0.pb</c>.
/// </summary>
internal static class NodeConformance
{
    /// <summary>Models per compilation: few compilations keep CI short, and these models are small.</summary>
    public const int ModelsPerCompilation = 100;

    /// <summary>Runs every case under <paramref name="nodeDirectory"/>; <paramref name="log"/> hears the timings.</summary>
    public static IReadOnlyList<CaseResult> Run(string nodeDirectory, Action<string> log)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<NodeTestCase> cases = NodeTestCase.Select(nodeDirectory);
        var results = new ConcurrentDictionary<string, CaseResult>(StringComparer.Ordinal);
        var imported = new List<(NodeTestCase Case, ImportResult Import, ModelSource Source)>();
        for (int i = 0; i < cases.Count; i++)
        {
            NodeTestCase c = cases[i];
            var options = new ImportOptions(ModelCompiler.Identifier(c.Name), $"Conformance.N{i}");
            CaseResult Result(Outcome outcome, string detail) => new(c.Name, c.OpTypes, outcome, detail);
            ImportResult import;
            try
            {
                import = OnnxImporter.Import(c.ModelWithConstantInputs(), c.Name + ".onnx", options);
            }
            catch (CnnDataException e)
            {
                // The importer's reader refused the file: a rejection with its message as the reason.
                results[c.Name] = Result(Outcome.Rejected, e.Message);
                continue;
            }
            catch (Exception e)
            {
                results[c.Name] = Result(Outcome.Failed, $"the importer threw {e.GetType().Name}: {e.Message}");
                continue;
            }
            if (!import.Succeeded)
            {
                results[c.Name] = import.Problems.Count > 0 && import.Problems.All(p => p.Why.Length > 0)
                    ? Result(Outcome.Rejected, Reasons(import.Problems))
                    : Result(Outcome.Failed, "rejected without a reason");
                continue;
            }
            if (c.OutputCount != 1)
            {
                results[c.Name] = Result(Outcome.Failed, $"imported, but the graph has {c.OutputCount} outputs and the model one");
                continue;
            }
            imported.Add((c, import, new ModelSource(c.Name, import.Source, options.Namespace!, options.ClassName, import.Weights)));
        }
        log($"{cases.Count} cases, {imported.Count} imported in {clock.Elapsed.TotalSeconds:F1} s");

        // Even batches of at most ModelsPerCompilation, two at a time.
        int batches = Math.Max(1, (imported.Count + ModelsPerCompilation - 1) / ModelsPerCompilation);
        var groups = imported.Select((m, i) => (m, i)).GroupBy(p => p.i % batches, p => p.m).ToList();
        Parallel.ForEach(groups, new ParallelOptions { MaxDegreeOfParallelism = 2 }, group =>
        {
            var batchClock = Stopwatch.StartNew();
            using CompiledModels compiled = ModelCompiler.CompileAndLoad(group.Select(g => g.Source).ToList());
            foreach ((NodeTestCase c, ImportResult import, ModelSource source) in group)
            {
                results[c.Name] = compiled.Models.TryGetValue(c.Name, out ICnnModel? model)
                    ? Check(c, import, model)
                    : new CaseResult(c.Name, c.OpTypes, Outcome.Failed, compiled.Failures[c.Name]);
            }
            log($"{group.Count()} models: {compiled.Compilations} compilation(s), {compiled.Timings}, run in {batchClock.Elapsed.TotalSeconds:F1} s in all");
        });
        log($"done in {clock.Elapsed.TotalSeconds:F1} s");
        return cases.Select(c => results[c.Name]).ToList();
    }

    /// <summary>The importer's problems in its order, a repeated one once with its count.</summary>
    private static string Reasons(IReadOnlyList<ImportProblem> problems) => string.Join("; ", problems
        .Select(p => p.ToString()).GroupBy(p => p, StringComparer.Ordinal)
        .Select(g => g.Count() == 1 ? g.Key : $"{g.Key} (x{g.Count()})"));

    /// <summary>Runs <paramref name="model"/> on each sample of the case's input and compares with its output.</summary>
    private static CaseResult Check(NodeTestCase c, ImportResult import, ICnnModel model)
    {
        CaseResult Fail(string why) => new(c.Name, c.OpTypes, Outcome.Failed, why);
        OnnxTensor input, expected;
        try
        {
            input = TensorFile.Read(c.InputFile(0));
            expected = TensorFile.Read(c.OutputFile(0));
        }
        catch (CnnDataException e)
        {
            return Fail($"imported, but the test data cannot be read as float32: {e.Problem}");
        }
        int[] inShape = import.OnnxInputShape, outShape = import.OnnxOutputShape;
        if (!input.Shape.SequenceEqual(inShape))
            return Fail($"the import's input shape is [{Dims(inShape)}], input_0.pb's [{Dims(input.Shape)}]");
        if (!expected.Shape.SequenceEqual(outShape))
            return Fail($"the import's output shape is [{Dims(outShape)}], output_0.pb's [{Dims(expected.Shape)}]");
        if (outShape.Length == 0 || outShape[0] != inShape[0])
            return Fail($"the output [{Dims(outShape)}] does not keep the input's batch axis [{Dims(inShape)}]");
        if (Layout.Problem(inShape, import.InputAxes, model.InputShape) is { } inProblem)
            return Fail($"InputAxes [{Dims(import.InputAxes)}] against the model's input [{Dims(model.InputShape.ToArray())}]: {inProblem}");
        if (Layout.Problem(outShape, import.OutputAxes, model.OutputShape) is { } outProblem)
            return Fail($"OutputAxes [{Dims(import.OutputAxes)}] against the model's output [{Dims(model.OutputShape.ToArray())}]: {outProblem}");

        int inSize = Layout.SampleSize(inShape), outSize = Layout.SampleSize(outShape);
        float[] modelIn = new float[model.InputSize], modelOut = new float[model.OutputSize], actual = new float[expected.Data.Length];
        try
        {
            for (int n = 0; n < inShape[0]; n++)
            {
                Layout.ToModel(input.Data.AsSpan(n * inSize, inSize), inShape, import.InputAxes, modelIn);
                model.Forward(modelIn, modelOut);
                Layout.ToOnnx(modelOut, outShape, import.OutputAxes, actual.AsSpan(n * outSize, outSize));
            }
        }
        catch (Exception e)
        {
            return Fail($"Forward threw {e.GetType().Name}: {e.Message}");
        }
        (int? mismatch, double maxError) = Tolerance.Compare(expected.Data, actual);
        return mismatch is int i
            ? Fail($"value {i} is {actual[i]:R}, expected {expected.Data[i]:R} (largest difference {maxError:G3})")
            : new CaseResult(c.Name, c.OpTypes, Outcome.Pass, $"largest difference {maxError:G2}");
    }

    /// <summary>The table of docs/onnx-conformance.md.</summary>
    public static string Table(IReadOnlyList<CaseResult> results)
    {
        int pass = results.Count(r => r.Outcome == Outcome.Pass), rejected = results.Count(r => r.Outcome == Outcome.Rejected);
        var md = new StringBuilder();
        md.Append($$"""
            # ONNX import conformance

            The ONNX backend node tests (issue #14 §3) through `OnnxImporter` and the generator: **{{pass}} pass, {{rejected}} rejected,
            {{results.Count - pass - rejected}} failed** of the {{results.Count}} cases whose model uses an operator of the import's list
            (Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, ReduceMean, Gemm, MatMul, Relu, Clip, LeakyRelu, Sigmoid,
            Tanh, Softmax, BatchNormalization, Add, Concat, Flatten, Reshape, Dropout, Identity, Pad), out of the 922 that Debian's
            python3-onnx 1.12 generates (`../shared/onnx/generate-node-tests.sh`).

            How each case runs (`tests/Cnn.Onnx.Conformance`): the graph inputs after the first become initializers holding the
            case's `input_N.pb` (a generated model has one input and its weights are known when it is compiled; the node tests
            pass weights, shapes, pads and bounds as inputs). The model is imported, compiled with the generator ({{ModelsPerCompilation}}
            models per Roslyn compilation), given the imported weights, and run on each sample of `input_0.pb`'s batch, moved from
            the ONNX layout to channels_last by the import's `InputAxes` and back by its `OutputAxes`. **pass**: every value of
            `output_0.pb` matched within 1e-4 absolute plus 1e-4 relative (`|actual − expected| ≤ 1e-4 + 1e-4·|expected|`);
            **rejected**: the importer refused the model and the reasons are its own, each naming the node, the operator and why.
            A case that fails (a crash, a compile error, a wrong value) fails the test, as does a change in the set of passing
            cases (`tests/Cnn.Onnx.Conformance/expected-pass.txt`).

            Regenerate this page and the expected-pass list after a change to the importer:

            ```sh
            bash ../shared/onnx/generate-node-tests.sh artifacts/onnx-node-tests
            CNN_WRITE_CONFORMANCE_TABLE=1 dotnet test tests/Cnn.Onnx.Conformance -c Release --filter NodeConformanceTests
            ```

            Per operator (a case counts under the first operator of the list that its model uses):

            | operator | pass | rejected | failed |
            |---|---|---|---|

            """);
        foreach (var group in results.GroupBy(r => NodeTestCase.OperatorOrder.First(o => r.Operators.Contains(o))).OrderBy(g => Array.IndexOf(NodeTestCase.OperatorOrder, g.Key)))
            md.Append($"| {group.Key} | {group.Count(r => r.Outcome == Outcome.Pass)} | {group.Count(r => r.Outcome == Outcome.Rejected)} | {group.Count(r => r.Outcome == Outcome.Failed)} |\n");
        md.Append("""

            | case | operators | result | detail |
            |---|---|---|---|

            """);
        foreach (CaseResult r in results)
            md.Append($"| {r.Case} | {string.Join(", ", r.Operators)} | {Status(r.Outcome)} | {Escape(r.Detail)} |\n");
        return md.ToString();
    }

    /// <summary>The word for <paramref name="outcome"/> in the table's result column.</summary>
    public static string Status(Outcome outcome) => outcome switch
    {
        Outcome.Pass => "**pass**",
        Outcome.Rejected => "rejected",
        _ => "FAILED",
    };

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string Dims(int[] shape) => string.Join(", ", shape);
}
