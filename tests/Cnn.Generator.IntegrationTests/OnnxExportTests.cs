using System.Diagnostics;
using Cnn.Generator.IntegrationTests.Models;
using Cnn.Onnx;
using Cnn.Onnx.Proto;
using Cnn.Tests;
using Microsoft.ML.OnnxRuntime;

namespace Cnn.Generator.IntegrationTests;

/// <summary>
/// <see cref="Onnx.Onnx.Export(ICnnModel, string)"/> (SPEC §8): ONNX Runtime on the exported file gives what the model's
/// <c>Forward</c> gives, within 1e-5 (relative above 1), on batches of random inputs: for every model class compiled
/// into this assembly (random parameters, BatchNormalization's moving statistics far from 0 and 1), the golden models
/// with their weights, and the samples' trained models. The graph's structure, the files' validity for
/// <c>onnx.checker</c>, the errors and the command are checked too.
/// </summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    private const int Batch = 4;

    /// <summary>Every model class compiled into this assembly (the golden, gradient-check, fixture and sample models).</summary>
    private static IEnumerable<Type> AllModelTypes() => typeof(OnnxExportTests).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(ICnnModel).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
        .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static TheoryData<string> ModelTypes
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (Type type in AllModelTypes()) data.Add(type.FullName!);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void EveryModel_RunsInOnnxRuntime_AsItsForward(string typeName)
    {
        var model = (ICnnModel)Activator.CreateInstance(typeof(OnnxExportTests).Assembly.GetType(typeName)!)!;
        int seed = StableSeed(typeName);
        Randomize(model, seed);
        AssertOnnxRuntimeMatches(model, RandomInputs(model, Batch, seed, -1f, 1f), typeName);
    }

    /// <summary>A model class name's seed that does not change from run to run (string.GetHashCode does).</summary>
    private static int StableSeed(string text)
    {
        int seed = 17;
        foreach (char c in text) seed = unchecked(seed * 31 + c);
        return seed & 0x7fffffff;
    }

    public static TheoryData<string> GoldenFiles =>
        new() { "keras_mnist", "tiny_conv", "strided_same", "iris_mlp", "residual", "bn_cnn", "depthwise_separable", "conv1d" };

    private static ICnnModel Golden(string name) => name switch
    {
        "keras_mnist" => new KerasMnist(),
        "tiny_conv" => new TinyConv(),
        "strided_same" => new StridedSame(),
        "iris_mlp" => new IrisMlp(),
        "residual" => new Residual(),
        "bn_cnn" => new BnCnn(),
        "depthwise_separable" => new DepthwiseSeparable(),
        "conv1d" => new Conv1dGolden(),
        _ => throw new ArgumentException(name),
    };

    private static ICnnModel LoadGolden(string name, out SafeTensorsFile file)
    {
        file = SafeTensorsFile.Open(TestPaths.Golden(name + ".safetensors"));
        ICnnModel model = Golden(name);
        WeightFile.Load(model, file, ignoreOtherTensors: true);
        return model;
    }

    [Theory]
    [MemberData(nameof(GoldenFiles))]
    public void GoldenModel_WithItsWeights_RunsInOnnxRuntime_AsItsForward(string name)
    {
        ICnnModel model = LoadGolden(name, out SafeTensorsFile file);
        // The file's own inputs (bn_cnn's batch is "inputs"), then random ones.
        float[] inputs = file.ReadSingles(file.Contains("input") ? "input" : "inputs");
        AssertOnnxRuntimeMatches(model, inputs, name + " (its inputs)");
        AssertOnnxRuntimeMatches(model, RandomInputs(model, Batch, StableSeed(name), 0f, 1f), name + " (random inputs)");
    }

    [Fact]
    public void DigitsSample_WithItsTrainedWeights_RunsInOnnxRuntime_AsItsForward()
    {
        var model = new Digits.DigitsCnn();
        WeightFile.Load(model, Path.Combine(TestPaths.RepositoryRoot, "samples", "Explainer", "weights", "digits-cnn.safetensors"));
        // The digits are 0..16 per pixel.
        AssertOnnxRuntimeMatches(model, RandomInputs(model, Batch, 8, 0f, 16f), "DigitsCnn");
    }

    [Fact]
    public void FashionMnistSample_WithTheTrainedWeights_RunsInOnnxRuntime_AsItsForward()
    {
        // samples/FashionMnist's model; samples/Inference's weights are its training's.
        var model = new FashionMnist.MnistCnn();
        WeightFile.Load(model, Path.Combine(TestPaths.RepositoryRoot, "samples", "Inference", "weights", "fashion-mnist-cnn.safetensors"));
        AssertOnnxRuntimeMatches(model, RandomInputs(model, Batch, 28, 0f, 1f), "MnistCnn");
        // samples/Inference's model: the same weights compiled in.
        AssertOnnxRuntimeMatches(EmbeddedFashionCnn.CreateWithEmbeddedWeights(), RandomInputs(model, Batch, 29, 0f, 1f), "EmbeddedFashionCnn");
    }

    /// <summary>The sweep above meets every layer type the export maps and each of its special cases.</summary>
    [Fact]
    public void TheModelSweep_CoversEveryLayerTypeAndTheSpecialCases()
    {
        List<(ICnnModel Model, LayerInfo Layer)> layers = AllModelTypes()
            .Select(t => (ICnnModel)Activator.CreateInstance(t)!)
            .SelectMany(m => m.Layers.Select(l => (m, l)))
            .ToList();
        string[] types =
        [
            "Conv2D", "Conv1D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D", "MaxPooling1D", "AveragePooling1D",
            "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Dense", "Flatten", "Dropout",
            "BatchNormalization", "ReLU", "LeakyReLU", "Activation", "Softmax", "ZeroPadding2D", "Add", "Concatenate",
        ];
        foreach (string type in types) Assert.Contains(layers, x => x.Layer.Type == type);
        Assert.Equal(types.Order(), layers.Select(x => x.Layer.Type).Distinct().Order());

        void Has(string what, Func<LayerInfo, LayerArguments, bool> predicate) =>
            Assert.True(layers.Any(x => predicate(x.Layer, x.Layer.Arguments)), "no model in the sweep has " + what);
        static bool Asymmetric(int[] pads) => pads.Length == 4 ? pads[0] != pads[1] || pads[2] != pads[3] : pads[0] != pads[1];
        static Padding Mode(LayerArguments a) => a.Get<Padding>("padding");

        Has("a Conv2D with Same padding more after than before", (l, a) => l.Type == "Conv2D" && Mode(a) == Padding.Same && Asymmetric(a.Get<int[]>("pads")));
        Has("a Conv2D with a rectangular kernel", (l, a) => l.Type == "Conv2D" && a.Get<int[]>("kernel_size") is [var h, var w] && h != w);
        Has("a dilated Conv2D", (l, a) => l.Type == "Conv2D" && a.Get<int[]>("dilation_rate")[0] > 1);
        Has("a Conv2D without bias", (l, a) => l.Type == "Conv2D" && !a.Get<bool>("use_bias"));
        Has("a Conv1D with Same padding", (l, a) => l.Type == "Conv1D" && Mode(a) == Padding.Same);
        Has("a causal Conv1D", (l, a) => l.Type == "Conv1D" && Mode(a) == Padding.Causal);
        Has("a dilated causal Conv1D", (l, a) => l.Type == "Conv1D" && Mode(a) == Padding.Causal && a.Get<int[]>("dilation_rate")[0] > 1);
        Has("a DepthwiseConv2D with a depth multiplier", (l, a) => l.Type == "DepthwiseConv2D" && a.Get<int>("depth_multiplier") > 1);
        Has("a SeparableConv2D with a depth multiplier", (l, a) => l.Type == "SeparableConv2D" && a.Get<int>("depth_multiplier") > 1);
        Has("a dilated depthwise convolution", (l, a) => l.Type is "DepthwiseConv2D" or "SeparableConv2D" && a.Get<int[]>("dilation_rate")[0] > 1);
        Has("a max pool with Same padding", (l, a) => l.Type == "MaxPooling2D" && Mode(a) == Padding.Same && a.Get<int[]>("pads").Any(p => p > 0));
        Has("an average pool with Same padding", (l, a) => l.Type == "AveragePooling2D" && Mode(a) == Padding.Same && a.Get<int[]>("pads").Any(p => p > 0));
        Has("a rectangular pool", (l, a) => l.Type is "MaxPooling2D" or "AveragePooling2D" && a.Get<int[]>("pool_size") is [var h, var w] && h != w);
        Has("a 1-D pool with Same padding", (l, a) => l.Type is "MaxPooling1D" or "AveragePooling1D" && Mode(a) == Padding.Same && a.Get<int[]>("pads").Any(p => p > 0));
        Has("a ReLU with MaxValue", (l, a) => l.Type == "ReLU" && a.ContainsKey("max_value") && a.Get<double>("negative_slope") == 0);
        Has("a ReLU with NegativeSlope", (l, a) => l.Type == "ReLU" && !a.ContainsKey("max_value") && a.Get<double>("negative_slope") > 0);
        Has("a ReLU with NegativeSlope and MaxValue", (l, a) => l.Type == "ReLU" && a.ContainsKey("max_value") && a.Get<double>("negative_slope") > 0);
        Has("a fused ReLU6", (l, a) => a.TryGet("activation", out Activation f) && f == Activation.ReLU6);
        Has("an Add of three", (l, a) => l.Type == "Add" && l.Inputs.Length >= 3);
        Has("a BatchNormalization without scale and center", (l, a) => l.Type == "BatchNormalization" && !a.Get<bool>("scale") && !a.Get<bool>("center"));
        Has("an uneven ZeroPadding2D", (l, a) => l.Type == "ZeroPadding2D" && a.Get<int[]>("padding").Distinct().Count() > 1);
        Has("a Sigmoid layer and a Tanh layer", (l, a) => l.Type == "Activation" && a.Get<Activation>("activation") == Activation.Sigmoid);
        Has("a Tanh layer", (l, a) => l.Type == "Activation" && a.Get<Activation>("activation") == Activation.Tanh);

        // Flattened images (CHW in ONNX) meeting a Dense, a BatchNormalization, an Add, a Concatenate, and the output.
        static bool FlattenOfImage(ICnnModel m, string name) =>
            m.Layers.FirstOrDefault(l => l.Name == name) is { Type: "Flatten" } f && Producer(m, f.Inputs[0]) is [_, _, > 1] or [_, > 1];
        Assert.Contains(layers, x => x.Layer.Type == "Dense" && FlattenOfImage(x.Model, x.Layer.Inputs[0]));
        Assert.Contains(layers, x => x.Layer.Type == "BatchNormalization" && x.Layer.OutputShape.Length == 1 && FlattenOfImage(x.Model, x.Layer.Inputs[0]));
        Assert.Contains(layers, x => x.Layer.Type == "Add" && x.Layer.Inputs.Any(i => FlattenOfImage(x.Model, i)));
        Assert.Contains(layers, x => x.Layer.Type == "Concatenate" && x.Layer.OutputShape.Length == 1 && x.Layer.Inputs.Any(i => FlattenOfImage(x.Model, i)));
        Assert.Contains(layers, x => x.Layer == x.Model.Layers[^1] && x.Layer.Type == "Flatten" && FlattenOfImage(x.Model, x.Layer.Name));
        Assert.Contains(layers, x => x.Layer == x.Model.Layers[^1] && x.Layer.OutputShape.Length > 1);
    }

    private static int[] Producer(ICnnModel model, string name) =>
        name == "input" ? model.InputShape.ToArray() : model.Layers.First(l => l.Name == name).OutputShape;

    /// <summary>
    /// The graph of golden/residual node by node: the mapping the importer reads back (one main node named as the layer,
    /// the fused activation as <c>layer/relu</c>, parameters under their safetensors names in ONNX's layouts).
    /// </summary>
    [Fact]
    public void ResidualGraph_IsTheDocumentedMapping()
    {
        ModelProto onnx = ModelProto.Parser.ParseFrom(global::Cnn.Onnx.Onnx.ToBytes(new Residual()));
        Assert.Equal(7, onnx.IrVersion);
        Assert.Equal(13, Assert.Single(onnx.OpsetImport).Version);
        Assert.Equal("input", Assert.Single(onnx.Graph.Input).Name);
        Assert.Equal("dense", Assert.Single(onnx.Graph.Output).Name);
        Assert.Equal(["N", "2", "10", "10"], Dims(onnx.Graph.Input[0]));
        Assert.Equal(["N", "5"], Dims(onnx.Graph.Output[0]));
        string nodes = string.Join("\n", onnx.Graph.Node.Select(n => $"{n.Name}: {n.OpType}({string.Join(", ", n.Input)}) -> {string.Join(", ", n.Output)}"));
        Assert.Equal("""
            conv2d: Conv(input, conv2d.kernel, conv2d.bias) -> conv2d/linear
            conv2d/relu: Relu(conv2d/linear) -> conv2d
            conv2d_1: Conv(conv2d, conv2d_1.kernel, conv2d_1.bias) -> conv2d_1
            re_lu: Relu(conv2d_1) -> re_lu
            main: Conv(re_lu, main.kernel, main.bias) -> main
            shortcut: Conv(conv2d, shortcut.kernel, shortcut.bias) -> shortcut
            add: Add(main, shortcut) -> add
            block_out: Relu(add) -> block_out
            side: Conv(re_lu, side.kernel, side.bias) -> side
            concatenate: Concat(block_out, side) -> concatenate
            max_pooling2d: MaxPool(concatenate) -> max_pooling2d
            flatten: Flatten(max_pooling2d) -> flatten
            dense: Gemm(flatten, dense.kernel, dense.bias) -> dense/linear
            dense/softmax: Softmax(dense/linear) -> dense
            """, nodes);
        NodeProto conv = onnx.Graph.Node.Single(n => n.Name == "conv2d_1");
        Assert.Equal("kernel_shape=3,3 strides=2,2 pads=0,0,1,1 dilations=1,1 group=1", Attributes(conv));
        Assert.Equal("ceil_mode=0 kernel_shape=2,2 pads=0,0,1,1 strides=2,2", string.Join(" ", Attributes(onnx.Graph.Node.Single(n => n.Name == "max_pooling2d")).Split(' ').Order()));
        Assert.Equal("transB=1", Attributes(onnx.Graph.Node.Single(n => n.Name == "dense")));
        Assert.Equal("axis=1", Attributes(onnx.Graph.Node.Single(n => n.Name == "concatenate")));
        TensorProto kernel = onnx.Graph.Initializer.Single(t => t.Name == "conv2d_1.kernel");
        Assert.Equal([8L, 6, 3, 3], kernel.Dims);
        Assert.Equal([5L, 108], onnx.Graph.Initializer.Single(t => t.Name == "dense.kernel").Dims);
        Assert.Equal("Residual", onnx.Graph.Name);
        Assert.Contains(onnx.MetadataProps, p => p.Key == "cnn.loss" && p.Value == "SparseCategoricalCrossEntropy");
    }

    private static string[] Dims(ValueInfoProto value) =>
        value.Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static string Attributes(NodeProto node) => string.Join(" ", node.Attribute.Select(a => a.Name + "=" + a.Type switch
    {
        AttributeProto.Types.AttributeType.Int => a.I.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AttributeProto.Types.AttributeType.Ints => string.Join(",", a.Ints),
        AttributeProto.Types.AttributeType.Float => a.F.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => a.S.ToStringUtf8(),
    }));

    /// <summary>A Dense after a Flatten gets the kernel's rows in CHW order: row c·h·w + y·w + x of ONNX's is the model's (y·w + x)·c + c.</summary>
    [Fact]
    public void DenseAfterFlatten_HasItsKernelRowsInChwOrder()
    {
        ICnnModel model = new TinyConv(); // 8x8x1 -> conv 6x6x4 -> pool 3x3x4 -> flatten 36 -> dense 10
        Randomize(model, 5);
        ModelProto onnx = ModelProto.Parser.ParseFrom(global::Cnn.Onnx.Onnx.ToBytes(model));
        float[] b = Floats(onnx.Graph.Initializer.Single(t => t.Name == "dense.kernel")); // [10, 36]
        ParameterTensorInfo kernel = model.ParameterTensors.Single(t => t.Name == "dense.kernel"); // [36, 10]
        ReadOnlySpan<float> w = model.Parameters.Slice(kernel.Offset, kernel.Length);
        for (int u = 0; u < 10; u++)
            for (int c = 0; c < 4; c++)
                for (int p = 0; p < 9; p++)
                    Assert.Equal(w[(p * 4 + c) * 10 + u], b[u * 36 + c * 9 + p]);
    }

    private static float[] Floats(TensorProto tensor) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();

    public static TheoryData<string> BadPaths => new()
    {
        "missing-directory/model.onnx", // under a fresh temporary folder
        "a-file/model.onnx",            // a regular file where a folder should be
        "a-directory",                  // an existing folder as the target
        "/proc/cnn-export-test.onnx",   // a read-only file system, even for root
    };

    [Theory]
    [MemberData(nameof(BadPaths))]
    public void ExportToABadPath_IsAClearError_AndWritesNothing(string relative)
    {
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "a-file"), "not a folder");
            Directory.CreateDirectory(Path.Combine(folder, "a-directory"));
            string path = Path.IsPathRooted(relative) ? relative : Path.Combine(folder, relative);
            var e = Assert.Throws<IOException>(() => global::Cnn.Onnx.Onnx.Export(new TinyConv(), path));
            Assert.StartsWith($"Cannot write the ONNX file '{path}': ", e.Message);
            Assert.Equal(["a-directory", "a-file"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).Order());
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(folder, "a-directory")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ExportToAPath_ReplacesTheFileWhole_AndLeavesNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            File.WriteAllText(path, "an older file");
            var model = new TinyConv();
            Randomize(model, 3);
            global::Cnn.Onnx.Onnx.Export(model, path);
            Assert.Equal(global::Cnn.Onnx.Onnx.ToBytes(model), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
            using var stream = new MemoryStream();
            global::Cnn.Onnx.Onnx.Export(model, stream);
            Assert.Equal(File.ReadAllBytes(path), stream.ToArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// <c>OnnxExportCommand</c>, as <c>dotnet cnn export</c> runs it, on this test assembly: a model with its weights
    /// compiled in, one with a weight file, and the errors (exit code 1 and one line, never an exception).
    /// </summary>
    [Fact]
    public void ExportCommand_LoadsTheBuiltAssembly_AndExportsItsModel()
    {
        string assembly = typeof(OnnxExportTests).Assembly.Location;
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            string path = Path.Combine(folder, "fashion.onnx");
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.Equal(0, OnnxExportCommand.Run(assembly, "EmbeddedFashionCnn", null, path, output, error));
            Assert.Equal("", error.ToString());
            Assert.StartsWith($"Wrote {path}: Cnn.Generator.IntegrationTests.Models.EmbeddedFashionCnn, 8 layers, 93,322 parameters", output.ToString());
            ICnnModel expected = EmbeddedFashionCnn.CreateWithEmbeddedWeights();
            Assert.Equal(global::Cnn.Onnx.Onnx.ToBytes(expected), File.ReadAllBytes(path));

            string golden = TestPaths.Golden("keras_mnist.safetensors");
            string weights = Path.Combine(folder, "keras_mnist.safetensors");
            WeightFile.Save(LoadGolden("keras_mnist", out _), weights);
            Assert.Equal(0, OnnxExportCommand.Run(assembly, "Cnn.Generator.IntegrationTests.Models.KerasMnist", weights, path));
            Assert.Equal(global::Cnn.Onnx.Onnx.ToBytes(LoadGolden("keras_mnist", out _)), File.ReadAllBytes(path));

            (string Assembly, string Class, string? Weights, string Out, string Message)[] failures =
            [
                (Path.Combine(folder, "missing.dll"), "KerasMnist", null, path, "error: The assembly '" + Path.Combine(folder, "missing.dll") + "' does not exist"),
                (weights, "KerasMnist", null, path, "error: "),
                (assembly, "NoSuchModel", null, path, "error: No model class 'NoSuchModel' in "),
                (assembly, "KerasMnist", null, path, "error: Cnn.Generator.IntegrationTests.Models.KerasMnist has no weights compiled in"),
                (assembly, "KerasMnist", Path.Combine(folder, "none.safetensors"), path, "error: The weight file"),
                (assembly, "KerasMnist", golden, path, "error: "), // the golden file holds inputs and gradients beside the weights
                (assembly, "TinyConv", weights, path, "error: "),
                (assembly, "EmbeddedFashionCnn", null, Path.Combine(folder, "no-such-folder", "x.onnx"), "error: Cannot write the ONNX file"),
            ];
            foreach ((string a, string c, string? w, string o, string message) in failures)
            {
                var e = new StringWriter();
                Assert.Equal(1, OnnxExportCommand.Run(a, c, w, o, null, e));
                Assert.StartsWith(message, e.ToString());
                Assert.Single(e.ToString().TrimEnd('\n').Split('\n'));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>ONNX's own checker (Debian's python3-onnx, with its shape inference) accepts the exported files.</summary>
    [PythonOnnxFact]
    public void ExportedFiles_PassOnnxChecker()
    {
        string folder = Directory.CreateTempSubdirectory("cnn-onnx-").FullName;
        try
        {
            var files = new List<string>();
            foreach (Type type in AllModelTypes())
            {
                var model = (ICnnModel)Activator.CreateInstance(type)!;
                Randomize(model, 1);
                string path = Path.Combine(folder, type.FullName + ".onnx");
                global::Cnn.Onnx.Onnx.Export(model, path);
                files.Add(path);
            }
            const string Script = """
                import sys, onnx
                for path in sys.argv[1:]:
                    model = onnx.load(path)
                    onnx.checker.check_model(model, full_check=True)
                    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
                print(len(sys.argv) - 1, "checked")
                """;
            var start = new ProcessStartInfo(PythonOnnx.Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Script);
            foreach (string file in files) start.ArgumentList.Add(file);
            using Process process = Process.Start(start)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"onnx.checker failed:\n{error.Result}");
            Assert.Equal($"{files.Count} checked", output.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // ---- Helpers.

    /// <summary>
    /// Glorot kernels (the model's own initialisation) with every other tensor away from its initial value: biases,
    /// beta and moving means in [-0.3, 0.3], gamma in [0.5, 1.5], moving variances in [0.3, 2].
    /// </summary>
    private static void Randomize(ICnnModel model, int seed)
    {
        model.InitializeParameters(seed);
        var random = new Random(seed);
        Span<float> parameters = model.Parameters;
        foreach (ParameterTensorInfo tensor in model.ParameterTensors)
        {
            string kind = tensor.Name[(tensor.Name.LastIndexOf('.') + 1)..];
            Span<float> values = parameters.Slice(tensor.Offset, tensor.Length);
            for (int i = 0; i < values.Length; i++)
            {
                float r = random.NextSingle();
                values[i] = kind switch
                {
                    "moving_variance" => 0.3f + 1.7f * r,
                    "gamma" => 0.5f + r,
                    "bias" or "beta" or "moving_mean" => 0.6f * r - 0.3f,
                    _ => values[i],
                };
            }
        }
    }

    private static float[] RandomInputs(ICnnModel model, int count, int seed, float low, float high)
    {
        var random = new Random(seed);
        var inputs = new float[count * model.InputSize];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = low + (high - low) * random.NextSingle();
        return inputs;
    }

    /// <summary>
    /// Exports <paramref name="model"/>, runs ONNX Runtime on all of <paramref name="inputs"/> as one batch (channels
    /// first), and checks every output against the model's <c>Forward</c> (channels last) within <see cref="Tolerance"/>.
    /// </summary>
    private static void AssertOnnxRuntimeMatches(ICnnModel model, float[] inputs, string what)
    {
        int count = inputs.Length / model.InputSize;
        int[] inputShape = model.InputShape.ToArray(), outputShape = model.OutputShape.ToArray();
        var channelsFirst = new float[inputs.Length];
        for (int s = 0; s < count; s++)
            ToChannelsFirst(inputs.AsSpan(s * model.InputSize, model.InputSize), inputShape, channelsFirst.AsSpan(s * model.InputSize, model.InputSize));

        using var session = new InferenceSession(global::Cnn.Onnx.Onnx.ToBytes(model));
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(channelsFirst, [count, .. Nchw(inputShape)]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], [session.OutputNames.Single()]);
        Assert.Equal([count, .. Nchw(outputShape)], results[0].GetTensorTypeAndShape().Shape);
        float[] onnx = results[0].GetTensorDataAsSpan<float>().ToArray();

        var expected = new float[model.OutputSize];
        var actual = new float[model.OutputSize];
        double worst = 0;
        for (int s = 0; s < count; s++)
        {
            model.Forward(inputs.AsSpan(s * model.InputSize, model.InputSize), expected);
            ToChannelsLast(onnx.AsSpan(s * model.OutputSize, model.OutputSize), outputShape, actual);
            for (int i = 0; i < expected.Length; i++)
            {
                double error = Math.Abs(actual[i] - expected[i]) / Math.Max(1, Math.Abs(expected[i]));
                worst = Math.Max(worst, error);
                Assert.True(error <= Tolerance,
                    $"{what}: sample {s}, output {i}: Forward gives {expected[i]:G9}, ONNX Runtime {actual[i]:G9}");
            }
        }
        Assert.True(double.IsFinite(worst));
    }

    private static long[] Nchw(int[] shape) => shape.Length == 1 ? [shape[0]] : [shape[^1], .. shape[..^1].Select(d => (long)d)];

    /// <summary>[.., c] laid out channels last to [c, ..]: entry p·c + k goes to k·pixels + p.</summary>
    private static void ToChannelsFirst(ReadOnlySpan<float> source, int[] shape, Span<float> target)
    {
        int channels = shape.Length == 1 ? source.Length : shape[^1], pixels = source.Length / channels;
        for (int p = 0; p < pixels; p++)
            for (int k = 0; k < channels; k++)
                target[k * pixels + p] = source[p * channels + k];
    }

    private static void ToChannelsLast(ReadOnlySpan<float> source, int[] shape, Span<float> target)
    {
        int channels = shape.Length == 1 ? source.Length : shape[^1], pixels = source.Length / channels;
        for (int p = 0; p < pixels; p++)
            for (int k = 0; k < channels; k++)
                target[p * channels + k] = source[k * pixels + p];
    }
}

/// <summary>Debian's python3-onnx for <c>onnx.checker</c>: /usr/bin/python3 with the <c>onnx</c> module.</summary>
internal static class PythonOnnx
{
    /// <summary>Debian's Python (a pyenv <c>python3</c> on the PATH may lack Debian's modules).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> s_installed = new(() =>
    {
        if (!File.Exists(Python)) return false;
        try
        {
            var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("import onnx.checker");
            using Process process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    /// <summary>Whether /usr/bin/python3 imports onnx.</summary>
    public static bool IsInstalled => s_installed.Value;
}

/// <summary>
/// A test that runs ONNX's checker: skipped, with the install command, when python3-onnx is missing outside CI; under
/// CI (<c>CI=true</c>) it runs and fails instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PythonOnnxFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when python3-onnx is missing outside CI.</summary>
    public PythonOnnxFactAttribute()
    {
        if (!PythonOnnx.IsInstalled && !FashionMnistData.UnderCI)
            Skip = "/usr/bin/python3 cannot import onnx: apt-get install python3-onnx (with CI=true this test runs and fails instead)";
    }
}
