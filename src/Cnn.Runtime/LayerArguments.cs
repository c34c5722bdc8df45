using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cnn;

/// <summary>
/// The resolved arguments of one layer (<see cref="LayerInfo.Arguments"/>), by Keras's <c>get_config()</c> names,
/// in the order the generator wrote them. Every argument is present with its value after defaults, so a reader never
/// needs the attribute's defaults. Values are <see cref="int"/>, <see cref="double"/>, <see cref="bool"/>,
/// <c>int[]</c> (one entry per spatial axis: <c>[rows, columns]</c> for images, <c>[steps]</c> for sequences),
/// <see cref="Activation"/> or <see cref="Padding"/>.
/// </summary>
/// <remarks>
/// The arguments by <see cref="LayerInfo.Type"/>:
/// <list type="bullet">
/// <item><c>Conv2D</c>: <c>filters</c>, <c>kernel_size</c>, <c>strides</c>, <c>padding</c>, <c>pads</c>, <c>dilation_rate</c>,
/// <c>activation</c>, <c>use_bias</c>. <c>Conv1D</c>: the same over steps.</item>
/// <item><c>DepthwiseConv2D</c>: <c>kernel_size</c>, <c>strides</c>, <c>padding</c>, <c>pads</c>, <c>depth_multiplier</c>,
/// <c>dilation_rate</c>, <c>activation</c>, <c>use_bias</c>. <c>SeparableConv2D</c>: the same and <c>filters</c>.</item>
/// <item><c>MaxPooling2D</c>, <c>AveragePooling2D</c>, <c>MaxPooling1D</c>, <c>AveragePooling1D</c>: <c>pool_size</c>,
/// <c>strides</c>, <c>padding</c>, <c>pads</c> (cells outside the input are ignored: never the maximum, never averaged).</item>
/// <item><c>Dense</c>: <c>units</c>, <c>activation</c>, <c>use_bias</c>.</item>
/// <item><c>BatchNormalization</c>: <c>momentum</c>, <c>epsilon</c>, <c>center</c>, <c>scale</c>.</item>
/// <item><c>ReLU</c>: <c>negative_slope</c>, and <c>max_value</c> only when capped. <c>LeakyReLU</c>: <c>alpha</c>.</item>
/// <item><c>Activation</c> (<c>[Sigmoid]</c>, <c>[Tanh]</c>) and <c>Softmax</c>: <c>activation</c>.</item>
/// <item><c>Dropout</c>: <c>rate</c>. <c>ZeroPadding2D</c>: <c>padding</c>, an <c>int[]</c> <c>[top, bottom, left, right]</c>.</item>
/// <item><c>Flatten</c>, <c>Add</c>, <c>Concatenate</c> (over the channels) and the global poolings: none.</item>
/// </list>
/// <c>pads</c> is not a Keras name: the zero rows and columns the padding mode comes to for this layer's input, as
/// <c>[top, bottom, left, right]</c> (images) or <c>[before, after]</c> (sequences): TensorFlow's Same padding puts the
/// smaller half before, Causal all of it; Valid is all zeros.
/// </remarks>
public sealed class LayerArguments : IReadOnlyDictionary<string, object>
{
    private readonly List<KeyValuePair<string, object>> _items = [];

    /// <summary>Adds an argument (the generated code fills the arguments with a collection initializer).</summary>
    /// <exception cref="ArgumentException">The name is already there.</exception>
    public void Add(string name, object value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (ContainsKey(name)) throw new ArgumentException($"The argument '{name}' is already set.", nameof(name));
        _items.Add(new(name, value));
    }

    /// <summary>The argument <paramref name="name"/> as a <typeparamref name="T"/>.</summary>
    /// <exception cref="KeyNotFoundException">The layer has no such argument.</exception>
    /// <exception cref="InvalidCastException">The argument is of another type.</exception>
    public T Get<T>(string name)
    {
        object value = this[name];
        return value is T typed ? typed
            : throw new InvalidCastException($"The argument '{name}' is a {value.GetType().Name} ({Text(value)}), not a {typeof(T).Name}.");
    }

    /// <summary>The argument <paramref name="name"/> as a <typeparamref name="T"/>, or false when the layer has none of that type.</summary>
    public bool TryGet<T>(string name, [MaybeNullWhen(false)] out T value)
    {
        if (TryGetValue(name, out object? found) && found is T typed)
        {
            value = typed;
            return true;
        }
        value = default;
        return false;
    }

    /// <inheritdoc/>
    /// <exception cref="KeyNotFoundException">The layer has no such argument.</exception>
    public object this[string key] => TryGetValue(key, out object? value) ? value
        : throw new KeyNotFoundException($"The layer has no argument '{key}'" + (_items.Count == 0 ? "." : $"; it has {string.Join(", ", Keys)}."));

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _items.Select(item => item.Key);

    /// <inheritdoc/>
    public IEnumerable<object> Values => _items.Select(item => item.Value);

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object value)
    {
        foreach (KeyValuePair<string, object> item in _items)
        {
            if (item.Key == key)
            {
                value = item.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Keras-like text: <c>filters=32, kernel_size=(3, 3), padding=Same, ...</c>.</summary>
    public override string ToString() => string.Join(", ", _items.Select(item => $"{item.Key}={Text(item.Value)}"));

    private static string Text(object value) => value switch
    {
        int[] values => "(" + string.Join(", ", values) + ")",
        bool flag => flag ? "True" : "False",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
