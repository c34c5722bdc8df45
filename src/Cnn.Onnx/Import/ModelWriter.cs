using System.Globalization;
using System.Text;
using Cnn.Onnx.Proto;

namespace Cnn.Onnx.Import;

/// <summary>
/// Writes the imported layers as <c>Name.cs</c> (the §1/§7 attributes) and <c>Name.safetensors</c> (§5): drops layers
/// the output does not need, names every layer as the generator will (Keras defaults unless the ONNX name is kept), and
/// lays the tensors out in the model's parameter order.
/// </summary>
internal sealed class ModelWriter(List<LayerDraft> all, Value input, int outputLayer, string file, ModelProto model, ImportOptions options, List<string> notes)
{
    public (string Source, byte[] Weights) Write()
    {
        List<LayerDraft> layers = Reachable(out Dictionary<int, int> index, out List<int> oldOf);
        AssignNames(layers);
        string Source(int old) => old < 0 ? "input" : layers[index[old]].Name;

        var text = new StringBuilder();
        string producer = model.ProducerName.Length > 0 ? $"{model.ProducerName}{(model.ProducerVersion.Length > 0 ? " " + model.ProducerVersion : "")}, " : "";
        long opset = model.OpsetImport.Where(o => OnnxModelReader.IsDefaultDomain(o.Domain)).Select(o => o.Version).DefaultIfEmpty(1).Max();
        text.Append(CultureInfo.InvariantCulture, $"// Imported from {Comment(file)} ({Comment(producer)}opset {opset}) by `dotnet cnn import`.\n");
        text.Append("// The layers are ordinary attributes: the build checks and compiles them like hand-written ones.\n");
        foreach (string note in notes) text.Append(CultureInfo.InvariantCulture, $"// Note: {Comment(note)}\n");
        text.Append("using Cnn;\n\n");
        if (options.Namespace is { } ns) text.Append(CultureInfo.InvariantCulture, $"namespace {ns};\n\n");

        int[] dims = input.ModelDims;
        string layout = input.Layout switch { Layout.Image => "NCHW", Layout.Sequence => "NCL", _ => "NC" };
        text.Append(CultureInfo.InvariantCulture, $"/// <summary>The ONNX model {Xml(file)}: input [{string.Join(", ", input.Shape)}] ({layout}), here {string.Join("x", dims)} channels last.</summary>\n");
        string final = layers[^1].Activation ?? layers[^1].Kind switch { "Softmax" => "Softmax", "Sigmoid" => "Sigmoid", _ => "None" };
        string loss = final switch { "Softmax" => "", "Sigmoid" => ", Loss = Loss.BinaryCrossEntropy", _ => ", Loss = Loss.MeanSquaredError" };
        // A file of Cnn.Onnx's export names the model's loss (metadata cnn.loss): it comes back as it was.
        if (model.ProducerName == "Cnn.Generator" && model.MetadataProps.FirstOrDefault(p => p.Key == "cnn.loss")?.Value is { } exported
            && Enum.GetNames<Loss>().Contains(exported, StringComparer.Ordinal))
            loss = exported == nameof(Loss.SparseCategoricalCrossEntropy) ? "" : ", Loss = Loss." + exported;
        text.Append(CultureInfo.InvariantCulture, $"[Model({string.Join(", ", dims)}{loss})]\n");

        for (int i = 0; i < layers.Count; i++)
        {
            LayerDraft layer = layers[i];
            var arguments = new List<string>();
            if (layer.IsMerge) arguments.AddRange(layer.Sources.Select(s => Quote(Source(s))));
            else arguments.AddRange(layer.Arguments);
            var named = new List<(string Name, string Text)>(layer.Named);
            if (layer.Activation is { } activation) named.Add(("Activation", "Activation." + activation));
            if (!layer.IsMerge)
            {
                int previous = i == 0 ? -1 : oldOf[i - 1];
                if (layer.Sources[0] != previous) named.Add(("Input", Quote(Source(layer.Sources[0]))));
            }
            if (layer.WritesName) named.Add(("Name", Quote(layer.Name)));
            arguments.AddRange(named.Select(n => $"{n.Name} = {n.Text}"));
            text.Append(CultureInfo.InvariantCulture, $"[{layer.Kind}{(arguments.Count > 0 ? "(" + string.Join(", ", arguments) + ")" : "")}]\n");
        }
        long parameters = layers.Sum(l => l.ParameterCount);
        text.Append(CultureInfo.InvariantCulture, $"[ExpectParameters({parameters.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '_')})]\n");
        if (options.Embed) text.Append(CultureInfo.InvariantCulture, $"[EmbeddedWeights(\"{options.ClassName}.safetensors\")]\n");
        text.Append(CultureInfo.InvariantCulture, $"public partial class {options.ClassName};\n");

        var tensors = layers.SelectMany(l => l.Tensors.Select(t => (l.Name + "." + t.Suffix, t.Shape, t.Values)));
        var metadata = new Dictionary<string, string> { ["imported_from"] = file, ["format"] = "cnn-generator" };
        return (text.ToString(), SafeTensorsWriter.ToBytes(tensors, metadata));
    }

    /// <summary>The layers the output depends on, in order; <paramref name="index"/> maps old indices to new ones.</summary>
    private List<LayerDraft> Reachable(out Dictionary<int, int> index, out List<int> oldOf)
    {
        var needed = new HashSet<int>();
        var stack = new Stack<int>([outputLayer]);
        while (stack.Count > 0)
        {
            int i = stack.Pop();
            if (i < 0 || !needed.Add(i)) continue;
            foreach (int s in all[i].Sources) stack.Push(s);
        }
        index = new Dictionary<int, int>();
        oldOf = [];
        var layers = new List<LayerDraft>();
        for (int i = 0; i < all.Count; i++)
        {
            if (!needed.Contains(i)) continue;
            index[i] = layers.Count;
            oldOf.Add(i);
            layers.Add(all[i]);
        }
        int dropped = all.Count - layers.Count;
        if (dropped > 0) notes.Add($"{dropped} layer(s) that do not reach the output dropped");
        return layers;
    }

    /// <summary>
    /// Names each layer: its sanitized ONNX node name when that is a valid, unused layer name, else a Keras default. A
    /// name equal to the default the generator would give it is not written (<c>Name =</c> only where needed), and a
    /// default never takes a name another layer wants.
    /// </summary>
    private static void AssignNames(List<LayerDraft> layers)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        var keeps = new bool[layers.Count];
        for (int i = 0; i < layers.Count; i++)
            keeps[i] = layers[i].WantedName is { } w && wanted.Add(w);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        string Default(string baseName)
        {
            int n = counters.GetValueOrDefault(baseName);
            return n == 0 ? baseName : $"{baseName}_{n}";
        }
        for (int i = 0; i < layers.Count; i++)
        {
            LayerDraft layer = layers[i];
            string byDefault = Default(layer.BaseName);
            if (keeps[i])
            {
                layer.Name = layer.WantedName!;
                layer.WritesName = layer.Name != byDefault;
            }
            else if (!wanted.Contains(byDefault) && !used.Contains(byDefault))
            {
                layer.Name = byDefault;
                layer.WritesName = false;
            }
            else
            {
                int k = counters.GetValueOrDefault(layer.BaseName) + 1;
                while (wanted.Contains($"{layer.BaseName}_{k}") || used.Contains($"{layer.BaseName}_{k}")) k++;
                layer.Name = $"{layer.BaseName}_{k}";
                layer.WritesName = true;
            }
            if (!layer.WritesName) counters[layer.BaseName] = counters.GetValueOrDefault(layer.BaseName) + 1;
            used.Add(layer.Name);
        }
    }

    private static string Quote(string name) => "\"" + name + "\"";

    private static string Comment(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    private static string Xml(string text) => Comment(text).Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
