using System.Diagnostics;
using System.Reflection;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using Cnn.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace Cnn.Onnx.Conformance;

/// <summary>
/// One model to compile: the C# text of a <c>[Model]</c> partial class (an imported <c>Name.cs</c> or a hand-written one),
/// the namespace and name of that class (unique within one compilation), and its weights as safetensors bytes.
/// </summary>
/// <param name="Key">Names the model in results and errors.</param>
internal sealed record ModelSource(string Key, string Source, string Namespace, string ClassName, byte[] Weights)
{
    /// <summary>The class's full name.</summary>
    public string FullName => Namespace.Length == 0 ? ClassName : $"{Namespace}.{ClassName}";
}

/// <summary>
/// The models of one compilation, loaded into a collectible <see cref="AssemblyLoadContext"/> with their weights, and why
/// the others were not: a generator error (a CNN diagnostic), a compiler error in the model's file or in the code generated
/// for it, or weights that do not load. Dispose unloads the assembly.
/// </summary>
internal sealed class CompiledModels : IDisposable
{

    public CompiledModels(IReadOnlyDictionary<string, ICnnModel> models, IReadOnlyDictionary<string, string> failures, AssemblyLoadContext? context, int compilations, string timings)
    {
        Timings = timings;
        Models = models;
        Failures = failures;
        Context = context;
        Compilations = compilations;
    }

    /// <summary>The models that compiled and took their weights, by key.</summary>
    public IReadOnlyDictionary<string, ICnnModel> Models { get; }

    /// <summary>Why each other model failed, by key.</summary>
    public IReadOnlyDictionary<string, string> Failures { get; }

    /// <summary>Where the time went: generator runs, emits (binding and code), loading.</summary>
    public string Timings { get; }

    /// <summary>How many times the compiler ran: 1, plus one for each round that set failing models aside.</summary>
    public int Compilations { get; }

    /// <summary>The load context holding the compiled assembly (none when nothing compiled).</summary>
    internal AssemblyLoadContext? Context { get; }

    public void Dispose() => Context?.Unload();
}

/// <summary>
/// Compiles many models in one Roslyn compilation with <see cref="CnnGenerator"/>, in memory, as the build would: the
/// generator runs over all the model files, the output is emitted to a stream and loaded into a collectible load
/// context, and each class is created and given its weights through <see cref="WeightFile"/>. A model that fails (at
/// generation, compilation or weight loading) is set aside with the reason and the rest compile again without it, so
/// one bad model costs the others nothing but a second compilation.
/// </summary>
internal static partial class ModelCompiler
{
    private static readonly Lazy<CSharpCompilation> s_empty = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        string runtime = typeof(ICnnModel).Assembly.Location;
        if (!paths.Contains(runtime)) paths.Add(runtime);
        return CSharpCompilation.Create("Conformance", [], paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Disable));
    });

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    private static int s_contexts;

    /// <summary>Compiles <paramref name="models"/> together and loads them; see <see cref="ModelCompiler"/>.</summary>
    public static CompiledModels CompileAndLoad(IReadOnlyList<ModelSource> models)
    {
        if (models.Select(m => m.FullName).Distinct(StringComparer.Ordinal).Count() != models.Count)
            throw new ArgumentException("Two models have the same class name and namespace.", nameof(models));
        if (models.Select(m => m.Key).Distinct(StringComparer.Ordinal).Count() != models.Count)
            throw new ArgumentException("Two models have the same key.", nameof(models));

        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        List<ModelSource> remaining = [.. models];
        var index = models.Select((m, i) => (m.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
        int compilations = 0;
        var generating = new Stopwatch();
        var emitting = new Stopwatch();
        string Timings(Stopwatch? loading = null) =>
            $"generator {generating.Elapsed.TotalSeconds:F1} s, emit {emitting.Elapsed.TotalSeconds:F1} s" + (loading is null ? "" : $", load {loading.Elapsed.TotalSeconds:F1} s");
        while (remaining.Count > 0)
        {
            compilations++;
            var trees = remaining.ToDictionary(m => CSharpSyntaxTree.ParseText(m.Source, s_parseOptions, path: $"M{index[m.Key]}.cs"), m => m);
            generating.Start();
            GeneratorDriver driver = CSharpGeneratorDriver.Create([new CnnGenerator().AsSourceGenerator()], parseOptions: s_parseOptions);
            driver = driver.RunGeneratorsAndUpdateCompilation(s_empty.Value.AddSyntaxTrees(trees.Keys), out Compilation output, out _);
            GeneratorRunResult run = driver.GetRunResult().Results.Single();
            generating.Stop();
            if (run.Exception is not null)
            {
                foreach (ModelSource m in remaining) failures[m.Key] = $"the generator threw {run.Exception.GetType().Name}: {run.Exception.Message}";
                break;
            }

            // Which model each generated file belongs to: the hint names are {Namespace}.{Class}.Cnn[.Kernels].g.cs.
            var owner = new Dictionary<SyntaxTree, ModelSource>(trees);
            foreach (SyntaxTree generated in run.GeneratedSources.Select(s => s.SyntaxTree))
            {
                string file = Path.GetFileName(generated.FilePath);
                if (remaining.FirstOrDefault(m => file.StartsWith(m.FullName + ".Cnn.", StringComparison.Ordinal)) is { } m) owner[generated] = m;
            }

            // 1. Generator errors (CNN diagnostics): the generator emitted nothing for that model.
            var failed = new Dictionary<ModelSource, string>();
            foreach (Diagnostic d in run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                Blame(d, owner, failed, remaining, "generator error");
            if (failed.Count == 0)
            {
                // 2. Compiler errors, in a model's file or in the code generated for it. The '#nullable enable' of the
                // generated files is dropped: nullable analysis finds warnings only, and costs much of the binding time.
                Compilation compilation = output;
                foreach (SyntaxTree generated in run.GeneratedSources.Select(s => s.SyntaxTree))
                {
                    SyntaxTree plain = generated.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(
                        generated.ToString().Replace("#nullable enable", "", StringComparison.Ordinal)));
                    compilation = compilation.ReplaceSyntaxTree(generated, plain);
                    if (owner.Remove(generated, out ModelSource? m)) owner[plain] = m;
                }
                var image = new MemoryStream();
                emitting.Start();
                EmitResult emitted = compilation.Emit(image);
                emitting.Stop();
                if (emitted.Success)
                {
                    var loading = Stopwatch.StartNew();
                    CompiledModels loaded = Load(image, remaining, failures, compilations);
                    return new CompiledModels(loaded.Models, loaded.Failures, loaded.Context, compilations, Timings(loading));
                }
                foreach (Diagnostic d in emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                    Blame(d, owner, failed, remaining, "compiler error");
            }
            foreach ((ModelSource m, string why) in failed)
            {
                failures[m.Key] = why;
                remaining.Remove(m);
            }
        }
        return new CompiledModels(new Dictionary<string, ICnnModel>(), failures, null, compilations, Timings());
    }

    /// <summary>
    /// Records <paramref name="diagnostic"/> against the model whose file it is in (the first error per model). An error in
    /// no model's file fails them all: nothing can be emitted past it.
    /// </summary>
    private static void Blame(Diagnostic diagnostic, Dictionary<SyntaxTree, ModelSource> owner, Dictionary<ModelSource, string> failed, List<ModelSource> remaining, string what)
    {
        SyntaxTree? tree = diagnostic.Location.SourceTree;
        if (tree is not null && owner.TryGetValue(tree, out ModelSource? model))
        {
            if (!failed.ContainsKey(model))
            {
                string at = tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)
                    ? $" (in the generated {Path.GetFileName(tree.FilePath)}: {tree.GetText().Lines[diagnostic.Location.GetLineSpan().StartLinePosition.Line].ToString().Trim()})"
                    : "";
                failed[model] = $"{what} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}{at}";
            }
            return;
        }
        foreach (ModelSource m in remaining)
            failed.TryAdd(m, $"{what} outside any model's files: {diagnostic}");
    }

    private static CompiledModels Load(MemoryStream image, List<ModelSource> compiled, Dictionary<string, string> failures, int compilations)
    {
        var context = new AssemblyLoadContext($"Cnn.Onnx.Conformance.{Interlocked.Increment(ref s_contexts)}", isCollectible: true);
        image.Position = 0;
        // Cnn.Runtime and the framework resolve from the default context, so ICnnModel is the test's own type.
        Assembly assembly = context.LoadFromStream(image);
        var models = new Dictionary<string, ICnnModel>(StringComparer.Ordinal);
        foreach (ModelSource m in compiled)
        {
            try
            {
                Type type = assembly.GetType(m.FullName) ?? throw new InvalidOperationException($"the assembly has no type {m.FullName}");
                if (Activator.CreateInstance(type) is not ICnnModel model)
                {
                    failures[m.Key] = $"{m.FullName} does not implement ICnnModel: the generator did not make it a model";
                    continue;
                }
                WeightFile.Load(model, new MemoryStream(m.Weights), $"{m.Key}.safetensors");
                models[m.Key] = model;
            }
            catch (CnnDataException e)
            {
                failures[m.Key] = $"the weights do not load: {e.Message}";
            }
            catch (Exception e) when (e is InvalidOperationException or MissingMethodException or TargetInvocationException)
            {
                failures[m.Key] = $"the model cannot be created: {e.Message}";
            }
        }
        return new CompiledModels(models, failures, context, compilations, "");
    }

    /// <summary>A C# identifier made of <paramref name="text"/>'s letters and digits, Pascal-cased at each other character.</summary>
    public static string Identifier(string text)
    {
        string pascal = string.Concat(NonWord().Split(text).Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        return pascal.Length == 0 || char.IsDigit(pascal[0]) ? "M" + pascal : pascal;
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex NonWord();
}
