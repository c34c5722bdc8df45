using Microsoft.ML.OnnxRuntime;

namespace Cnn.Onnx.Conformance;

/// <summary>ONNX Runtime on a model with one float32 input: the reference output of the real architectures.</summary>
internal static class OrtReference
{
    /// <summary>
    /// Runs the model in <paramref name="onnxModel"/> (the file's bytes) on <paramref name="input"/> and returns its first
    /// output, which must be float32. One intra-op thread: the machine is shared, and the result does not depend on it.
    /// </summary>
    public static OnnxTensor Run(byte[] onnxModel, OnnxTensor input)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(onnxModel, options);
        string inputName = session.InputNames.Single();
        using var value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(new RunOptions(), [inputName], [value], [session.OutputNames[0]]);
        OrtValue output = results[0];
        OrtTensorTypeAndShapeInfo info = output.GetTensorTypeAndShape();
        if (info.ElementDataType != Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float)
            throw new InvalidOperationException($"ONNX Runtime's first output is {info.ElementDataType}, not float32");
        return new OnnxTensor(session.OutputNames[0], info.Shape.Select(d => checked((int)d)).ToArray(), output.GetTensorDataAsSpan<float>().ToArray());
    }
}
