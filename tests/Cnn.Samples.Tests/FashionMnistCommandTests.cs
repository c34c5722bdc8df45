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

    [Fact]
    public void An_unknown_model_prints_the_usage_and_exits_2()
    {
        (int exit, _, string error) = Run("--model", "vgg");
        Assert.Equal(2, exit);
        Assert.Contains("Unknown model 'vgg'", error);
        Assert.Contains("Usage: FashionMnist [epochs] [weights.safetensors] [--plots DIR] [--model cnn|resnet] [--limit N] [--seed N]", error);
    }
}
