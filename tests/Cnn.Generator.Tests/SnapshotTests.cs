using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Cnn.Generator.Tests;

/// <summary>
/// The generated code compared with committed <c>Snapshots/*.verified.cs</c> files, in Verify's style: on a
/// difference a <c>*.received.cs</c> is written beside it and the test fails; <c>CNN_ACCEPT_SNAPSHOTS=1</c>
/// accepts the received output. They exist to catch readability regressions in what users read.
/// </summary>
public class SnapshotTests
{
    private static void Verify(string source, [CallerMemberName] string name = "", [CallerFilePath] string file = "")
    {
        GeneratorHarness.Result result = GeneratorHarness.Run("using Cnn;\n" + source);
        Assert.Empty(result.GeneratorDiagnostics);
        // The readable file and the kernels each have a snapshot: Name.verified.cs and Name.Kernels.verified.cs.
        VerifyFile(Assert.Single(result.Sources), name, file);
        VerifyFile(Assert.Single(result.KernelSources), name + ".Kernels", file);
    }

    private static void VerifyFile(string generated, string name, string file)
    {
        string actual = Regex.Replace(generated, "GeneratedCode\\(\"Cnn.Generator\", \"[^\"]*\"\\)", "GeneratedCode(\"Cnn.Generator\", \"{version}\")");
        string folder = Path.Combine(Path.GetDirectoryName(file)!, "Snapshots");
        string verified = Path.Combine(folder, $"{name}.verified.cs"), received = Path.Combine(folder, $"{name}.received.cs");
        if (Environment.GetEnvironmentVariable("CNN_ACCEPT_SNAPSHOTS") == "1")
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        string expected = File.Exists(verified) ? File.ReadAllText(verified) : "";
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        Assert.Fail($"The generated code differs from {verified}; see {received} (diff them, then set CNN_ACCEPT_SNAPSHOTS=1 to accept).");
    }

    [Fact]
    public void SeedModel() => Verify("""
        namespace Samples;
        [Model(28, 28, 1)]
        [Conv2D(32, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [MaxPool2D(2)]
        [Conv2D(64, 3, Activation = Activation.ReLU)]
        [Flatten]
        [Dense(64, Activation = Activation.ReLU)]
        [Dense(10, Activation = Activation.Softmax)]
        public partial class MnistCnn;
        """);

    [Fact]
    public void EveryLayerKind() => Verify("""
        namespace Samples;
        public partial class Outer
        {
            [Model(9, 8, 2, Loss = Loss.CategoricalCrossEntropy)]
            [Conv2D(4, 3, 2, Stride = 2, Padding = Padding.Same, Activation = Activation.Tanh, Name = "first")]
            [AvgPool2D(2, Padding = Padding.Same)]
            [Conv2D(3, 1, UseBias = false)]
            [ReLU]
            [MaxPool2D(2)]
            [Flatten]
            [Dropout(0.25)]
            [Dense(6, Activation = Activation.Sigmoid)]
            [Tanh]
            [Dense(3)]
            [Softmax]
            public partial class Everything;
        }
        """);

    [Fact]
    public void GlobalNamespaceVectorModel() => Verify("""
        [Model(4, Loss = Loss.BinaryCrossEntropy)]
        [Dense(8, Activation = Activation.ReLU, UseBias = false)]
        [Dense(1, Activation = Activation.Sigmoid)]
        public partial class Binary;
        """);

    [Fact]
    public void GraphModel() => Verify("""
        namespace Samples;
        [Model(8, 8, 2)]
        [Conv2D(4, 3, Padding = Padding.Same, Activation = Activation.ReLU)]
        [Conv2D(4, 3, Padding = Padding.Same, Name = "main")]
        [Add("main", "conv2d")]
        [ReLU(Name = "block_out")]
        [Conv2D(2, 1, Input = "input", Name = "side")]
        [Concatenate("block_out", "side")]
        [MaxPool2D(2)]
        [Flatten]
        [Dense(3, Activation = Activation.Softmax)]
        public partial class Residual;
        """);

    [Fact]
    public void Convolutions() => Verify("""
        namespace Samples;
        [Model(12, 12, 3)]
        [Conv2D(8, 3, DilationRate = 2, Padding = Padding.Same, Activation = Activation.ReLU)]
        [DepthwiseConv2D(3, DepthMultiplier = 2, Stride = 2, Padding = Padding.Same, Activation = Activation.ReLU)]
        [SeparableConv2D(16, 3, Activation = Activation.ReLU)]
        [Flatten]
        [Dense(4, Activation = Activation.Softmax)]
        public partial class SmallMobileNet;
        """);

    [Fact]
    public void Conv1D() => Verify("""
        namespace Samples;
        [Model(16, 4, Loss = Loss.MeanSquaredError)]
        [Conv1D(8, 3, Padding = Padding.Causal, DilationRate = 2, Activation = Activation.ReLU)]
        [Conv1D(8, 3, Stride = 2, Padding = Padding.Causal)]
        [Flatten]
        [Dense(2)]
        public partial class CausalNet;
        """);

    [Fact]
    public void PaddingReLUsAndGlobalPooling() => Verify("""
        [Model(6, 5, 3, Loss = Loss.MeanSquaredError)]
        [ZeroPadding2D]
        [Conv2D(10, 3, Activation = Activation.ReLU6)]
        [ReLU(MaxValue = 2, NegativeSlope = 0.25)]
        [ZeroPadding2D(1, 0, 2, 1)]
        [LeakyReLU]
        [GlobalMaxPooling2D]
        [Dense(4, Activation = Activation.ReLU6)]
        public partial class Padded;
        """);

    // A MobileNet block: Forward applies each BatchNormalization and ReLU in the convolution's kernel on the way out,
    // the other passes run them as layers of their own.
    [Fact]
    public void BatchNormalization() => Verify("""
        namespace Samples;
        [Model(8, 8, 3)]
        [Conv2D(8, 3, Stride = 2, Padding = Padding.Same, UseBias = false)]
        [BatchNormalization]
        [ReLU(MaxValue = 6)]
        [DepthwiseConv2D(3, Padding = Padding.Same)]
        [BatchNormalization(Scale = false)]
        [ReLU]
        [GlobalAveragePooling2D]
        [BatchNormalization(Name = "features")]
        [Dense(3, Activation = Activation.Softmax)]
        public partial class MobileBlock;
        """);

    [Fact]
    public void SequencePooling() => Verify("""
        [Model(11, 6, Loss = Loss.MeanSquaredError)]
        [MaxPool1D(3, Stride = 2, Padding = Padding.Same)]
        [AvgPool1D(2)]
        [GlobalAveragePooling1D]
        [Dense(3)]
        public partial class Sequence;
        """);
}
