using Cnn.Generator.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Cnn.Generator.CodeFixTests;

/// <summary>The CNN0005 fix: <c>[ExpectParameters]</c> set to the real count.</summary>
public sealed class ExpectParametersCodeFixTests
{
    private static readonly ExpectParametersCodeFixProvider s_provider = new();

    [Fact]
    public async Task Sets_the_count_of_the_spec_model_with_digit_separators()
    {
        const string source = """
            using Cnn;

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
            [ExpectParameters(93_000)]   // build-time assertion on the total
            public partial class MnistCnn;
            """;
        string fixedSource = await CodeFixHarness.Fix(s_provider, source, "CNN0005", "Set ExpectParameters to 93_322");
        Assert.Equal(source.Replace("[ExpectParameters(93_000)]", "[ExpectParameters(93_322)]"), fixedSource);
    }

    [Fact]
    public async Task Replaces_a_named_argument_and_keeps_its_name()
    {
        const string source = """
            using Cnn;

            [Model(4)]
            [ExpectParameters(count: 7)]
            [Dense(3, Activation = Activation.Softmax)]
            public partial class Net;
            """;
        Assert.Equal(source.Replace("count: 7", "count: 15"), await CodeFixHarness.Fix(s_provider, source, "CNN0005", "Set ExpectParameters to 15"));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(320, "320")]
    [InlineData(1_234, "1_234")]
    [InlineData(93_322, "93_322")]
    [InlineData(100_000, "100_000")]
    [InlineData(1_234_567, "1_234_567")]
    [InlineData(int.MaxValue, "2_147_483_647")]
    public void Separates_thousands(int count, string expected) =>
        Assert.Equal(expected, ExpectParametersCodeFixProvider.Separated(count));

    [Fact]
    public void Is_exported_for_csharp()
    {
        var export = Assert.Single(typeof(ExpectParametersCodeFixProvider).GetCustomAttributes(typeof(ExportCodeFixProviderAttribute), false).Cast<ExportCodeFixProviderAttribute>());
        Assert.Equal([LanguageNames.CSharp], export.Languages);
    }
}
