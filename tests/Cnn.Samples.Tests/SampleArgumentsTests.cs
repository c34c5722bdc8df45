namespace Cnn.Samples.Tests;

public sealed class SampleArgumentsTests
{
    [Fact]
    public void Reads_positional_arguments_and_the_plots_option_anywhere()
    {
        SampleArguments a = SampleArguments.Parse(["5", "--plots", "out/", "w.safetensors"]);
        Assert.Equal(["5", "w.safetensors"], a.Positional);
        Assert.Equal("out/", a.PlotsDirectory);
        Assert.Equal(5, a.PositiveInt(0, 20, "epochs"));
        Assert.Equal("w.safetensors", a.String(1, "x"));
        Assert.Equal("plots", SampleArguments.Parse(["--plots=plots"]).PlotsDirectory);
    }

    [Fact]
    public void Missing_arguments_take_the_defaults()
    {
        SampleArguments a = SampleArguments.Parse([]);
        Assert.Null(a.PlotsDirectory);
        Assert.Equal(20, a.PositiveInt(0, 20, "epochs"));
        Assert.Equal("d.safetensors", a.String(1, "d.safetensors"));
    }

    [Theory]
    [InlineData("--plots")]
    [InlineData("--plots", "--other")]
    [InlineData("--plots=")]
    [InlineData("--verbose")]
    public void Bad_options_are_clear_errors(params string[] args) =>
        Assert.Throws<ArgumentException>(() => SampleArguments.Parse(args));

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("ten")]
    [InlineData("99999999999")]
    public void A_bad_epoch_count_is_a_clear_error(string epochs)
    {
        var e = Assert.Throws<ArgumentException>(() => SampleArguments.Parse([epochs]).PositiveInt(0, 20, "number of epochs"));
        Assert.Contains("number of epochs", e.Message);
    }

    [Fact]
    public void Declared_options_take_a_value_in_either_form()
    {
        SampleArguments a = SampleArguments.Parse(["1", "--model", "resnet", "w.safetensors", "--limit=256"], "--model", "--limit");
        Assert.Equal(["1", "w.safetensors"], a.Positional);
        Assert.Equal("resnet", a.Option("--model", "cnn"));
        Assert.Equal(256, a.PositiveIntOption("--limit"));
        SampleArguments none = SampleArguments.Parse(["1"], "--model", "--limit");
        Assert.Equal("cnn", none.Option("--model", "cnn"));
        Assert.Null(none.PositiveIntOption("--limit"));
    }

    [Theory]
    [InlineData("--model")]
    [InlineData("--model", "--limit", "3")]
    [InlineData("--model=")]
    [InlineData("--size", "3")]
    public void Bad_declared_options_are_clear_errors(params string[] args) =>
        Assert.Throws<ArgumentException>(() => SampleArguments.Parse(args, "--model", "--limit"));

    [Theory]
    [InlineData("0")]
    [InlineData("many")]
    public void A_bad_limit_is_a_clear_error(string limit)
    {
        var e = Assert.Throws<ArgumentException>(() => SampleArguments.Parse(["--limit", limit], "--limit").PositiveIntOption("--limit"));
        Assert.Contains("--limit", e.Message);
    }
}
