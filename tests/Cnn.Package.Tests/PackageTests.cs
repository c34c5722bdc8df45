using System.IO.Compression;
using System.Xml.Linq;

namespace Cnn.Package.Tests;

/// <summary>
/// The NuGet package as a user gets it: <c>dotnet pack</c> of the runtime project into a temporary feed, then a
/// fresh console project outside the repository that references only the package, builds a model and runs it.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(8);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "cnn-package-test-" + Guid.NewGuid().ToString("N"));
    // A version no cache can hold, on top of an empty packages folder.
    private readonly string _version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";

    public PackageTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private string Pack()
    {
        string feed = Path.Combine(_root, "feed");
        (int exit, string output) = DotNet.Run(DotNet.RepoRoot, new Dictionary<string, string>(), s_timeout,
            "pack", Path.Combine("src", "Cnn.Runtime", "Cnn.Runtime.csproj"), "-c", DotNet.Configuration, "--no-build",
            "-o", feed, $"-p:PackageVersion={_version}", "--disable-build-servers");
        Assert.True(exit == 0, "dotnet pack failed:\n" + output);
        return Path.Combine(feed, $"Cnn.Generator.{_version}.nupkg");
    }

    [Fact]
    public void The_package_holds_the_runtime_the_generator_the_code_fixes_and_the_build_props()
    {
        string package = Pack();
        using ZipArchive zip = ZipFile.OpenRead(package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/Cnn.Runtime.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Cnn.Generator.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/Cnn.Generator.CodeFixes.dll", entries);
        Assert.Contains("build/Cnn.Generator.props", entries);
        Assert.Contains("buildTransitive/Cnn.Generator.props", entries);
        // The diagnostics' help pages, where the descriptors say they are (docs/diagnostics/<id>.md in the package).
        string[] pages = Directory.GetFiles(Path.Combine(DotNet.RepoRoot, "docs", "diagnostics"), "CNN*.md").Select(Path.GetFileName).ToArray()!;
        Assert.NotEmpty(pages);
        Assert.All(pages, page => Assert.Contains($"docs/diagnostics/{page}", entries));
        // Nothing else lands among the analyzers: the Roslyn assemblies come from the compiler, never the package.
        Assert.Equal(2, entries.Count(e => e.StartsWith("analyzers/", StringComparison.Ordinal)));

        using Stream nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        XDocument nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        Assert.Equal("Cnn.Generator", nuspec.Root.Element(ns + "metadata")!.Element(ns + "id")!.Value);
        // The analyzer projects are build-order references only; the one real dependency is System.Numerics.Tensors.
        string[] dependencies = nuspec.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToArray();
        Assert.Equal(["System.Numerics.Tensors"], dependencies);

        using var props = new StreamReader(zip.GetEntry("build/Cnn.Generator.props")!.Open());
        XDocument propsXml = XDocument.Parse(props.ReadToEnd());
        Assert.Equal("Project", propsXml.Root!.Name.LocalName);
    }

    [Fact]
    public void A_fresh_project_that_references_the_package_builds_a_model_runs_it_and_gets_its_build_errors()
    {
        string package = Pack();
        string feed = Path.GetDirectoryName(package)!;
        string app = Path.Combine(_root, "app");
        string packages = Path.Combine(_root, "packages");
        Directory.CreateDirectory(app);

        // The temporary feed, plus the usual sources so System.Numerics.Tensors still restores: the machine's global
        // packages folder (a local feed, so this works offline once it has been restored) and nuget.org.
        string globalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string machineFeed = Directory.Exists(globalPackages) ? $"""    <add key="machine" value="{globalPackages}" />""" : "";
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
            {machineFeed}
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "App.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cnn.Generator" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System.Globalization;
            using Cnn;

            var model = new Tiny();
            model.InitializeParameters(seed: 7);
            var input = new float[Tiny.InputSize];
            for (int i = 0; i < input.Length; i++) input[i] = (i % 5) / 4f;
            var output = new float[Tiny.OutputSize];
            model.Forward(input, output);
            Console.WriteLine(FormattableString.Invariant($"ParameterCount={Tiny.ParameterCount}"));
            Console.WriteLine(FormattableString.Invariant($"Predict={model.Predict(input)}"));
            Console.WriteLine(FormattableString.Invariant($"Sum={output.Sum():F4}"));
            Console.WriteLine(Tiny.Summary);
            """);
        File.WriteAllText(Path.Combine(app, "Tiny.cs"), TinyModel(151));

        var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = packages };
        // Compiler warnings are errors here: an analyzer assembly the compiler cannot load (CS8032) or a generator
        // that throws (CS8785) would be warnings, and the package must not cause any.
        (int exit, string output) = DotNet.Run(app, environment, s_timeout, "build", "-c", "Release", "-p:TreatWarningsAsErrors=true", "--disable-build-servers");
        Assert.True(exit == 0, "dotnet build of the fresh project failed:\n" + output);
        // The package was restored from the temporary feed into the empty packages folder, not from a stale cache.
        Assert.True(File.Exists(Path.Combine(packages, "cnn.generator", _version, "analyzers", "dotnet", "cs", "Cnn.Generator.dll")), output);

        (exit, output) = DotNet.Run(app, environment, s_timeout, "run", "-c", "Release", "--no-build");
        Assert.True(exit == 0, "the fresh project failed to run:\n" + output);
        Assert.Contains("ParameterCount=151", output);
        Assert.Matches(@"Predict=[0-2]\b", output);
        Assert.Contains("Sum=1.0000", output);
        Assert.Contains("dense (Dense)", output);

        // The generator's diagnostics reach a package user's build: a wrong count is a build error at the attribute.
        File.WriteAllText(Path.Combine(app, "Tiny.cs"), TinyModel(150));
        (exit, output) = DotNet.Run(app, environment, s_timeout, "build", "-c", "Release", "--no-restore", "--disable-build-servers");
        Assert.NotEqual(0, exit);
        Assert.Matches(@"Tiny\.cs\(8,\d+\): error CNN0005: The model has 151 parameters, not 150", output);
    }

    private static string TinyModel(int expectParameters) => $$"""
        using Cnn;

        [Model(8, 8, 1)]
        [Conv2D(4, 3, Activation = Activation.ReLU)]      // 6x6x4, 40 parameters
        [MaxPool2D(2)]                                     // 3x3x4
        [Flatten]
        [Dense(3, Activation = Activation.Softmax)]        // 111 parameters
        [ExpectParameters({{expectParameters}})]
        public partial class Tiny;
        """;
}
