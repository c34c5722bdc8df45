using System;
using System.Collections.Generic;
using System.Linq;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Validation;

/// <summary>
/// CNN0009 as plain code over plain data: finds the weight file that <c>[EmbeddedWeights]</c> names among the
/// AdditionalFiles and checks its header against the network (names, dtype, shapes, data offsets).
/// </summary>
internal static class EmbeddedWeightsValidator
{
    /// <summary>The tensors a network's weight file must hold, in <see cref="NetworkSpec"/> order (SPEC §2, §5).</summary>
    public static List<(string Name, long[] Shape)> ExpectedTensors(NetworkSpec spec)
    {
        var tensors = new List<(string, long[])>();
        foreach (LayerSpec layer in spec.Layers)
            foreach (ParameterTensor tensor in layer.Tensors)
                tensors.Add(($"{layer.Name}.{tensor.Name}", tensor.Shape.Select(d => (long)d).ToArray()));
        return tensors;
    }

    /// <summary>
    /// The AdditionalFile that <paramref name="relativePath"/> (relative to <paramref name="projectDirectory"/>) names,
    /// or null. Without a project directory the file is matched by the end of its path, when only one fits.
    /// </summary>
    public static WeightFileHeader? Find(string relativePath, string? projectDirectory, IReadOnlyList<WeightFileHeader> files)
    {
        string wanted = Normalize(relativePath);
        if (IsRooted(wanted))
            return files.FirstOrDefault(f => Normalize(f.Path) == wanted);
        if (!string.IsNullOrEmpty(projectDirectory))
        {
            string full = Normalize(projectDirectory!.TrimEnd('/', '\\') + "/" + relativePath);
            WeightFileHeader? exact = files.FirstOrDefault(f => Normalize(f.Path) == full)
                ?? files.FirstOrDefault(f => string.Equals(Normalize(f.Path), full, StringComparison.OrdinalIgnoreCase));
            if (exact is not null) return exact;
        }
        var bySuffix = files.Where(f => ("/" + Normalize(f.Path)).EndsWith("/" + wanted, StringComparison.Ordinal)).ToList();
        return bySuffix.Count == 1 ? bySuffix[0] : null;
    }

    /// <summary>
    /// Every way the file fails the network, as complete messages (empty when it fits). <paramref name="spec"/> is
    /// null when the network itself is invalid: then only the file itself is checked.
    /// </summary>
    public static List<string> Check(string relativePath, WeightFileHeader? file, NetworkSpec? spec)
    {
        var problems = new List<string>();
        if (file is null)
        {
            problems.Add($"The weight file '{relativePath}' is missing: the build did not pass it to the generator. Check the path (relative to the project) "
                + $"and declare the file as <CnnEmbeddedWeights Include=\"{relativePath}\" /> in the project file (with Cnn.Runtime.props imported)");
            return problems;
        }
        if (file.Error is not null)
        {
            problems.Add($"The weight file '{relativePath}' is unreadable: {file.Error}");
            return problems;
        }
        if (file.ResourceName is null)
            problems.Add($"The weight file '{relativePath}' reached the generator without a resource name, so it is not embedded in the assembly: declare it as "
                + $"<CnnEmbeddedWeights Include=\"{relativePath}\" /> (with Cnn.Runtime.props imported)");
        if (spec is null)
            return problems;

        List<(string Name, long[] Shape)> expected = ExpectedTensors(spec);
        var byName = new Dictionary<string, WeightTensorEntry>(StringComparer.Ordinal);
        foreach (WeightTensorEntry tensor in file.Tensors) byName[tensor.Name] = tensor;
        var expectedNames = new HashSet<string>(expected.Select(e => e.Name), StringComparer.Ordinal);
        string model = spec.Hierarchy.ClassName;
        bool layoutKnown = true;

        foreach ((string name, long[] shape) in expected)
        {
            if (!byName.TryGetValue(name, out WeightTensorEntry? actual))
            {
                problems.Add($"The weight file '{relativePath}' has no tensor '{name}': {model} needs it with shape {Shape(shape)}");
                layoutKnown = false;
                continue;
            }
            if (actual.DType != "F32")
            {
                problems.Add($"The weight file '{relativePath}' stores tensor '{name}' as {actual.DType}: embedded weights must be F32 (float32), as WeightFile.Save writes them");
                layoutKnown = false;
            }
            if (!actual.Shape.AsSpan().SequenceEqual(shape))
            {
                problems.Add($"The weight file '{relativePath}' has tensor '{name}' with shape {Shape(actual.Shape.AsSpan().ToArray())}, but {model} needs {Shape(shape)}");
                layoutKnown = false;
            }
            else if (actual.DType == "F32" && actual.End - actual.Begin != 4 * Product(shape))
            {
                problems.Add($"The weight file '{relativePath}' gives tensor '{name}' data_offsets [{actual.Begin}, {actual.End}], "
                    + $"{actual.End - actual.Begin} bytes, but its shape {Shape(shape)} of F32 needs {4 * Product(shape)}");
                layoutKnown = false;
            }
        }
        foreach (WeightTensorEntry tensor in file.Tensors)
        {
            if (!expectedNames.Contains(tensor.Name))
            {
                problems.Add($"The weight file '{relativePath}' has tensor '{tensor.Name}' with shape {Shape(tensor.Shape.AsSpan().ToArray())}, which {model} does not have "
                    + $"(its tensors are {string.Join(", ", expected.Select(e => e.Name))})");
                layoutKnown = false;
            }
        }

        if (layoutKnown)
        {
            // The tensors' data must tile [0, ParameterCount*4) exactly: no gaps, no overlaps, nothing after.
            long needed = 4 * spec.ParameterCount;
            long position = 0;
            foreach (WeightTensorEntry tensor in file.Tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
            {
                if (tensor.Begin != position)
                {
                    problems.Add(tensor.Begin < position
                        ? $"The weight file '{relativePath}' has overlapping tensor data: tensor '{tensor.Name}' begins at byte {tensor.Begin}, before byte {position}"
                        : $"The weight file '{relativePath}' has a gap of {tensor.Begin - position} bytes before tensor '{tensor.Name}' in its data");
                    break;
                }
                position = tensor.End;
            }
            if (problems.Count == 0 && file.DataLength != needed)
                problems.Add($"The weight file '{relativePath}' has {Format.Thousands(file.DataLength)} bytes of data after its header, "
                    + $"but {model}'s {Format.Thousands(spec.ParameterCount)} parameters need exactly {Format.Thousands(needed)} (truncated or padded file?)");
        }
        return problems;
    }

    private static long Product(long[] shape) => shape.Aggregate(1L, (a, d) => a * d);

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static bool IsRooted(string path) => path.StartsWith("/", StringComparison.Ordinal) || (path.Length > 1 && path[1] == ':');

    /// <summary>Forward slashes, no <c>.</c> segments, <c>..</c> resolved, no doubled separators.</summary>
    public static string Normalize(string path)
    {
        string[] parts = path.Replace('\\', '/').Split('/');
        var kept = new List<string>();
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            if (part == "." || (part.Length == 0 && i > 0)) continue;
            if (part == ".." && kept.Count > 0 && kept[kept.Count - 1] != ".." && kept[kept.Count - 1].Length > 0) { kept.RemoveAt(kept.Count - 1); continue; }
            kept.Add(part);
        }
        return string.Join("/", kept);
    }
}
