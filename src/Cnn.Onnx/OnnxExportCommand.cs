using System.Reflection;
using System.Runtime.Loader;

namespace Cnn.Onnx;

/// <summary>
/// What <c>dotnet cnn export</c> does: loads a built assembly, creates its model class, gives it its weights (a
/// safetensors file, or the ones compiled in with <c>[EmbeddedWeights]</c>) and writes it as ONNX (<see cref="Onnx.Export(ICnnModel, string)"/>).
/// </summary>
public static class OnnxExportCommand
{
    /// <summary>The exit code of a successful export.</summary>
    public const int Success = 0;

    /// <summary>The exit code when anything fails: a missing file, no such class, weights that do not fit, an unwritable output.</summary>
    public const int Failure = 1;

    /// <summary>
    /// Exports the model class <paramref name="className"/> of the assembly <paramref name="assemblyPath"/> to
    /// <paramref name="outPath"/>. Prints one line to <paramref name="output"/> on success, or one line starting with
    /// <c>error:</c> to <paramref name="error"/>, and returns <see cref="Success"/> or <see cref="Failure"/>; never throws for bad input.
    /// </summary>
    /// <param name="assemblyPath">The built assembly (<c>bin/Release/net10.0/MyApp.dll</c>).</param>
    /// <param name="className">The model class: its full name (<c>MyApp.MnistCnn</c>) or, when unique, its simple name.</param>
    /// <param name="weightsPath">A safetensors weight file (SPEC §5), or null for the weights compiled into the class.</param>
    /// <param name="outPath">The ONNX file to write (replaced atomically).</param>
    /// <param name="output">Where the success line goes (null: nowhere).</param>
    /// <param name="error">Where the error line goes (null: nowhere).</param>
    public static int Run(string assemblyPath, string className, string? weightsPath, string outPath, TextWriter? output = null, TextWriter? error = null)
    {
        try
        {
            ICnnModel model = LoadModel(assemblyPath, className, weightsPath);
            Onnx.Export(model, outPath);
            output?.WriteLine($"Wrote {outPath}: {model.GetType().FullName}, {model.Layers.Count} layers, {model.ParameterCount:N0} parameters, ONNX opset {Onnx.Opset}.");
            return Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException or ArgumentException
                                      or NotSupportedException or InvalidOperationException or CnnDataException)
        {
            error?.WriteLine("error: " + e.Message);
            return Failure;
        }
    }

    /// <summary>
    /// The model class <paramref name="className"/> of <paramref name="assemblyPath"/>, created and given its weights. The
    /// assembly is loaded in a context of its own that shares this process's <c>Cnn.Runtime</c>, so that its models
    /// are <see cref="ICnnModel"/>s here; its other dependencies come from its folder.
    /// </summary>
    /// <exception cref="FileNotFoundException">The assembly or the weight file does not exist.</exception>
    /// <exception cref="InvalidOperationException">No such model class, an ambiguous name, or no weights to give it.</exception>
    /// <exception cref="CnnDataException">The weight file is malformed or does not fit the model.</exception>
    public static ICnnModel LoadModel(string assemblyPath, string className, string? weightsPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        ArgumentException.ThrowIfNullOrEmpty(className);
        string full = Path.GetFullPath(assemblyPath);
        if (!File.Exists(full)) throw new FileNotFoundException($"The assembly '{assemblyPath}' does not exist: build the project first (dotnet build).", full);
        Assembly assembly = new ModelLoadContext(full).LoadFromAssemblyPath(full);
        Type type = FindModelType(assembly, className, assemblyPath);
        var model = (ICnnModel)Activator.CreateInstance(type)!;
        if (weightsPath is not null)
        {
            if (!File.Exists(weightsPath)) throw new FileNotFoundException($"The weight file '{weightsPath}' does not exist.", weightsPath);
            WeightFile.Load(model, weightsPath);
        }
        else if (type.GetMethod("LoadEmbeddedWeights", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is { } load)
        {
            try
            {
                load.Invoke(model, null);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new InvalidOperationException($"{type.FullName}: its embedded weights cannot be read: {e.InnerException.Message}", e.InnerException);
            }
        }
        else
        {
            throw new InvalidOperationException($"{type.FullName} has no weights compiled in ([EmbeddedWeights]): give a safetensors weight file (WeightFile.Save writes one).");
        }
        return model;
    }

    private static Type FindModelType(Assembly assembly, string className, string assemblyPath)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
        }
        Type[] models = types.Where(t => t.IsClass && !t.IsAbstract && typeof(ICnnModel).IsAssignableFrom(t)).ToArray();
        Type[] matches = models.Where(t => t.FullName == className).ToArray();
        if (matches.Length == 0) matches = models.Where(t => t.Name == className).ToArray();
        if (matches.Length == 1)
        {
            return matches[0].GetConstructor(Type.EmptyTypes) is not null ? matches[0]
                : throw new InvalidOperationException($"{matches[0].FullName} has no public parameterless constructor.");
        }
        if (matches.Length > 1)
            throw new InvalidOperationException($"'{className}' names {matches.Length} model classes in {assemblyPath}: {string.Join(", ", matches.Select(t => t.FullName).Order(StringComparer.Ordinal))}; give the full name.");
        string known = models.Length == 0 ? "it has none (is Cnn.Generator referenced as an analyzer?)"
            : "it has " + string.Join(", ", models.Select(t => t.FullName).Order(StringComparer.Ordinal).Take(20)) + (models.Length > 20 ? ", ..." : "");
        throw new InvalidOperationException($"No model class '{className}' in {assemblyPath}: {known}.");
    }

    /// <summary>
    /// Loads a user's assembly beside this process's own: <c>Cnn.Runtime</c> (and anything else this process has loaded)
    /// is shared, the rest comes from the assembly's folder.
    /// </summary>
    private sealed class ModelLoadContext(string assemblyPath) : AssemblyLoadContext("Cnn.Onnx export of " + Path.GetFileName(assemblyPath))
    {
        private readonly AssemblyDependencyResolver? _resolver = Resolver(assemblyPath);

        // The resolver reads the assembly's .deps.json; without the host's support for it, the folder alone serves.
        private static AssemblyDependencyResolver? Resolver(string path)
        {
            try
            {
                return new AssemblyDependencyResolver(path);
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
            {
                return null;
            }
        }

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name == typeof(ICnnModel).Assembly.GetName().Name) return typeof(ICnnModel).Assembly;
            foreach (Assembly loaded in Default.Assemblies)
                if (loaded.GetName().Name == name.Name) return loaded;
            string? path = _resolver?.ResolveAssemblyToPath(name);
            if (path is null)
            {
                string beside = Path.Combine(Path.GetDirectoryName(assemblyPath)!, name.Name + ".dll");
                if (File.Exists(beside)) path = beside;
            }
            return path is null ? null : LoadFromAssemblyPath(path);
        }
    }
}
