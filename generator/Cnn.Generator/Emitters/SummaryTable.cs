using System;
using System.Linq;
using System.Text;
using Cnn.Generator.Helpers;
using Cnn.Generator.Model;

namespace Cnn.Generator.Emitters;

/// <summary>The Keras <c>model.summary()</c> table (Keras 2's layout: Layer (type), Output Shape, Param #, totals).</summary>
internal static class SummaryTable
{
    /// <summary>Builds the table for <paramref name="spec"/>, lines separated by '\n'.</summary>
    public static string Build(NetworkSpec spec)
    {
        var rows = spec.Layers.Select(l => (Layer: $"{l.Name} ({l.KerasType})", Shape: l.Output.ToKerasString(), Params: Format.Thousands(l.ParameterCount))).ToList();
        int first = Math.Max(29, rows.Max(r => r.Layer.Length) + 4);
        int second = Math.Max(26, rows.Max(r => r.Shape.Length) + 4);
        int third = Math.Max(10, rows.Max(r => r.Params.Length) + 1);
        int width = 1 + first + second + third;

        var text = new StringBuilder();
        void Row(string a, string b, string c) => text.Append((" " + a.PadRight(first) + b.PadRight(second) + c).TrimEnd()).Append('\n');
        text.Append("Model: \"").Append(spec.Hierarchy.ClassName).Append("\"\n");
        text.Append('_', width).Append('\n');
        Row("Layer (type)", "Output Shape", "Param #");
        text.Append('=', width).Append('\n');
        foreach (var row in rows) Row(row.Layer, row.Shape, row.Params);
        text.Append('=', width).Append('\n');
        text.Append("Total params: ").Append(Format.Thousands(spec.ParameterCount)).Append('\n');
        text.Append("Trainable params: ").Append(Format.Thousands(spec.TrainableParameterCount)).Append('\n');
        text.Append("Non-trainable params: ").Append(Format.Thousands(spec.ParameterCount - spec.TrainableParameterCount)).Append('\n');
        text.Append('_', width);
        return text.ToString();
    }
}
