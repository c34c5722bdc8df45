using System;
using System.Text;

namespace Cnn.Generator.Helpers;

/// <summary>
/// A small indenting writer over a <see cref="StringBuilder"/>. <see cref="Block(string)"/> opens a brace block
/// that closes when the returned scope is disposed, so emitters read like the code they write.
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line stays empty).</summary>
    public SourceWriter Line(string text = "")
    {
        if (text.Length > 0)
            _builder.Append(' ', _indent * 4).Append(text);
        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes several lines, each at the current indentation.</summary>
    public void Lines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
            Line(line);
    }

    /// <summary>Writes <paramref name="header"/> then <c>{</c>, and indents until the scope is disposed.</summary>
    public Scope Block(string header)
    {
        Line(header);
        return Block();
    }

    /// <summary>Writes <c>{</c>, and indents until the scope is disposed.</summary>
    public Scope Block()
    {
        Line("{");
        _indent++;
        return new Scope(this, "}");
    }

    /// <summary>Indents without braces until the scope is disposed.</summary>
    public Scope Indent()
    {
        _indent++;
        return new Scope(this, null);
    }

    /// <inheritdoc/>
    public override string ToString() => _builder.ToString();

    /// <summary>Closes a block opened by <see cref="Block(string)"/> (or several nested ones at once).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string? _closing;
        private readonly int _levels;

        internal Scope(SourceWriter writer, string? closing, int levels = 1)
        {
            _writer = writer;
            _closing = closing;
            _levels = levels;
        }

        /// <summary>A scope that closes <paramref name="levels"/> nested blocks opened with <see cref="Block(string)"/>.</summary>
        public static Scope Nested(SourceWriter writer, int levels) => new(writer, "}", levels);

        /// <summary>Outdents and writes the closing brace.</summary>
        public void Dispose()
        {
            for (int i = 0; i < _levels; i++)
            {
                _writer._indent--;
                if (_closing is not null) _writer.Line(_closing);
            }
        }
    }
}
