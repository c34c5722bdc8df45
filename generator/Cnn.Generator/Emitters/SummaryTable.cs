using System;
using System.Linq;
using System.Text;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;

namespace Cnn.Generator.Emitters;

/// <summary>The Keras <c>model.summary()</c> table (Keras 2's layout: Layer (type), Output Shape, Param #, totals).</summary>
internal static class SummaryTable
{
    /// <summary>
    /// Builds the table for <paramref name="spec"/>, lines separated by '\n'. A graph (<c>Input =</c> or merges) gets
    /// Keras's functional layout: an <c>InputLayer</c> row and a "Connected to" column.
    /// </summary>
    public static string Build(NetworkSpec spec)
    {
        bool graph = NetworkValidator.IsGraph(spec.Layers);
        var rows = spec.Layers.Select(l => (Layer: $"{l.Name} ({l.KerasType})", Shape: l.Output.ToKerasString(), Params: Format.Thousands(l.ParameterCount),
            Connected: "[" + string.Join(", ", l.Sources.Select(s => $"'{(s < 0 ? NetworkValidator.InputName : spec.Layers[s].Name)}[0][0]'")) + "]")).ToList();
        if (graph)
            rows.Insert(0, ($"{NetworkValidator.InputName} (InputLayer)", $"[{spec.Input.ToKerasString()}]", "0", "[]"));
        int first = Math.Max(29, rows.Max(r => r.Layer.Length) + 4);
        int second = Math.Max(graph ? 21 : 26, rows.Max(r => r.Shape.Length) + 4);
        int third = Math.Max(graph ? 12 : 10, rows.Max(r => r.Params.Length) + (graph ? 4 : 1));
        int width = 1 + first + second + third + (graph ? Math.Max(12, rows.Max(r => r.Connected.Length)) : 0);

        var text = new StringBuilder();
        void Row(string a, string b, string c, string d) => text.Append((" " + a.PadRight(first) + b.PadRight(second) + (graph ? c.PadRight(third) + d : c)).TrimEnd()).Append('\n');
        text.Append("Model: \"").Append(spec.Hierarchy.ClassName).Append("\"\n");
        text.Append('_', width).Append('\n');
        Row("Layer (type)", "Output Shape", "Param #", "Connected to");
        text.Append('=', width).Append('\n');
        for (int i = 0; i < rows.Count; i++)
        {
            // Keras separates a functional model's rows with an empty line.
            if (graph && i > 0) text.Append('\n');
            Row(rows[i].Layer, rows[i].Shape, rows[i].Params, rows[i].Connected);
        }
        text.Append('=', width).Append('\n');
        text.Append("Total params: ").Append(Format.Thousands(spec.ParameterCount)).Append('\n');
        text.Append("Trainable params: ").Append(Format.Thousands(spec.TrainableParameterCount)).Append('\n');
        text.Append("Non-trainable params: ").Append(Format.Thousands(spec.ParameterCount - spec.TrainableParameterCount)).Append('\n');
        text.Append('_', width);
        return text.ToString();
    }
}
