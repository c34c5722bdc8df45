using Cnn.Generator.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Cnn.Generator.CodeFixTests;

/// <summary>The CNN0004 fix: <c>[Flatten]</c> before a Dense or Softmax that receives an image.</summary>
public sealed class InsertFlattenCodeFixTests
{
    private static readonly InsertFlattenCodeFixProvider s_provider = new();

    [Fact]
    public async Task Inserts_flatten_on_its_own_line_with_the_indentation_of_the_dense_layer()
    {
        const string source = """
            using Cnn;

            namespace App
            {
                /// <summary>A small CNN.</summary>
                [Model(8, 8, 1)]
                [Conv2D(4, 3, Activation = Activation.ReLU)]   // 6x6x4
                [MaxPool2D(2)]
                [Dense(10, Activation = Activation.Softmax)]
                public partial class Net;
            }
            """;
        string fixedSource = await CodeFixHarness.Fix(s_provider, source, "CNN0004", InsertFlattenCodeFixProvider.Title);
        Assert.Equal("""
            using Cnn;

            namespace App
            {
                /// <summary>A small CNN.</summary>
                [Model(8, 8, 1)]
                [Conv2D(4, 3, Activation = Activation.ReLU)]   // 6x6x4
                [MaxPool2D(2)]
                [Flatten]
                [Dense(10, Activation = Activation.Softmax)]
                public partial class Net;
            }
            """, fixedSource);
    }

    [Fact]
    public async Task Fixes_a_standalone_softmax_on_an_image()
    {
        const string source = """
            using Cnn;

            [Model(4, 4, 1, Loss = Loss.CategoricalCrossEntropy)]
            [Conv2D(2, 3)]
            [Softmax]
            public partial class Net;
            """;
        Assert.Equal("""
            using Cnn;

            [Model(4, 4, 1, Loss = Loss.CategoricalCrossEntropy)]
            [Conv2D(2, 3)]
            [Flatten]
            [Softmax]
            public partial class Net;
            """, await CodeFixHarness.Fix(s_provider, source, "CNN0004"));
    }

    [Fact]
    public async Task Keeps_windows_line_breaks()
    {
        string source = "using Cnn;\r\n\r\n[Model(4, 4, 1)]\r\n[Conv2D(2, 3)]\r\n[Dense(3, Activation = Activation.Softmax)]\r\npublic partial class Net;\r\n";
        Assert.Equal(
            "using Cnn;\r\n\r\n[Model(4, 4, 1)]\r\n[Conv2D(2, 3)]\r\n[Flatten]\r\n[Dense(3, Activation = Activation.Softmax)]\r\npublic partial class Net;\r\n",
            await CodeFixHarness.Fix(s_provider, source, "CNN0004"));
    }

    [Fact]
    public async Task Inside_a_shared_attribute_list_inserts_into_the_list()
    {
        const string source = """
            using Cnn;

            [Model(4, 4, 1)]
            [Conv2D(2, 3), Dense(3, Activation = Activation.Softmax)]
            public partial class Net;
            """;
        Assert.Equal("""
            using Cnn;

            [Model(4, 4, 1)]
            [Conv2D(2, 3), Flatten, Dense(3, Activation = Activation.Softmax)]
            public partial class Net;
            """, await CodeFixHarness.Fix(s_provider, source, "CNN0004"));
    }

    [Fact]
    public async Task Several_lists_on_one_line_stay_on_one_line_and_a_qualified_name_stays_qualified()
    {
        const string source = """
            [Cnn.Model(4, 4, 1)] [Cnn.Conv2D(2, 3)] [Cnn.Dense(3, Activation = Cnn.Activation.Softmax)]
            public partial class Net;
            """;
        Assert.Equal("""
            [Cnn.Model(4, 4, 1)] [Cnn.Conv2D(2, 3)] [Cnn.Flatten] [Cnn.Dense(3, Activation = Cnn.Activation.Softmax)]
            public partial class Net;
            """, await CodeFixHarness.Fix(s_provider, source, "CNN0004"));
    }

    [Fact]
    public async Task The_first_attribute_of_the_file_keeps_its_doc_comment_above_the_new_line()
    {
        // Layers take their input from [Model] wherever it is, so a Dense written first still gets the image.
        const string source = "/// <summary>Net.</summary>\n[Cnn.Dense(3, Activation = Cnn.Activation.Softmax)]\n[Cnn.Model(2, 2, 1)]\npublic partial class Net;\n";
        Assert.Equal(
            "/// <summary>Net.</summary>\n[Cnn.Flatten]\n[Cnn.Dense(3, Activation = Cnn.Activation.Softmax)]\n[Cnn.Model(2, 2, 1)]\npublic partial class Net;\n",
            await CodeFixHarness.Fix(s_provider, source, "CNN0004"));
    }

    [Fact]
    public async Task Offers_nothing_for_a_window_larger_than_its_input()
    {
        const string source = """
            using Cnn;

            [Model(3, 3, 1)]
            [Conv2D(2, 5)]
            [Flatten]
            [Dense(2, Activation = Activation.Softmax)]
            public partial class Net;
            """;
        (Document document, Diagnostic diagnostic) = await CodeFixHarness.OpenWithDiagnostic(source, "CNN0004");
        Assert.Empty(await CodeFixHarness.Actions(s_provider, document, diagnostic));
    }

    [Fact]
    public void Is_exported_for_csharp_and_fixes_all_in_batches()
    {
        var export = Assert.Single(typeof(InsertFlattenCodeFixProvider).GetCustomAttributes(typeof(ExportCodeFixProviderAttribute), false).Cast<ExportCodeFixProviderAttribute>());
        Assert.Equal([LanguageNames.CSharp], export.Languages);
        Assert.Same(WellKnownFixAllProviders.BatchFixer, s_provider.GetFixAllProvider());
    }
}
