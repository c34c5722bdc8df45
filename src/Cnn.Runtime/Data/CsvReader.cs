using System.Globalization;
using System.Text;

namespace Cnn;

/// <summary>
/// Reads comma-separated values (RFC 4180) one record at a time, strictly: UTF-8 (a byte-order mark is skipped),
/// records end with <c>\n</c>, <c>\r\n</c> or <c>\r</c>, a field may be quoted (<c>"a, b"</c>, with <c>""</c> for a
/// quote and line breaks inside), and empty lines are skipped. Every problem — invalid UTF-8, an unclosed quote,
/// text after a closing quote, a quote inside an unquoted field, a field or record beyond the limits — is a
/// <see cref="CnnDataException"/> naming the source, the line and the column.
/// </summary>
/// <remarks>
/// The limits keep a corrupt file (one without line breaks, say) from being held in memory as one field: a field
/// has at most <see cref="MaxFieldLength"/> characters and a record at most <see cref="MaxFieldCount"/> fields.
/// </remarks>
public sealed class CsvReader : IDisposable
{
    /// <summary>The default <see cref="MaxFieldLength"/>.</summary>
    public const int DefaultMaxFieldLength = 4096;

    /// <summary>The default <see cref="MaxFieldCount"/>.</summary>
    public const int DefaultMaxFieldCount = 1 << 20;

    private readonly TextReader _reader;
    private readonly bool _leaveOpen;
    private readonly List<string> _fields = [];
    private readonly StringBuilder _field = new();
    private int _line = 1;
    private int _column;
    private bool _started;

    /// <summary>Reads UTF-8 CSV from <paramref name="stream"/>; <paramref name="source"/> names it in messages.</summary>
    public CsvReader(Stream stream, string source = "<stream>", bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        // throwOnInvalidBytes: a corrupt byte is reported, not silently turned into U+FFFD.
        _reader = new StreamReader(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen);
        _leaveOpen = false;
        Source = source;
    }

    /// <summary>Reads CSV from <paramref name="reader"/>; <paramref name="source"/> names it in messages.</summary>
    public CsvReader(TextReader reader, string source = "<stream>", bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        _reader = reader;
        _leaveOpen = leaveOpen;
        Source = source;
    }

    /// <summary>The file name, or <c>&lt;stream&gt;</c>, as messages show it.</summary>
    public string Source { get; }

    /// <summary>The largest number of characters in one field.</summary>
    public int MaxFieldLength { get; init; } = DefaultMaxFieldLength;

    /// <summary>The largest number of fields in one record.</summary>
    public int MaxFieldCount { get; init; } = DefaultMaxFieldCount;

    /// <summary>The field separator (comma by default).</summary>
    public char Separator { get; init; } = ',';

    /// <summary>The 1-based line on which the current record starts.</summary>
    public int LineNumber { get; private set; }

    /// <summary>The fields of the current record.</summary>
    public IReadOnlyList<string> Fields => _fields;

    /// <summary>The number of fields in the current record.</summary>
    public int FieldCount => _fields.Count;

    /// <summary>Field <paramref name="index"/> (0-based) of the current record.</summary>
    public string this[int index] => _fields[index];

    /// <summary>Reads the next non-empty record into <see cref="Fields"/>; false at the end of the input.</summary>
    /// <exception cref="CnnDataException">The input is not valid CSV or not valid UTF-8.</exception>
    public bool ReadRecord()
    {
        _fields.Clear();
        try
        {
            return ReadRecordCore();
        }
        catch (DecoderFallbackException e)
        {
            throw new CnnDataException(Source, $"line {_line}: the text is not valid UTF-8", e);
        }
    }

    private bool ReadRecordCore()
    {
        int c = Next();
        if (!_started)
        {
            // A UTF-8 byte-order mark is not part of the first field.
            _started = true;
            if (c == '\uFEFF') c = Next();
        }
        // Skip empty lines.
        for (; c is '\n' or '\r'; c = Next())
            EndOfLine(c);
        if (c < 0) return false;
        LineNumber = _line;
        _field.Clear();
        bool quoted = false, afterQuote = false, fieldStarted = false;
        int quoteLine = _line;
        while (true)
        {
            if (quoted)
            {
                if (c < 0) throw Error(quoteLine, $"a quoted field opened here is not closed before the end of the file");
                if (c == '"')
                {
                    if (_reader.Peek() == '"')
                    {
                        Next();
                        Append('"');
                    }
                    else
                    {
                        quoted = false;
                        afterQuote = true;
                    }
                }
                else if (c is '\n' or '\r')
                {
                    // A line break inside quotes is part of the field, as '\n' whatever the file uses.
                    EndOfLine(c);
                    Append('\n');
                }
                else
                {
                    Append((char)c);
                }
            }
            else if (c < 0 || c == '\n' || c == '\r' || c == Separator)
            {
                AddField();
                if (c != Separator)
                {
                    if (c >= 0) EndOfLine(c);
                    return true;
                }
                afterQuote = fieldStarted = false;
            }
            else if (afterQuote)
            {
                throw Error(_line, $"column {_column}: {Describe(c)} after the closing quote of a field (expected '{Separator}' or the end of the line)");
            }
            else if (c == '"')
            {
                if (fieldStarted) throw Error(_line, $"column {_column}: a quote inside an unquoted field (quote the whole field and double the quote)");
                quoted = fieldStarted = true;
                quoteLine = _line;
            }
            else
            {
                fieldStarted = true;
                Append((char)c);
            }
            c = Next();
        }
    }

    private int Next()
    {
        int c = _reader.Read();
        if (c >= 0) _column++;
        return c;
    }

    private void EndOfLine(int c)
    {
        if (c == '\r' && _reader.Peek() == '\n') _reader.Read();
        _line++;
        _column = 0;
    }

    private void Append(char c)
    {
        if (_field.Length >= MaxFieldLength)
            throw Error(LineNumber, $"field {_fields.Count + 1} is longer than {MaxFieldLength} characters (a missing line break or quote?)");
        _field.Append(c);
    }

    private void AddField()
    {
        if (_fields.Count >= MaxFieldCount)
            throw Error(LineNumber, $"the record has more than {MaxFieldCount} fields");
        _fields.Add(_field.ToString());
        _field.Clear();
    }

    private static string Describe(int c) => char.IsControl((char)c) ? $"character U+{c:X4}" : $"'{(char)c}'";

    private CnnDataException Error(int line, string problem) => new(Source, $"line {line}: {problem}");

    /// <summary>A <see cref="CnnDataException"/> about the current record: "line 7: <paramref name="problem"/>".</summary>
    public CnnDataException RecordError(string problem) => Error(LineNumber, problem);

    /// <summary>A <see cref="CnnDataException"/> about field <paramref name="index"/> of the current record.</summary>
    public CnnDataException FieldError(int index, string problem) =>
        Error(LineNumber, $"column {index + 1}: {SafeTensorsFile.Quote(_fields[index])} is not {problem}");

    /// <summary>Throws unless the current record has exactly <paramref name="count"/> fields.</summary>
    public void ExpectFieldCount(int count, string what)
    {
        if (_fields.Count != count)
            throw new CnnDataException(Source, $"line {LineNumber} has {_fields.Count} fields; {what}");
    }

    /// <summary>Field <paramref name="index"/> as an integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="CnnDataException">It is not such an integer; the message says <paramref name="what"/> was expected.</exception>
    public int Int32(int index, int min, int max, string what)
    {
        if (!int.TryParse(_fields[index].AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw FieldError(index, what);
        return value;
    }

    /// <summary>Field <paramref name="index"/> as a finite float (invariant culture: <c>5.1</c>, <c>-2e-3</c>).</summary>
    /// <exception cref="CnnDataException">It is not a finite number.</exception>
    public float Single(int index, string what = "a number")
    {
        if (!float.TryParse(_fields[index].AsSpan().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw FieldError(index, what);
        return value;
    }

    /// <summary>Closes the underlying reader (unless it was to be left open).</summary>
    public void Dispose()
    {
        if (!_leaveOpen) _reader.Dispose();
    }
}
