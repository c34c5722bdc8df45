using Xunit;

namespace Cnn.Tests;

/// <summary>
/// Debian's Fashion-MNIST (package <c>dataset-fashion-mnist</c>) for the tests that need it, and what they do
/// without it: under CI (<c>CI=true</c>) they run and fail with the install hint; elsewhere they are skipped,
/// never passed. Linked into every test project that uses it.
/// </summary>
public static class FashionMnistData
{
    /// <summary>The package's four files.</summary>
    private static readonly string[] s_files =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    /// <summary>
    /// The folder: <see cref="Datasets.FashionMnistDirectory"/>, or <c>CNN_FASHION_MNIST_DIR</c> when set (pointing it at
    /// a missing folder shows both behaviours without uninstalling anything).
    /// </summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("CNN_FASHION_MNIST_DIR") is { Length: > 0 } directory ? directory : Datasets.FashionMnistDirectory;

    /// <summary>Whether all four files are there.</summary>
    public static bool IsInstalled => s_files.All(f => File.Exists(Path.Combine(Directory, f)));

    /// <summary>Whether this is a CI run (<c>CI=true</c>, as CI services and <c>.ci/run</c>'s caller set it).</summary>
    public static bool UnderCI =>
        Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The 10,000 test images. Without the package this throws, and the message says how to install it.</summary>
    public static Dataset Test() => Datasets.FashionMnist(train: false, Directory);
}

/// <summary>
/// A <see cref="FactAttribute"/> for a test that reads Fashion-MNIST (through <see cref="FashionMnistData.Test"/>):
/// skipped, with the install command as the reason, when the data set is missing and this is not a CI run.
/// Under CI it is never skipped, so a missing data set fails the run.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FashionMnistFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data set is missing outside CI.</summary>
    public FashionMnistFactAttribute()
    {
        if (!FashionMnistData.IsInstalled && !FashionMnistData.UnderCI)
            Skip = $"Fashion-MNIST is not installed in {FashionMnistData.Directory}: apt-get install dataset-fashion-mnist "
                + "(with CI=true this test runs and fails instead)";
    }
}
