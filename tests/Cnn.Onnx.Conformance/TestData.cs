namespace Cnn.Onnx.Conformance;

/// <summary>
/// Where the generated test data lives, and what the tests do without it. <c>.ci/run</c> writes both folders (git-ignored,
/// under <c>artifacts/</c>); by hand:
/// <code>
/// bash ../shared/onnx/generate-node-tests.sh artifacts/onnx-node-tests
/// /usr/bin/python3 tests/Cnn.Onnx.Conformance/export_torchvision.py artifacts/onnx-architectures
/// /usr/bin/python3 tests/Cnn.Onnx.Conformance/train_fashion_peer.py artifacts/fashion-peer
/// </code>
/// Under CI (<c>CI=true</c>) a test whose data is missing runs and fails with these commands; elsewhere it is skipped.
/// </summary>
internal static class TestData
{
    /// <summary>The repository root (the folder with Cnn.Generator.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The ONNX backend node tests: <c>CNN_ONNX_NODE_TESTS</c>, or <c>artifacts/onnx-node-tests</c> (it holds <c>node/</c>).</summary>
    public static string NodeTests =>
        Environment.GetEnvironmentVariable("CNN_ONNX_NODE_TESTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "artifacts", "onnx-node-tests");

    /// <summary>The torchvision exports: <c>CNN_ONNX_ARCHITECTURES</c>, or <c>artifacts/onnx-architectures</c>.</summary>
    public static string Architectures =>
        Environment.GetEnvironmentVariable("CNN_ONNX_ARCHITECTURES") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "artifacts", "onnx-architectures");

    /// <summary>The seed model trained in PyTorch (<c>train_fashion_peer.py</c>): <c>CNN_ONNX_FASHION_PEER</c>, or <c>artifacts/fashion-peer</c>.</summary>
    public static string FashionPeer =>
        Environment.GetEnvironmentVariable("CNN_ONNX_FASHION_PEER") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot, "artifacts", "fashion-peer");

    /// <summary>The command that writes <see cref="FashionPeer"/> (1 epoch, about 2 minutes on 2 cores).</summary>
    public const string FashionPeerCommand = "/usr/bin/python3 tests/Cnn.Onnx.Conformance/train_fashion_peer.py artifacts/fashion-peer 1";

    /// <summary>Whether the trained model and PyTorch's predictions are there.</summary>
    public static bool HasFashionPeer =>
        File.Exists(Path.Combine(FashionPeer, "fashion_peer.onnx")) && File.Exists(Path.Combine(FashionPeer, "fashion_peer.txt"));

    /// <summary>The trained model's folder, or an exception that says how to make it.</summary>
    public static string RequireFashionPeer() => HasFashionPeer ? FashionPeer
        : throw new DirectoryNotFoundException($"The PyTorch-trained seed model is not in {FashionPeer}: run `{FashionPeerCommand}` (.ci/run does)");

    /// <summary>The command that writes <see cref="NodeTests"/>.</summary>
    public const string NodeTestsCommand = "bash ../shared/onnx/generate-node-tests.sh artifacts/onnx-node-tests";

    /// <summary>The command that writes <see cref="Architectures"/>.</summary>
    public const string ArchitecturesCommand = "/usr/bin/python3 tests/Cnn.Onnx.Conformance/export_torchvision.py artifacts/onnx-architectures";

    /// <summary>Whether the node tests are there (the generator writes 922 case folders).</summary>
    public static bool HasNodeTests => Directory.Exists(Path.Combine(NodeTests, "node", "test_relu"));

    /// <summary>Whether the exports are there (the last one the script writes).</summary>
    public static bool HasArchitectures => File.Exists(Path.Combine(Architectures, "regnet_x_400mf_64", "input_0.pb"));

    /// <summary>Whether this is a CI run (<c>CI=true</c>).</summary>
    public static bool UnderCI =>
        Environment.GetEnvironmentVariable("CI") is { } ci && (ci.Equals("true", StringComparison.OrdinalIgnoreCase) || ci == "1");

    /// <summary>The node-test folder, or an exception that says how to make it (what a CI run without the data shows).</summary>
    public static string RequireNodeTests() => HasNodeTests ? Path.Combine(NodeTests, "node")
        : throw new DirectoryNotFoundException($"The ONNX node tests are not in {NodeTests}: run `{NodeTestsCommand}` (.ci/run does)");

    /// <summary>The exports' folder, or an exception that says how to make it.</summary>
    public static string RequireArchitectures() => HasArchitectures ? Architectures
        : throw new DirectoryNotFoundException($"The torchvision exports are not in {Architectures}: run `{ArchitecturesCommand}` (.ci/run does)");

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"Cnn.Generator.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A test that reads the ONNX node tests: skipped when they are missing outside CI, run (and failed) under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NodeTestsFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data is missing outside CI.</summary>
    public NodeTestsFactAttribute()
    {
        if (!TestData.HasNodeTests && !TestData.UnderCI)
            Skip = $"The ONNX node tests are not in {TestData.NodeTests}: `{TestData.NodeTestsCommand}` (with CI=true this test runs and fails instead)";
    }
}

/// <summary>A test that reads the torchvision exports: skipped when they are missing outside CI, run (and failed) under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ArchitecturesFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data is missing outside CI.</summary>
    public ArchitecturesFactAttribute()
    {
        if (!TestData.HasArchitectures && !TestData.UnderCI)
            Skip = $"The torchvision exports are not in {TestData.Architectures}: `{TestData.ArchitecturesCommand}` (with CI=true this test runs and fails instead)";
    }
}

/// <summary>
/// A test that reads the PyTorch-trained seed model and Fashion-MNIST: skipped when either is missing outside CI, run (and
/// failed, with the command that makes the missing one) under CI.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class FashionPeerFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data is missing outside CI.</summary>
    public FashionPeerFactAttribute()
    {
        if (TestData.UnderCI) return;
        if (!TestData.HasFashionPeer)
            Skip = $"The PyTorch-trained seed model is not in {TestData.FashionPeer}: `{TestData.FashionPeerCommand}` (with CI=true this test runs and fails instead)";
        else if (!Cnn.Tests.FashionMnistData.IsInstalled)
            Skip = $"Fashion-MNIST is not installed in {Cnn.Tests.FashionMnistData.Directory}: apt-get install dataset-fashion-mnist (with CI=true this test runs and fails instead)";
    }
}
