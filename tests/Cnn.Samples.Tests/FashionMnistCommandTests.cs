using System.Diagnostics;
using Cnn.Tests;

namespace Cnn.Samples.Tests;

/// <summary>The FashionMnist sample's <c>--model resnet</c>, run as a user runs it with output redirected, on a few training steps.</summary>
public sealed class FashionMnistCommandTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "cnn-fashion-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    private static string FashionMnistDll()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln")))
                return Path.Combine(dir.FullName, "samples", "FashionMnist", "bin", Configuration, "net10.0", "FashionMnist.dll");
        throw new InvalidOperationException("Cnn.Generator.sln not found above the test assembly.");
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(FashionMnistDll());
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The FashionMnist sample did not finish in 5 minutes.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    private static string Line(string output, string start) =>
        output.Split(Environment.NewLine).SingleOrDefault(l => l.StartsWith(start, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No line starting with '{start}' in:\n{output}");

    [FashionMnistFact]
    public void Resnet_option_trains_the_ResNet_with_batch_statistics_deterministically()
    {
        // 4 batches of 64 on the first 256 images, twice: the same weights and the same figures each time.
        var runs = new List<(string Output, byte[] Weights)>();
        for (int run = 0; run < 2; run++)
        {
            string weights = Path.Combine(_directory, $"resnet-{run}.safetensors");
            (int exit, string output, string error) = Run("1", weights, "--model", "resnet", "--limit", "256");
            Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
            Assert.Contains("Fashion-MNIST: 256 training and 10000 test images", output);
            Assert.Contains("Model: \"FashionResNet\"", output);
            Assert.Contains("Non-trainable params: 480", output);
            Assert.Contains("Epoch 1/1" + Environment.NewLine + "4/4 [==============================] - ", output);
            runs.Add((output, File.ReadAllBytes(weights)));
        }
        Assert.Equal(Line(runs[0].Output, "Test accuracy after 1 epochs:"), Line(runs[1].Output, "Test accuracy after 1 epochs:"));
        Assert.Equal(runs[0].Weights, runs[1].Weights);

        // Another --seed: other initial weights and another order, so other trained weights.
        string seeded = Path.Combine(_directory, "resnet-seed7.safetensors");
        (int seededExit, string seededOutput, string seededError) = Run("1", seeded, "--model", "resnet", "--limit", "256", "--seed", "7");
        Assert.True(seededExit == 0, $"exit {seededExit}\n{seededOutput}\n{seededError}");
        Assert.NotEqual(runs[0].Weights, File.ReadAllBytes(seeded));

        // The moving statistics moved: the saved weights are not the initial ones.
        var initial = new FashionMnist.FashionResNet();
        initial.InitializeParameters(1234);
        var trained = new FashionMnist.FashionResNet();
        WeightFile.Load(trained, Path.Combine(_directory, "resnet-0.safetensors"));
        ParameterTensorInfo mean = ((ICnnModel)trained).ParameterTensors.First(t => t.Name.EndsWith(".moving_mean", StringComparison.Ordinal));
        Assert.NotEqual(initial.Parameters.Slice(mean.Offset, mean.Length).ToArray(), trained.Parameters.Slice(mean.Offset, mean.Length).ToArray());
    }

    [FashionMnistFact]
    public void Last_epoch_lr_changes_the_learning_rate_of_the_last_epoch_only()
    {
        // Two epochs of 2 batches: with the option the second epoch steps at 0.0002, so the trained weights differ from
        // the run without it, while the first epoch (at 0.001 in both) reports the same figures.
        string plain = Path.Combine(_directory, "cnn-plain.safetensors"), stepped = Path.Combine(_directory, "cnn-stepped.safetensors");
        (int exitPlain, string outputPlain, string errorPlain) = Run("2", plain, "--limit", "128");
        (int exitStepped, string outputStepped, string errorStepped) = Run("2", stepped, "--limit", "128", "--last-epoch-lr", "0.0002");
        Assert.True(exitPlain == 0, $"exit {exitPlain}\n{outputPlain}\n{errorPlain}");
        Assert.True(exitStepped == 0, $"exit {exitStepped}\n{outputStepped}\n{errorStepped}");
        Assert.Contains("learning rate 0.0002 for the last epoch", outputStepped);
        Assert.DoesNotContain("for the last epoch", outputPlain);
        // The first epoch's loss, accuracy and validation figures (after the time per step) are the same bits.
        static string FirstEpoch(string output) => output.Split(Environment.NewLine).First(l => l.StartsWith("2/2 [", StringComparison.Ordinal)).Split("/step - ")[1];
        Assert.Equal(FirstEpoch(outputPlain), FirstEpoch(outputStepped));
        Assert.NotEqual(File.ReadAllBytes(plain), File.ReadAllBytes(stepped));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.001")]
    [InlineData("fast")]
    public void A_bad_last_epoch_lr_prints_the_usage_and_exits_2(string rate)
    {
        (int exit, _, string error) = Run("--last-epoch-lr", rate);
        Assert.Equal(2, exit);
        Assert.Contains($"--last-epoch-lr must be a learning rate above 0, such as 0.0002, not '{rate}'.", error);
    }

    [Fact]
    public void An_unknown_model_prints_the_usage_and_exits_2()
    {
        (int exit, _, string error) = Run("--model", "vgg");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown model 'vgg'", error);
        Assert.Contains("Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR] [--model cnn|resnet] [--limit N] [--seed N] [--last-epoch-lr RATE]", error);
    }
}
