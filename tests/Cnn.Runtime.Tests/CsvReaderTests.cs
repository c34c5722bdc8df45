using System.Text;

namespace Cnn.Runtime.Tests;

public class CsvReaderTests
{
    private static List<string[]> ReadAll(string text, int maxFieldLength = CsvReader.DefaultMaxFieldLength) =>
        ReadAll(Encoding.UTF8.GetBytes(text), maxFieldLength);

    private static List<string[]> ReadAll(byte[] bytes, int maxFieldLength = CsvReader.DefaultMaxFieldLength)
    {
        using var reader = new CsvReader(new MemoryStream(bytes), "t.csv") { MaxFieldLength = maxFieldLength };
        var records = new List<string[]>();
        while (reader.ReadRecord()) records.Add([.. reader.Fields]);
        return records;
    }

    [Fact]
    public void Records_EndWithAnyLineBreak_AndEmptyLinesAreSkipped()
    {
        List<string[]> records = ReadAll("a,b\r\nc,d\n\n\re,,f\r");
        Assert.Equal([["a", "b"], ["c", "d"], ["e", "", "f"]], records);
    }

    [Fact]
    public void QuotedFields_KeepSeparatorsQuotesAndLineBreaks()
    {
        List<string[]> records = ReadAll("\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"\"\nlast,\"\"");
        Assert.Equal([["a,b", "say \"hi\"", "two\nlines", ""], ["last", ""]], records);
    }

    [Fact]
    public void AByteOrderMark_IsNotPartOfTheFirstField()
    {
        Assert.Equal([["1", "2"]], ReadAll("\uFEFF1,2\n"));
    }

    [Fact]
    public void LineNumbers_CountLineBreaksInsideQuotes()
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes("a\n\"x\ny\"\n\nb\n")), "t.csv");
        Assert.True(reader.ReadRecord());
        Assert.Equal(1, reader.LineNumber);
        Assert.True(reader.ReadRecord());
        Assert.Equal(2, reader.LineNumber);
        Assert.True(reader.ReadRecord());
        Assert.Equal(5, reader.LineNumber);
        Assert.Equal("b", reader[0]);
        Assert.False(reader.ReadRecord());
    }

    [Theory]
    [InlineData("a,\"open\n", "t.csv: line 1: a quoted field opened here is not closed before the end of the file")]
    [InlineData("ok\n\"a\"b,c\n", "t.csv: line 2: column 4: 'b' after the closing quote of a field")]
    [InlineData("ab\"c\n", "t.csv: line 1: column 3: a quote inside an unquoted field")]
    public void MalformedCsv_NamesTheLineAndColumn(string text, string message)
    {
        var e = Assert.Throws<CnnDataException>(() => ReadAll(text));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void InvalidUtf8_IsReported_NotReplaced()
    {
        var e = Assert.Throws<CnnDataException>(() => ReadAll([(byte)'1', (byte)'\n', (byte)'2', 0xC3, (byte)',', (byte)'3']));
        Assert.Equal("t.csv", e.DataSource);
        Assert.Contains("UTF-8", e.Problem);
    }

    [Fact]
    public void AFieldBeyondTheLimit_IsAnError_NotAHugeString()
    {
        var e = Assert.Throws<CnnDataException>(() => ReadAll(new string('7', 100) + ",1", maxFieldLength: 50));
        Assert.Equal("t.csv: line 1: field 1 is longer than 50 characters (a missing line break or quote?)", e.Message);
    }

    [Fact]
    public void TypedFields_AreCheckedWithTheirRange()
    {
        using var reader = new CsvReader(new MemoryStream(Encoding.UTF8.GetBytes("5, 7 ,x,1e40,-2.5\n")), "t.csv");
        Assert.True(reader.ReadRecord());
        Assert.Equal(5, reader.Int32(0, 0, 9, "a digit"));
        Assert.Equal(7, reader.Int32(1, 0, 9, "a digit"));
        Assert.Equal("t.csv: line 1: column 3: 'x' is not a digit", Assert.Throws<CnnDataException>(() => reader.Int32(2, 0, 9, "a digit")).Message);
        Assert.Throws<CnnDataException>(() => reader.Int32(0, 6, 9, "a digit"));
        Assert.Throws<CnnDataException>(() => reader.Single(3));
        Assert.Equal(-2.5f, reader.Single(4));
    }

    [Fact]
    public void Digits_AcceptsQuotedFieldsAndCrLf()
    {
        string line = string.Join(",", Enumerable.Repeat("16", 64)) + ",\"3\"\r\n";
        Dataset digits = Datasets.Digits(new MemoryStream(Encoding.UTF8.GetBytes(line + line)));
        Assert.Equal(2, digits.Count);
        Assert.Equal([3, 3], digits.Labels!);
        Assert.All(digits.Inputs, v => Assert.Equal(1f, v));
    }
}
