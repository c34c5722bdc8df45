using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Cnn.Generator.Helpers;
using Microsoft.CodeAnalysis.Text;

namespace Cnn.Generator.Validation;

/// <summary>One tensor entry of a safetensors header, as the generator read it.</summary>
/// <param name="Name">The tensor name.</param>
/// <param name="DType">The dtype string as written (<c>F32</c>, <c>F16</c>, ...).</param>
/// <param name="Shape">The dimensions.</param>
/// <param name="Begin">The first data byte, relative to the end of the header.</param>
/// <param name="End">One past the last data byte.</param>
internal sealed record WeightTensorEntry(string Name, string DType, EquatableArray<long> Shape, long Begin, long End);

/// <summary>
/// The header of a safetensors file that reached the generator as an AdditionalFile, or why it could not be read.
/// </summary>
/// <remarks>
/// Must be immutable and structurally equatable (the incremental pipeline caches on it); check this when adding
/// members. The generator never sees the file's bytes: Roslyn hands AdditionalFiles over as text, decoded as
/// UTF-8 when the bytes happen to be valid UTF-8 and otherwise with a single-byte fallback encoding (or, on
/// some hosts, lossily). The JSON header is ASCII, so it survives every decoding; the 8-byte length prefix and
/// the size of the data are checked whenever the decoding lets us recover them, and the emitted loader checks
/// them again at run time in any case.
/// </remarks>
/// <param name="Path">The AdditionalFile's path, as Roslyn gives it.</param>
/// <param name="ResourceName">The manifest resource name the build props gave the file, or null when it is not embedded.</param>
/// <param name="Error">Why the file is unreadable, or null.</param>
/// <param name="Tensors">The tensors in header order (empty when <paramref name="Error"/> is set).</param>
/// <param name="DataLengths">The possible byte lengths of the data after the header (one per decoding that fits), empty when the decoding lost them.</param>
internal sealed record WeightFileHeader(string Path, string? ResourceName, string? Error, EquatableArray<WeightTensorEntry> Tensors, EquatableArray<long> DataLengths)
{
    /// <summary>The largest header accepted, as in the runtime reader (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Reads the header of <paramref name="text"/>; never throws on malformed input.</summary>
    public static WeightFileHeader Read(string path, string? resourceName, SourceText? text)
    {
        if (text is null)
            return Fail(path, resourceName, "the file could not be read");
        try
        {
            return ReadCore(path, resourceName, text);
        }
        catch (HeaderException e)
        {
            return Fail(path, resourceName, e.Message);
        }
    }

    private static WeightFileHeader Fail(string path, string? resourceName, string error) =>
        new(path, resourceName, error, EquatableArray<WeightTensorEntry>.Empty, EquatableArray<long>.Empty);

    private static WeightFileHeader ReadCore(string path, string? resourceName, SourceText text)
    {
        // The JSON object starts right after the 8-byte length. Those 8 bytes decode to at most 8 characters:
        // exactly 8 with a single-byte decoding, fewer when some of them formed a UTF-8 sequence.
        int start = -1;
        if (text.Length > 8 && text[8] == '{' && SingleByte(text, 0, 8) is not null)
            start = 8;
        else
            for (int i = 1; i <= 8 && i < text.Length; i++)
                if (text[i] == '{') { start = i; break; }
        if (start < 0)
            throw new HeaderException(text.Length < 9
                ? $"the file has {text.Length} characters, too short for a safetensors file (8-byte header length, then a JSON header)"
                : "it is not a safetensors file: no JSON header follows the 8-byte header length");

        // The header length, when the prefix can be turned back into its bytes.
        long? headerLength = null;
        bool singleByte = false, utf8 = false;
        if (start == 8 && SingleByte(text, 0, 8) is { } bytes)
        {
            headerLength = LittleEndian(bytes);
            singleByte = true;
            utf8 = IsAscii(text, 0, 8);
        }
        else if (!Contains(text, 0, start, '\uFFFD') && Utf8Bytes(text, 0, start) is { Length: 8 } utf8Bytes)
        {
            headerLength = LittleEndian(utf8Bytes);
            utf8 = true;
        }
        else if (!Contains(text, 0, start, '\uFFFD'))
        {
            throw new HeaderException("it is not a safetensors file: the JSON header does not start 8 bytes into the file");
        }
        if (headerLength is > MaxHeaderLength)
            throw new HeaderException($"the header length {headerLength} is larger than the {MaxHeaderLength}-byte limit: not a safetensors file, or corrupt");

        var parser = new JsonParser(text, start);
        List<WeightTensorEntry> tensors = parser.ReadHeader();
        int jsonEnd = parser.Position;

        var dataLengths = new List<long>();
        if (headerLength is long length)
        {
            // The header may be padded with spaces up to its declared length (safetensors pads to 8 bytes).
            int dataStart = start + (int)Math.Min(length, int.MaxValue);
            if (dataStart > text.Length)
                throw new HeaderException($"the header length {length} goes beyond the end of the file (truncated?)");
            if (jsonEnd > dataStart)
                throw new HeaderException($"the JSON header is longer than the {length} bytes the header length gives");
            for (int i = jsonEnd; i < dataStart; i++)
                if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
                    throw new HeaderException($"the header length {length} does not match the JSON header, which ends after {jsonEnd - start} bytes");
            if (!Contains(text, dataStart, text.Length, '\uFFFD'))
            {
                if (singleByte) dataLengths.Add(text.Length - dataStart);
                if (utf8 && Utf8Count(text, dataStart, text.Length) is long count && !dataLengths.Contains(count)) dataLengths.Add(count);
            }
        }
        return new WeightFileHeader(path, resourceName, null, tensors.ToEquatableArray(), dataLengths.ToEquatableArray());
    }

    /// <summary>The characters decoded back to bytes with a single-byte decoding (Latin-1 or Windows-1252), or null.</summary>
    private static byte[]? SingleByte(SourceText text, int start, int end)
    {
        var bytes = new byte[end - start];
        for (int i = start; i < end; i++)
        {
            char c = text[i];
            if (c <= 0xFF) bytes[i - start] = (byte)c;
            else if (s_windows1252.TryGetValue(c, out byte b)) bytes[i - start] = b;
            else return null;
        }
        return bytes;
    }

    /// <summary>The characters of Windows-1252 bytes 0x80-0x9F that are not Latin-1.</summary>
    private static readonly Dictionary<char, byte> s_windows1252 = new()
    {
        ['\u20AC'] = 0x80, ['\u201A'] = 0x82, ['\u0192'] = 0x83, ['\u201E'] = 0x84, ['\u2026'] = 0x85, ['\u2020'] = 0x86,
        ['\u2021'] = 0x87, ['\u02C6'] = 0x88, ['\u2030'] = 0x89, ['\u0160'] = 0x8A, ['\u2039'] = 0x8B, ['\u0152'] = 0x8C,
        ['\u017D'] = 0x8E, ['\u2018'] = 0x91, ['\u2019'] = 0x92, ['\u201C'] = 0x93, ['\u201D'] = 0x94, ['\u2022'] = 0x95,
        ['\u2013'] = 0x96, ['\u2014'] = 0x97, ['\u02DC'] = 0x98, ['\u2122'] = 0x99, ['\u0161'] = 0x9A, ['\u203A'] = 0x9B,
        ['\u0153'] = 0x9C, ['\u017E'] = 0x9E, ['\u0178'] = 0x9F,
    };

    private static byte[]? Utf8Bytes(SourceText text, int start, int end)
    {
        try
        {
            return new UTF8Encoding(false, true).GetBytes(text.ToString(TextSpan.FromBounds(start, end)));
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The UTF-8 length of a range of characters, or null when it holds a lone surrogate.</summary>
    private static long? Utf8Count(SourceText text, int start, int end)
    {
        long count = 0;
        for (int i = start; i < end; i++)
        {
            char c = text[i];
            if (c < 0x80) count += 1;
            else if (c < 0x800) count += 2;
            else if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= end || !char.IsLowSurrogate(text[i + 1])) return null;
                count += 4;
                i++;
            }
            else if (char.IsLowSurrogate(c)) return null;
            else count += 3;
        }
        return count;
    }

    private static bool IsAscii(SourceText text, int start, int end)
    {
        for (int i = start; i < end; i++)
            if (text[i] >= 0x80) return false;
        return true;
    }

    private static bool Contains(SourceText text, int start, int end, char value)
    {
        for (int i = start; i < end; i++)
            if (text[i] == value) return true;
        return false;
    }

    private static long LittleEndian(byte[] bytes)
    {
        ulong value = 0;
        for (int i = 7; i >= 0; i--) value = (value << 8) | bytes[i];
        return value > long.MaxValue ? long.MaxValue : (long)value;
    }

    private sealed class HeaderException(string message) : Exception(message);

    /// <summary>
    /// A small JSON reader for the safetensors header: an object of tensor entries plus an optional
    /// <c>__metadata__</c>. It reads only as far as the header's closing brace.
    /// </summary>
    private sealed class JsonParser(SourceText text, int position)
    {
        private const int MaxDepth = 16;

        public int Position { get; private set; } = position;

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
            string number = text.ToString(TextSpan.FromBounds(start, Position));
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

        private HeaderException Error(string problem) => new($"the header is not valid JSON at character {Position}: {problem}");
    }
}
