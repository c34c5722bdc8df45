using Cnn.Onnx.Proto;
using Xunit.Abstractions;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// The conformance data and its handling, without the importer: which cases are selected, and that the cases with their
/// extra inputs made constant (<see cref="NodeTestCase.ModelWithConstantInputs"/>) still compute their <c>output_0.pb</c>
/// in ONNX Runtime, read back through <see cref="TensorFile"/>. What the importer is measured against is thereby the
/// suite's own answer, not an artefact of the harness.
/// </summary>
public class NodeTestDataTests(ITestOutputHelper output)
{
    [NodeTestsFact]
    public void TheSelection_IsEveryCaseWithAnOperatorOfTheIssue()
    {
        IReadOnlyList<NodeTestCase> cases = NodeTestCase.Select(TestData.RequireNodeTests());
        Assert.Equal(922, Directory.GetDirectories(TestData.RequireNodeTests()).Length);
        // 142 cases made of these operators alone (test_relu, test_conv_with_strides_padding, ...) and 67 that use one
        // among others (the *_expanded function bodies: layer normalization, softmax cross-entropy, ...).
        Assert.Equal(209, cases.Count);
        Assert.Equal(142, cases.Count(c => c.OpTypes.All(o => NodeTestCase.Operators.Contains(o) || o == "Constant")));
        foreach (string name in new[] { "test_relu", "test_conv_with_strides_padding", "test_maxpool_2d_pads", "test_gemm_transposeB", "test_reshape_reduced_dims", "test_layer_normalization_2d_axis0_expanded" })
            Assert.Contains(cases, c => c.Name == name);
        Assert.DoesNotContain(cases, c => c.Name == "test_constant" || c.Name == "test_abs");
        Assert.All(cases, c => Assert.True(File.Exists(c.InputFile(0)) && File.Exists(c.OutputFile(0)), c.Name));
    }

    [NodeTestsFact]
    public void WithConstantInputs_OnnxRuntimeStillGivesOutput0()
    {
        IReadOnlyList<NodeTestCase> cases = NodeTestCase.Select(TestData.RequireNodeTests());
        var failures = new List<string>();
        int matched = 0;
        var skipped = new List<string>();
        foreach (NodeTestCase c in cases)
        {
            // Only float32 in and out; random ops (training-mode dropout) have no fixed answer.
            if (!IsFloat(c.Model.Graph.Input[0]) || !IsFloat(c.Model.Graph.Output[0]) || c.Name.StartsWith("test_training_dropout", StringComparison.Ordinal) && !c.Name.Contains("zero_ratio", StringComparison.Ordinal))
            {
                skipped.Add(c.Name);
                continue;
            }
            byte[] model = c.ModelWithConstantInputs();
            Assert.Single(ModelProto.Parser.ParseFrom(model).Graph.Input);
            OnnxTensor input = TensorFile.Read(c.InputFile(0)), expected = TensorFile.Read(c.OutputFile(0));
            OnnxTensor actual;
            try
            {
                actual = OrtReference.Run(model, input);
            }
            catch (Exception e) when (e is Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
            {
                failures.Add($"{c.Name}: ONNX Runtime: {e.Message}");
                continue;
            }
            if (!actual.Shape.SequenceEqual(expected.Shape))
                failures.Add($"{c.Name}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
            else if (Tolerance.Compare(expected.Data, actual.Data) is { FirstMismatch: int i })
                failures.Add($"{c.Name}: value {i} is {actual.Data[i]}, expected {expected.Data[i]}");
            else matched++;
        }
        output.WriteLine($"{matched} cases match, not run: {string.Join(" ", skipped)}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(186, matched);
    }

    private static bool IsFloat(ValueInfoProto value) =>
        value.Type?.TensorType is { } tensor && tensor.ElemType == (int)TensorProto.Types.DataType.Float;
}
