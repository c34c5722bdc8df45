using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Loader;
using Cnn.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Cnn.Onnx.Tests;

/// <summary>
/// Compiles imported models with the generator in memory (many per compilation), loads them, and runs them beside ONNX
/// Runtime on the same file, with inputs and outputs moved between NCHW and channels_last by the result's axes.
/// </summary>
internal static class ImportedModels
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location))
            .ToImmutableArray());

    /// <summary>Runs the generator over the sources and compiles: the diagnostics of both, and the assembly (null on errors).</summary>
    public static (ImmutableArray<Diagnostic> Diagnostics, Assembly? Assembly) Compile(IEnumerable<string> sources)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create("Imported" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Imported{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        var diagnostics = generatorDiagnostics.AddRange(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        if (!emit.Success) return (diagnostics, null);
        stream.Position = 0;
        return (diagnostics, new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(stream));
    }

    /// <summary>Runs the generator over the sources and compiles them into the assembly file <paramref name="path"/>: the errors, empty on success.</summary>
    public static ImmutableArray<Diagnostic> CompileToFile(IEnumerable<string> sources, string path)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(path),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parse, path: $"Model{i}.cs")),
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release));
        GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: parse);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        var emit = output.Emit(path);
        return generatorDiagnostics.AddRange(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();
    }

    /// <summary>An instance of the imported class with the imported weights loaded.</summary>
    public static ICnnModel Create(Assembly assembly, ImportResult result, string? ns = null)
    {
        Type type = assembly.GetType(ns is null ? result.ClassName : ns + "." + result.ClassName)
            ?? throw new InvalidOperationException($"{result.ClassName} is not in the assembly");
        var model = (ICnnModel)Activator.CreateInstance(type)!;
        WeightFile.Load(model, new MemoryStream(result.Weights), result.ClassName + ".safetensors");
        return model;
    }

    /// <summary>ONNX Runtime's output for <paramref name="input"/> of shape <paramref name="shape"/>.</summary>
    public static (float[] Values, int[] Shape) Reference(byte[] onnx, float[] input, int[] shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        string name = session.InputMetadata.Keys.Single();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(input, shape))]);
        var tensor = results.First().AsTensor<float>();
        return (tensor.ToArray(), tensor.Dimensions.ToArray());
    }

    /// <summary>
    /// For each index of one sample in the model's channels_last order, the index of the same value in the ONNX sample
    /// (batch dropped): model axis k is ONNX axis <c>axes[k]</c>; ONNX axes not named have size 1.
    /// </summary>
    public static int[] Order(int[] onnxShape, int[] axes)
    {
        int[] sample = onnxShape[1..];
        int[] modelDims = axes.Select(a => onnxShape[a]).ToArray();
        int size = modelDims.Aggregate(1, (a, d) => a * d);
        var strides = new int[sample.Length];
        for (int i = sample.Length - 1, s = 1; i >= 0; s *= sample[i], i--) strides[i] = s;
        var order = new int[size];
        var index = new int[modelDims.Length];
        for (int j = 0; j < size; j++)
        {
            int flat = 0;
            for (int k = 0; k < axes.Length; k++) flat += index[k] * strides[axes[k] - 1];
            order[j] = flat;
            for (int k = modelDims.Length - 1; k >= 0 && ++index[k] == modelDims[k]; k--) index[k] = 0;
        }
        return order;
    }

    /// <summary>
    /// Runs <paramref name="model"/> on a seeded random input beside ONNX Runtime; null when every output agrees within
    /// 1e-4 (relative above 1), else what differs.
    /// </summary>
    public static string? Compare(ICnnModel model, ImportResult result, byte[] onnx, int seed = 7)
    {
        var random = new Random(seed);
        int[] inShape = result.OnnxInputShape;
        float[] input = Enumerable.Range(0, inShape.Aggregate(1, (a, d) => a * d)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        (float[] expected, int[] outShape) = Reference(onnx, input, inShape);
        if (!outShape.SequenceEqual(result.OnnxOutputShape))
            return $"ONNX Runtime's output is [{string.Join(", ", outShape)}], the import says [{string.Join(", ", result.OnnxOutputShape)}]";
        int[] inOrder = Order(inShape, result.InputAxes), outOrder = Order(outShape, result.OutputAxes);
        if (inOrder.Length != model.InputSize || outOrder.Length != model.OutputSize)
            return $"the model takes {model.InputSize} and gives {model.OutputSize} values; the ONNX sample has {inOrder.Length} and {outOrder.Length}";
        int inSample = input.Length / inShape[0], outSample = expected.Length / outShape[0];
        var x = new float[model.InputSize];
        var y = new float[model.OutputSize];
        for (int n = 0; n < inShape[0]; n++)
        {
            for (int j = 0; j < x.Length; j++) x[j] = input[n * inSample + inOrder[j]];
            model.Forward(x, y);
            for (int j = 0; j < y.Length; j++)
            {
                float e = expected[n * outSample + outOrder[j]];
                if (!(Math.Abs(y[j] - e) <= 1e-4 * Math.Max(1, Math.Abs(e))))
                    return $"sample {n} output {j}: {y[j]} but ONNX Runtime {e}";
            }
        }
        return null;
    }
}
