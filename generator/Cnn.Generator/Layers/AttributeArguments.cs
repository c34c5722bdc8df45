using System;
using System.Collections.Generic;
using Cnn.Generator.Model;
using Cnn.Generator.Validation;
using C = Cnn.Attributes.Convolution2DAttribute;

namespace Cnn.Generator.Layers;

/// <summary>
/// The arguments of one layer attribute as plain values, as the front end read them: <c>int</c> (enums as their
/// value), <c>double</c>, <c>bool</c>, <c>string</c>, and arrays of them as <c>object?[]</c>. Arguments that could
/// not be read are absent, so each layer kind falls back to the attribute's default or reports the value.
/// </summary>
internal sealed class AttributeArguments
{
    private readonly IReadOnlyList<object?> _positional;
    private readonly IReadOnlyDictionary<string, object?> _named;

    /// <summary>Creates the bag from the constructor arguments in order and the named arguments.</summary>
    public AttributeArguments(IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> named)
    {
        _positional = positional;
        _named = named;
    }

    /// <summary>The number of constructor arguments.</summary>
    public int Count => _positional.Count;

    /// <summary>Constructor argument <paramref name="index"/> as an int, or 0 when absent or not an int.</summary>
    public int Int(int index) => index < _positional.Count && _positional[index] is int value ? value : 0;

    /// <summary>Constructor argument <paramref name="index"/> as a double (an int converts), or NaN: a value no range check accepts.</summary>
    public double Double(int index) => index < _positional.Count ? AsDouble(_positional[index]) ?? double.NaN : double.NaN;

    /// <summary>Constructor argument <paramref name="index"/> as strings (a <c>params string[]</c>); null entries become empty names.</summary>
    public string[] Strings(int index)
    {
        if (index >= _positional.Count) return Array.Empty<string>();
        if (_positional[index] is object?[] values)
            return Array.ConvertAll(values, v => v as string ?? "");
        // A params array with a single element may also arrive as that element alone.
        return _positional[index] is string single ? new[] { single } : Array.Empty<string>();
    }

    /// <summary>The named argument as an int, or null when it is not set.</summary>
    public int? NamedInt(string name) => _named.TryGetValue(name, out object? value) && value is int i ? i : null;

    /// <summary>The named argument as a double, or null when it is not set.</summary>
    public double? NamedDouble(string name) => _named.TryGetValue(name, out object? value) ? AsDouble(value) : null;

    /// <summary>The named argument as a bool, or <paramref name="fallback"/> when it is not set.</summary>
    public bool NamedBool(string name, bool fallback) => _named.TryGetValue(name, out object? value) && value is bool b ? b : fallback;

    /// <summary>The named argument as a string, or null when it is not set.</summary>
    public string? NamedString(string name) => _named.TryGetValue(name, out object? value) ? value as string : null;

    private static double? AsDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        _ => null,
    };
}

/// <summary>
/// A layer kind as the front end knows it: the attribute class that declares it and how to read its arguments.
/// </summary>
/// <param name="AttributeName">The attribute's class name in namespace <c>Cnn</c> (<c>Conv2DAttribute</c>).</param>
/// <param name="Read">Turns the attribute's arguments into the layer, unchecked; <c>Name</c> is set by the caller.</param>
internal sealed record LayerKind(string AttributeName, Func<AttributeArguments, LayerSpec> Read);

/// <summary>
/// The options every 2-D convolution takes alike (<c>Convolution2DAttribute</c>'s), read once for Conv2D,
/// DepthwiseConv2D and SeparableConv2D: the strides (<c>Stride</c>, overridden per axis), padding, activation, bias, dilation.
/// </summary>
internal readonly record struct ConvolutionOptions(int StrideHeight, int StrideWidth, Padding Padding, Activation Activation, bool UseBias, int DilationRate)
{
    public static ConvolutionOptions Read(AttributeArguments a)
    {
        int stride = a.NamedInt(nameof(C.Stride)) ?? 1;
        return new ConvolutionOptions(a.NamedInt(nameof(C.StrideHeight)) ?? stride, a.NamedInt(nameof(C.StrideWidth)) ?? stride,
            (Padding)(a.NamedInt(nameof(C.Padding)) ?? 0), (Activation)(a.NamedInt(nameof(C.Activation)) ?? 0),
            a.NamedBool(nameof(C.UseBias), true), a.NamedInt(nameof(C.DilationRate)) ?? 1);
    }

    /// <summary>The checks of those options (CNN0003): strides of at least 1, a 2-D padding, an activation, a dilation only with stride 1.</summary>
    public static void Check(LayerChecker check, int strideHeight, int strideWidth, Padding padding, Activation activation, int dilation)
    {
        check.AtLeastOne(strideHeight, nameof(C.StrideHeight), "the vertical stride");
        // A stride written once is reported once.
        if (strideWidth != strideHeight) check.AtLeastOne(strideWidth, nameof(C.StrideWidth), "the horizontal stride");
        check.Padding(padding, nameof(C.Padding), causal: false);
        check.Activation(activation, nameof(C.Activation));
        check.Dilation(dilation, strideHeight, strideWidth, nameof(C.DilationRate));
    }
}
