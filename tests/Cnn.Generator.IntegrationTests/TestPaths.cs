namespace Cnn.Generator.IntegrationTests;

/// <summary>Finds the shared conformance data: the repository is cloned with <c>shared/</c> beside it.</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> s_shared = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "golden");
            if (Directory.Exists(candidate)) return Path.Combine(dir.FullName, "shared");
        }
        throw new DirectoryNotFoundException($"No 'shared/golden' folder above {AppContext.BaseDirectory}: clone the repository beside shared/.");
    });

    /// <summary>The path of <c>shared/golden/<paramref name="name"/></c>.</summary>
    public static string Golden(string name) => Path.Combine(s_shared.Value, "golden", name);

    /// <summary>The repository root (the folder with Cnn.Generator.sln).</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("Cnn.Generator.sln not found above the test binaries.");
        }
    }
}
