using Microsoft.CodeAnalysis;

namespace Cnn.Generator.Tests;

/// <summary>Every rule of SPEC §4: its id, severity, the attribute or argument it points at, and its message.</summary>
public class DiagnosticTests
{
    private static Diagnostic Single(string id, string source)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CS8785");
        return Assert.Single(result.GeneratorDiagnostics, d => d.Id == id);
    }

    private const string Usings = "using Cnn;\n";

    [Fact]
    public void CNN0001_NotPartial()
    {
        Diagnostic d = Single("CNN0001", Usings + "[Model(4)] [Dense(2)] public class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Net", GeneratorHarness.TextAt(d));
        Assert.Contains("'Net' must be declared partial", d.GetMessage());
    }

    [Fact]
    public void CNN0001_ContainingTypeNotPartial()
    {
        Diagnostic d = Single("CNN0001", Usings + "public class Outer { [Model(4)] [Dense(2)] public partial class Net; }");
        Assert.Equal("Outer", GeneratorHarness.TextAt(d));
    }

    [Fact]
    public void CNN0002_DimensionBelowOne()
    {
        Diagnostic d = Single("CNN0002", Usings + "[Model(28, 0, 1)] [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal("Model(28, 0, 1)", GeneratorHarness.TextAt(d));
        Assert.Contains("(28, 0, 1) has a dimension below 1", d.GetMessage());
    }

    [Theory]
    [InlineData("[Conv2D(0, 3)]", "0", "the number of filters must be at least 1, but is 0")]
    [InlineData("[Conv2D(8, -1)]", "-1", "the kernel height must be at least 1, but is -1")]
    [InlineData("[Conv2D(8, 3, Stride = 0)]", "Stride = 0", "the vertical stride must be at least 1")]
    [InlineData("[MaxPool2D(0)]", "0", "the pool height must be at least 1")]
    [InlineData("[Dropout(1.0)]", "1.0", "the dropout rate must be in [0, 1), but is 1")]
    [InlineData("[Conv2D(8, 3, Name = \"my layer\")]", "Name = \"my layer\"", "the name 'my layer' must start with a letter")]
    [InlineData("[BatchNormalization(Momentum = 1.5)]", "Momentum = 1.5", "the momentum must be in [0, 1], but is 1.5")]
    [InlineData("[BatchNormalization(Epsilon = 0)]", "Epsilon = 0", "epsilon must be a positive finite float, but is 0")]
    [InlineData("[BatchNormalization(Epsilon = 1e-60)]", "Epsilon = 1e-60", "epsilon must be a positive finite float, but is 1E-60")]
    public void CNN0003_ArgumentOutOfRange(string layer, string location, string message)
    {
        Diagnostic d = Single("CNN0003", Usings + $"[Model(8, 8, 1, Loss = Loss.MeanSquaredError)] {layer} [Flatten] [Dense(2)] public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains("Layer 1 '", d.GetMessage());
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void CNN0003_DuplicateNames()
    {
        Diagnostic d = Single("CNN0003", Usings + "[Model(4, Loss = Loss.MeanSquaredError)] [Dense(3, Name = \"a\")] [Dense(2, Name = \"a\")] public partial class Net;");
        Assert.Equal("Name = \"a\"", GeneratorHarness.TextAt(d));
        Assert.Contains("Layer 2 'a' (Dense): another layer is already named 'a'", d.GetMessage());
    }

    [Fact]
    public void CNN0004_DenseOnAnImage_SaysInsertFlatten()
    {
        Diagnostic d = Single("CNN0004", Usings + """
            [Model(28, 28, 1)]
            [Conv2D(32, 3, Activation = Activation.ReLU)]
            [Dense(64, Activation = Activation.ReLU)]
            [Dense(10, Activation = Activation.Softmax)]
            public partial class Net;
            """);
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Dense(64, Activation = Activation.ReLU)", GeneratorHarness.TextAt(d));
        Assert.Equal("Layer 2 'dense' (Dense) expects a vector, but 'conv2d' produces 26x26x32: insert [Flatten] before it", d.GetMessage());
        Assert.Equal(3, d.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Theory]
    [InlineData("[Model(4)] [Flatten] [Dense(2, Activation = Activation.Softmax)]", "Flatten", "expects an image or a sequence to flatten, but the input is 4")]
    [InlineData("[Model(8, 8, 1)] [Flatten] [Conv2D(4, 3)] [Dense(2, Activation = Activation.Softmax)]", "Conv2D(4, 3)", "expects an image (height x width x channels), but 'flatten' produces 64")]
    [InlineData("[Model(4, 4, 1)] [Conv2D(4, 5)] [Flatten] [Dense(2, Activation = Activation.Softmax)]", "Conv2D(4, 5)", "has a 5x5 kernel, larger than its 4x4 input")]
    [InlineData("[Model(4, 4, 1)] [Softmax]", "Softmax", "Layer 1 'softmax' (Softmax) expects a vector, but the input is 4x4x1")]
    public void CNN0004_ShapeMismatches(string attributes, string location, string message)
    {
        Diagnostic d = Single("CNN0004", Usings + attributes + " public partial class Net;");
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }

    private const string Seed = """
        [Model(28, 28, 1, Loss = Loss.SparseCategoricalCrossEntropy)]
        [Conv2D(32, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [ExpectShape(3, 3, 64)]
        [Flatten]
        [Dense(64, Activation = Activation.ReLU)]
        [Dense(10, Activation = Activation.Softmax)]
        [ExpectParameters(93_322)]
        public partial class MnistCnn;
        """;

    [Fact]
    public void CNN0005_ParameterCount_GivesTheRealCountAndTheBreakdown()
    {
        Diagnostic d = Single("CNN0005", Usings + Seed.Replace("[Conv2D(64, 3, Activation = Activation.ReLU)]\n[MaxPool2D(2)]", "[Conv2D(48, 3, Activation = Activation.ReLU)]\n[MaxPool2D(2)]"));
        Assert.Equal("93_322", GeneratorHarness.TextAt(d));
        Assert.StartsWith("The model has 79,482 parameters, not 93,322 (conv2d 320, max_pooling2d 0, conv2d_1 13,872, max_pooling2d_1 0, conv2d_2 27,712,", d.GetMessage());
    }

    [Fact]
    public void CNN0006_ExpectShape()
    {
        Diagnostic d = Single("CNN0006", Usings + Seed.Replace("ExpectShape(3, 3, 64)", "ExpectShape(3, 3, 32)"));
        Assert.Equal("ExpectShape(3, 3, 32)", GeneratorHarness.TextAt(d));
        Assert.Equal("ExpectShape(3, 3, 32) does not hold: layer 5 'conv2d_2' produces 3x3x64", d.GetMessage());
    }

    [Fact]
    public void CNN0007_StackBudget()
    {
        Diagnostic d = Single("CNN0007", Usings + Seed.Replace("Loss = Loss.SparseCategoricalCrossEntropy", "Loss = Loss.SparseCategoricalCrossEntropy, StackBudget = 65536"));
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.StartsWith("Model(", GeneratorHarness.TextAt(d));
        Assert.Contains("more than the stack budget of 64 KiB", d.GetMessage());
    }

    [Theory]
    [InlineData("Loss = Loss.MeanSquaredError", "[Dense(10, Activation = Activation.Softmax)]", "ends the model with Softmax, but the loss is MeanSquaredError")]
    [InlineData("Loss = Loss.SparseCategoricalCrossEntropy", "[Dense(10)]", "ends the model without Softmax, but SparseCategoricalCrossEntropy expects probabilities")]
    [InlineData("Loss = Loss.BinaryCrossEntropy", "[Dense(10, Activation = Activation.Softmax)]", "ends the model without Sigmoid")]
    public void CNN0008_LossAndFinalActivation(string loss, string last, string message)
    {
        Diagnostic d = Single("CNN0008", Usings + $"[Model(4, {loss})] [Dense(8)] {last} public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(last.Trim('[', ']'), GeneratorHarness.TextAt(d));
        Assert.Contains("Layer 2 'dense_1' (Dense) " + message, d.GetMessage());
    }

    [Fact]
    public void CNN0010_LayersOnAnotherPartialDeclaration()
    {
        Diagnostic d = Single("CNN0010", Usings + "[Model(4)] [Dense(2, Activation = Activation.Softmax)] public partial class Net; [Dense(3)] public partial class Net;");
        Assert.Equal("Dense(3)", GeneratorHarness.TextAt(d));
        Assert.Contains("[Dense] is on another partial declaration of 'Net' than [Model]", d.GetMessage());
    }

    [Fact]
    public void CNN0011_NoLayers()
    {
        Diagnostic d = Single("CNN0011", Usings + "[Model(4)] public partial class Net;");
        Assert.Equal("Model(4)", GeneratorHarness.TextAt(d));
    }

    [Fact]
    public void SeveralProblems_AreAllReported()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            [Model(8, 8, 1)]
            [Conv2D(0, 3)]
            [Dropout(2.0)]
            [Dense(0)]
            [ExpectParameters(5)]
            public partial class Net;
            """);
        Assert.Equal(3, result.GeneratorDiagnostics.Count(d => d.Id == "CNN0003"));
        // No network code: only the stand-ins of an invalid model.
        Assert.Empty(result.KernelSources);
        Assert.Contains("stand-ins that throw", Assert.Single(result.Sources));
    }

    [Fact]
    public void BatchNormalizationModel_HasNoDiagnostics_AndCountsItsNonTrainableParameters()
    {
        // conv2d 4·9 + 4 = 40; batch_normalization 4 x 4 (gamma, beta trainable); dense 144·2 + 2 = 290.
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + "[Model(8, 8, 1)] [Conv2D(4, 3)] [BatchNormalization] [ReLU] [Flatten] [Dense(2, Activation = Activation.Softmax)] [ExpectParameters(346)] public partial class Net;");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        string source = result.Sources[0];
        Assert.Contains("public const int ParameterCount = 346;", source);
        Assert.Contains("public const int TrainableParameterCount = 338;", source);
        Assert.Contains("Trainable params: 338\nNon-trainable params: 8\n", source.Replace("\r", ""));
    }

    [Fact]
    public void ValidSeedModel_HasNoDiagnostics_AndCompilesClean()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + Seed);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Contains("public const int ParameterCount = 93322;", Assert.Single(result.Sources));
    }

    [Theory]
    [InlineData(55_744, "[Model(28, 28, 1)] [Conv2D(32, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation = Activation.ReLU)] [ExpectParameters(55_744)]")]
    [InlineData(93_322, "[Model(28, 28, 1)] [Conv2D(32, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation = Activation.ReLU)] [Flatten] [Dense(64, Activation = Activation.ReLU)] [Dense(10, Activation = Activation.Softmax)]")]
    // The course's functional-API MNIST model: 320 + 18,496 + 73,856 (Conv2D 128) + 11,530 (1,152 -> 10).
    [InlineData(104_202, "[Model(28, 28, 1)] [Conv2D(32, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(64, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(128, 3, Activation = Activation.ReLU)] [Flatten] [Dense(10, Activation = Activation.Softmax)]")]
    // CNN Explainer's Tiny VGG on 64x64x3: 280 + 910 + 910 + 910 + (13·13·10 = 1,690) x 10 + 10 = 19,920.
    [InlineData(19_920, "[Model(64, 64, 3)] [Conv2D(10, 3, Activation = Activation.ReLU)] [Conv2D(10, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(10, 3, Activation = Activation.ReLU)] [Conv2D(10, 3, Activation = Activation.ReLU)] [MaxPool2D(2)] [Flatten] [Dense(10, Activation = Activation.Softmax)]")]
    public void CourseModels_HaveTheCourseParameterCounts(int expected, string attributes)
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + attributes + " public partial class Net;");
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains($"public const int ParameterCount = {expected};", Assert.Single(result.Sources));
    }

    [Fact]
    public void InvalidModel_GivesOnlyTheCnnDiagnostics_NotOneErrorPerUse()
    {
        // A program that uses every public member of a model whose [Flatten] is missing (issue #12 part 5): the build
        // must report CNN0004 and nothing else, not CS1061/CS0117 for InitializeParameters, Summary, InputSize, ...
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            namespace App;
            [Model(28, 28, 1)]
            [Conv2D(8, 3, Activation = Activation.ReLU)]
            [Dense(10, Activation = Activation.Softmax)]
            [EmbeddedWeights("weights.safetensors")]
            public partial class Net;

            public static class Program
            {
                public static void Main()
                {
                    var model = new Net();
                    model.InitializeParameters(1);
                    System.Console.WriteLine(Net.Summary);
                    var input = new float[Net.InputSize];
                    var output = new float[Net.OutputSize];
                    model.Forward(input, output);
                    int k = model.Predict(input) + Net.ParameterCount + Net.InputShape.Length + Net.OutputShape.Length + Net.Layers.Count + Net.ParameterTensors.Count;
                    var gradients = new float[Net.ParameterCount];
                    model.AccumulateGradients(input, 1, gradients);
                    model.AccumulateGradients(input, output, gradients);
                    model.InputGradient(input, 0, input);
                    model.LayerOutput(input, 0, output);
                    model.ChannelGradient(input, 0, 0, input);
                    model.Parameters.Clear();
                    ICnnModel generic = Net.CreateWithEmbeddedWeights();
                    model.LoadEmbeddedWeights();
                    System.Console.WriteLine(k + generic.InputSize + (int)Net.TrainingLoss + Net.EmbeddedWeightsResourceName.Length);
                }
            }
            """);
        // CNN0004 for the missing Flatten, CNN0009 for the weight file this test does not supply: CNN errors only.
        Assert.Equal(["CNN0004", "CNN0009"], result.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Order());
        Assert.Empty(result.OutputDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("[Dense(3, Input = \"nowhere\")]", "Input = \"nowhere\"", "\"nowhere\" names no layer above it")]
    [InlineData("[Dense(3, Input = \"later\")] [Dense(3, Name = \"later\")]", "Input = \"later\"", "\"later\" names no layer above it")]
    [InlineData("[Dense(3, Name = \"self\", Input = \"self\")]", "Input = \"self\"", "it names itself as its input")]
    [InlineData("[Dense(3, Name = \"a\")] [Add(\"a\")]", "\"a\"", "a merge takes two or more layers, but one is named")]
    [InlineData("[Dense(3, Name = \"a\")] [Add(\"a\", \"b\")]", "\"b\"", "\"b\" names no layer above it")]
    [InlineData("[Dense(3, Name = \"a\")] [Concatenate(\"a\", \"input\", Input = \"a\")]", "Input = \"a\"", "a merge names its inputs as its arguments")]
    [InlineData("[Dense(3, Name = \"input\")]", "Name = \"input\"", "the name 'input' stands for the model's input")]
    public void CNN0012_Connections(string layers, string location, string message)
    {
        Diagnostic d = Single("CNN0012", Usings + $"[Model(3, Loss = Loss.MeanSquaredError)] {layers} [Dense(2, Input = \"input\", Name = \"last\")] public partial class Net;");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(location, GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void CNN0013_UnusedOutput_IsAWarningAtThatLayer()
    {
        GeneratorHarness.Result result = GeneratorHarness.Run(Usings + """
            [Model(4, Loss = Loss.MeanSquaredError)]
            [Dense(3, Name = "unused")]
            [Dense(2, Input = "input")]
            public partial class Net;
            """);
        Diagnostic d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("CNN0013", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal("Dense(3, Name = \"unused\")", GeneratorHarness.TextAt(d));
        Assert.Contains("'unused' (Dense): its output reaches neither the model's output", d.GetMessage());
        Assert.Empty(result.OutputDiagnostics.Where(e => e.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [InlineData("[Add(\"a\", \"b\")]", "adds element by element, so its inputs must have one shape, but they are 'a' 4x4x3, 'b' 4x4x2")]
    [InlineData("[Concatenate(\"a\", \"c\")]", "joins its inputs along the channels, so all other dimensions must be equal, but they are 'a' 4x4x3, 'c' 2x2x3")]
    public void CNN0004_MergeMismatch_NamesEveryInputShape(string merge, string message)
    {
        Diagnostic d = Single("CNN0004", Usings + $$"""
            [Model(4, 4, 1, Loss = Loss.MeanSquaredError)]
            [Conv2D(3, 1, Name = "a")]
            [Conv2D(2, 1, Input = "input", Name = "b")]
            [MaxPool2D(2, Input = "a", Name = "c")]
            {{merge}}
            [Flatten] [Dense(2)]
            public partial class Net;
            """);
        Assert.Equal(merge.Substring(1, merge.Length - 2), GeneratorHarness.TextAt(d));
        Assert.Contains(message, d.GetMessage());
    }
}
