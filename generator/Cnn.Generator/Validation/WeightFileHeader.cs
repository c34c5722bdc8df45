using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cnn.Generator.Helpers;

namespace Cnn.Generator.Validation;

/// <summary>One tensor entry of a safetensors header, as the generator read it.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="DType">The dtype string as written (<c>F32</c>, <c>F16</c>, ...).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">The first data byte, relative to the end of the header.</param>
/// <param name="End">One past the last data byte.</param>
internal sealed record WeightTensorEntry(string Name, string DType, EquatableArray<long> Shape, long Begin, long End);

/// <summary>
/// The header of a safetensors weight file, as the generator sees it, or why it could not be read.
/// </summary>
/// <remarks>
/// <para>Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when adding
/// members.</para>
/// <para>The compiler does not hand binary files to generators (an AdditionalFile with NUL bytes is rejected with
/// CS2015 and its text is null), and a generator may not do file IO (RS1035). So Cnn.Runtime.props reads the
/// 8-byte length and the JSON header at build time and passes them on as a small text file, the <em>header
/// summary</em>, with the weight file's path in the AdditionalFiles metadata <c>CnnWeightsFile</c>:</para>
/// <code>
/// Cnn.Generator safetensors header v1
/// length: 374072
/// header-length: 832
/// {"conv2d.kernel":{"dtype":"F32","shape":[3,3,1,32],"data_offsets":[0,1152]},...}
/// </code>
/// <para><c>length</c> is the file size in bytes; <c>header-length</c> (absent when the file is shorter than 8 bytes)
/// is the little-endian length prefix; the JSON header (absent when that length is out of range) follows as
/// UTF-8 text, with control characters replaced so that the summary stays text.</para>
/// </remarks>
/// <param name="Path">The weight file's path (the summary's <c>CnnWeightsFile</c> metadata).</param>
/// <param name="ResourceName">The manifest resource name the build props gave the file, or null when it is not embedded.</param>
/// <param name="Error">Why the file is unreadable, or null.</param>
/// <param name="Tensors">The tensors in header order (empty when <paramref name="Error"/> is set).</param>
/// <param name="DataLength">The number of data bytes after the header.</param>
internal sealed record WeightFileHeader(string Path, string? ResourceName, string? Error, EquatableArray<WeightTensorEntry> Tensors, long DataLength)
{
    /// <summary>The first line of a header summary.</summary>
    public const string Signature = "Cnn.Generator safetensors header v1";

    /// <summary>The largest header accepted, as in the runtime reader (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Reads a header summary; never throws on malformed input.</summary>
    public static WeightFileHeader Read(string path, string? resourceName, string? text)
    {
        if (text is null)
            return Fail(path, resourceName, "the build could not read it");
        try
        {
            return ReadCore(path, resourceName, text);
        }
        catch (HeaderException e)
        {
            return Fail(path, resourceName, e.Message);
        }
    }

    /// <summary>The header summary of the bytes of a weight file, as Cnn.Runtime.props writes it (for tests and tools).</summary>
    public static string Summarize(byte[] bytes)
    {
        var text = new StringBuilder(Signature).Append('\n');
        text.Append("length: ").Append(bytes.LongLength.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (bytes.Length >= 8)
        {
            ulong headerLength = 0;
            for (int i = 7; i >= 0; i--) headerLength = (headerLength << 8) | bytes[i];
            text.Append("header-length: ").Append(headerLength.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (headerLength <= MaxHeaderLength && 8 + (long)headerLength <= bytes.LongLength)
                foreach (char c in new UTF8Encoding(false, false).GetString(bytes, 8, (int)headerLength))
                    text.Append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
        }
        return text.ToString();
    }

    private static WeightFileHeader Fail(string path, string? resourceName, string error) =>
        new(path, resourceName, error, EquatableArray<WeightTensorEntry>.Empty, 0);

    private static WeightFileHeader ReadCore(string path, string? resourceName, string text)
    {
        int position = 0;
        if (ReadLine(text, ref position) != Signature)
            throw new HeaderException("the build's summary of its header is not in the format this generator reads: rebuild, and check that Cnn.Runtime.props matches the generator");
        long length = ReadNumberLine(text, ref position, "length: ") ?? throw new HeaderException("the build's summary of its header has no length");
        if (length < 8)
            throw new HeaderException($"the file has {length} bytes, too short for the 8-byte header length of a safetensors file");
        long headerLength = ReadNumberLine(text, ref position, "header-length: ") ?? throw new HeaderException("the build's summary of its header has no header length");
        if (headerLength > MaxHeaderLength)
            throw new HeaderException($"the header length {headerLength} is larger than the {MaxHeaderLength}-byte limit: not a safetensors file, or corrupt");
        if (8 + headerLength > length)
            throw new HeaderException($"the header length {headerLength} goes beyond the end of the {length}-byte file (truncated?)");

        int start = position;
        if (start >= text.Length || text[start] != '{')
            throw new HeaderException("it is not a safetensors file: no JSON header follows the 8-byte header length");
        var parser = new JsonParser(text, start);
        List<WeightTensorEntry> tensors = parser.ReadHeader();
        // The JSON may be padded with spaces up to the header length (safetensors pads to a multiple of 8 bytes).
        for (int i = parser.Position; i < text.Length; i++)
            if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
                throw new HeaderException($"the JSON header ends after {Utf8Count(text, start, parser.Position)} of the {headerLength} bytes of the header, followed by more than padding");
        return new WeightFileHeader(path, resourceName, null, tensors.ToEquatableArray(), length - 8 - headerLength);
    }

    private static string ReadLine(string text, ref int position)
    {
        int start = position;
        while (position < text.Length && text[position] != '\n') position++;
        string line = text.Substring(start, position - start).TrimEnd('\r');
        if (position < text.Length) position++;
        return line;
    }

    private static long? ReadNumberLine(string text, ref int position, string prefix)
    {
        int start = position;
        string line = ReadLine(text, ref position);
        if (line.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(line.Substring(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            return value;
        position = start;
        return null;
    }

    /// <summary>The UTF-8 length of a range of characters.</summary>
    private static long Utf8Count(string text, int start, int end)
    {
        long count = 0;
        for (int i = start; i < end; i++)
        {
            char c = text[i];
            count += c < 0x80 ? 1 : c < 0x800 || char.IsSurrogate(c) ? 2 : 3;
        }
        return count;
    }

    private sealed class HeaderException(string message) : Exception(message);

    /// <summary>
    /// A small JSON reader for the safetensors header: an object of tensor entries plus an optional
    /// <c>__metadata__</c>. It reads only as far as the header's closing brace.
    /// </summary>
    private sealed class JsonParser(string text, int start)
    {
        private const int MaxDepth = 16;

        private readonly int _start = start;

        public int Position { get; private set; } = start;

        public List<WeightTensorEntry> ReadHeader()
        {
            var tensors = new List<WeightTensorEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            Expect('{');
            SkipSpace();
            if (Peek() == '}') { Position++; return tensors; }
            while (true)
            {
                SkipSpace();
                string name = ReadString();
                if (!names.Add(name))
                    throw new HeaderException($"the header names tensor '{name}' twice");
                SkipSpace();
                Expect(':');
                SkipSpace();
                object? value = ReadValue(1);
                if (name != "__metadata__")
                    tensors.Add(Tensor(name, value));
                SkipSpace();
                char c = Next();
                if (c == '}') return tensors;
                if (c != ',') throw Error($"expected ',' or '}}' but found {Describe(c)}");
            }
        }

        private static WeightTensorEntry Tensor(string name, object? value)
        {
            if (value is not Dictionary<string, object?> entry)
                throw new HeaderException($"the entry of tensor '{name}' is not a JSON object");
            if (!entry.TryGetValue("dtype", out object? dtype) || dtype is not string dtypeText)
                throw new HeaderException($"tensor '{name}' has no dtype");
            if (!entry.TryGetValue("shape", out object? shapeValue) || shapeValue is not List<object?> shapeList)
                throw new HeaderException($"tensor '{name}' has no shape");
            var shape = new long[shapeList.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                if (shapeList[i] is not long d || d < 0)
                    throw new HeaderException($"tensor '{name}' has an invalid dimension in its shape");
                shape[i] = d;
            }
            if (!entry.TryGetValue("data_offsets", out object? offsetsValue) || offsetsValue is not List<object?> { Count: 2 } offsets
                || offsets[0] is not long begin || offsets[1] is not long end || begin < 0 || end < begin)
                throw new HeaderException($"tensor '{name}' has no valid data_offsets [begin, end]");
            return new WeightTensorEntry(name, dtypeText, new EquatableArray<long>(shape), begin, end);
        }

        private object? ReadValue(int depth)
        {
            if (depth > MaxDepth) throw Error("the header is nested too deeply");
            char c = Peek();
            switch (c)
            {
                case '{':
                {
                    Position++;
                    var members = new Dictionary<string, object?>(StringComparer.Ordinal);
                    SkipSpace();
                    if (Peek() == '}') { Position++; return members; }
                    while (true)
                    {
                        SkipSpace();
                        string key = ReadString();
                        SkipSpace();
                        Expect(':');
                        SkipSpace();
                        members[key] = ReadValue(depth + 1);
                        SkipSpace();
                        char next = Next();
                        if (next == '}') return members;
                        if (next != ',') throw Error($"expected ',' or '}}' but found {Describe(next)}");
                    }
                }
                case '[':
                {
                    Position++;
                    var items = new List<object?>();
                    SkipSpace();
                    if (Peek() == ']') { Position++; return items; }
                    while (true)
                    {
                        SkipSpace();
                        items.Add(ReadValue(depth + 1));
                        SkipSpace();
                        char next = Next();
                        if (next == ']') return items;
                        if (next != ',') throw Error($"expected ',' or ']' but found {Describe(next)}");
                    }
                }
                case '"':
                    return ReadString();
                case 't':
                    ExpectWord("true");
                    return true;
                case 'f':
                    ExpectWord("false");
                    return false;
                case 'n':
                    ExpectWord("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                    throw Error($"unexpected {Describe(c)}");
            }
        }

        private object ReadNumber()
        {
            int start = Position;
            while (Position < text.Length && "+-0123456789.eE".IndexOf(text[Position]) >= 0) Position++;
            string number = text.Substring(start, Position - start);
            if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer))
                return integer;
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double real))
                return real;
            throw Error($"'{number}' is not a number");
        }

        private string ReadString()
        {
            Expect('"');
            var builder = new StringBuilder();
            while (true)
            {
                char c = Next();
                if (c == '"') return builder.ToString();
                if (c < 0x20) throw Error("a control character inside a string");
                if (c != '\\') { builder.Append(c); continue; }
                char escape = Next();
                switch (escape)
                {
                    case '"': case '\\': case '/': builder.Append(escape); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        int code = 0;
                        for (int i = 0; i < 4; i++)
                        {
                            int digit = HexDigit(Next());
                            if (digit < 0) throw Error("an invalid \\u escape");
                            code = code * 16 + digit;
                        }
                        builder.Append((char)code);
                        break;
                    default: throw Error($"an invalid escape \\{escape}");
                }
            }
        }

        private static int HexDigit(char c) =>
            c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

        private void ExpectWord(string word)
        {
            foreach (char expected in word)
                if (Next() != expected) throw Error($"expected '{word}'");
        }

        private void Expect(char expected)
        {
            char c = Next();
            if (c != expected) throw Error($"expected '{expected}' but found {Describe(c)}");
        }

        private char Peek() => Position < text.Length ? text[Position] : throw Error("the header ends early (truncated?)");

        private char Next()
        {
            char c = Peek();
            Position++;
            return c;
        }

        private void SkipSpace()
        {
            while (Position < text.Length && text[Position] is ' ' or '\t' or '\r' or '\n') Position++;
        }

        private static string Describe(char c) => c >= 0x20 && c < 0x7F ? $"'{c}'" : $"character U+{(int)c:X4}";

        private HeaderException Error(string problem) => new($"the header is not valid JSON at character {Position - _start}: {problem}");
    }
}
