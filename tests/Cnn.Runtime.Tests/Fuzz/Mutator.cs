using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Cnn.Runtime.Tests.Fuzz;

/// <summary>
/// Seeded mutations of valid files: generic byte damage (truncation, bit flips, inserted, deleted, duplicated
/// and spliced ranges) and format-aware damage that gets past the first checks (a rewritten safetensors header
/// length, numbers, dtypes and shapes changed inside the JSON header, deep or huge JSON, invalid UTF-8; IDX
/// dimensions and magic numbers; CSV fields, separators, quotes and line breaks). Each mutation says what it did,
/// so that a failure can be reproduced from its description and the seed.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] s_interesting = [0x00, 0xFF, 0x7F, 0x80, 0xC3, 0xE2, 0xF0, (byte)'"', (byte)',', (byte)'\n', (byte)'\r', (byte)'[', (byte)']', (byte)'{', (byte)'}', (byte)':', (byte)'-', (byte)'9', (byte)' '];

    private static readonly string[] s_jsonNumbers =
        ["-1", "0", "1", "3", "4", "7", "8", "2147483647", "2147483648", "4294967296", "9223372036854775807", "18446744073709551616", "1e400", "1.5", "-0", "99999999999999999999999"];

    private static readonly string[] s_dtypes = ["F32", "F64", "F16", "BF16", "I8", "U8", "BOOL", "", "f32", "F32 ", "F8_E4M3"];

    private static readonly string[] s_csvFields =
        ["", "-1", "0", "9", "10", "16", "17", "99999999999", "1e39", "NaN", "Infinity", "-Infinity", "\"5\"", "\"unterminated", "5\"x", "abc", " 3", "3.5", "\uFEFF1", "0x10", "1,5", "\"\"", "\"a\nb\""];

    public Random Random { get; } = new(seed);

    public List<string> Log { get; } = [];

    /// <summary>One to three random mutations of <paramref name="bytes"/>, format-aware ones for <paramref name="format"/>.</summary>
    public byte[] Mutate(byte[] bytes, Format format, IReadOnlyList<byte[]> others)
    {
        Log.Clear();
        int count = 1 + Random.Next(3);
        for (int i = 0; i < count; i++)
        {
            int pick = Random.Next(10);
            bytes = pick < 4 ? Generic(bytes, others) : format switch
            {
                Format.SafeTensors => SafeTensors(bytes),
                Format.Idx => Idx(bytes),
                Format.Csv => Csv(bytes),
                _ => Generic(bytes, others),
            };
        }
        return bytes;
    }

    public byte[] Generic(byte[] bytes, IReadOnlyList<byte[]> others)
    {
        int n = bytes.Length;
        switch (Random.Next(9))
        {
            case 0:
            {
                int length = Random.Next(n + 1);
                Log.Add($"truncate to {length}");
                return bytes[..length];
            }
            case 1:
            {
                byte[] copy = (byte[])bytes.Clone();
                int flips = 1 + Random.Next(8);
                for (int i = 0; i < flips && n > 0; i++)
                {
                    int at = Random.Next(n), bit = Random.Next(8);
                    copy[at] ^= (byte)(1 << bit);
                    Log.Add($"flip bit {bit} of byte {at}");
                }
                return copy;
            }
            case 2:
            {
                byte[] copy = (byte[])bytes.Clone();
                int sets = 1 + Random.Next(4);
                for (int i = 0; i < sets && n > 0; i++)
                {
                    int at = Random.Next(n);
                    copy[at] = Random.Next(2) == 0 ? s_interesting[Random.Next(s_interesting.Length)] : (byte)Random.Next(256);
                    Log.Add($"set byte {at} to {copy[at]:X2}");
                }
                return copy;
            }
            case 3:
            {
                int at = Random.Next(n + 1);
                var insert = new byte[1 + Random.Next(16)];
                Random.NextBytes(insert);
                Log.Add($"insert {insert.Length} random bytes at {at}");
                return [.. bytes[..at], .. insert, .. bytes[at..]];
            }
            case 4:
            {
                if (n == 0) return bytes;
                int at = Random.Next(n), length = 1 + Random.Next(Math.Min(64, n - at));
                Log.Add($"delete {length} bytes at {at}");
                return [.. bytes[..at], .. bytes[(at + length)..]];
            }
            case 5:
            {
                if (n == 0) return bytes;
                int from = Random.Next(n), length = 1 + Random.Next(Math.Min(64, n - from)), to = Random.Next(n + 1);
                Log.Add($"copy {length} bytes from {from} to {to}");
                return [.. bytes[..to], .. bytes.AsSpan(from, length), .. bytes[to..]];
            }
            case 6:
            {
                byte[] other = others[Random.Next(others.Count)];
                int cut = Random.Next(n + 1), otherCut = Random.Next(other.Length + 1);
                Log.Add($"splice: first {cut} bytes, then another seed from {otherCut}");
                return [.. bytes[..cut], .. other[otherCut..]];
            }
            case 7:
            {
                var extra = new byte[1 + Random.Next(64)];
                if (Random.Next(2) == 0) Random.NextBytes(extra);
                Log.Add($"append {extra.Length} bytes");
                return [.. bytes, .. extra];
            }
            default:
            {
                if (n < 2) return bytes;
                byte[] copy = (byte[])bytes.Clone();
                int a = Random.Next(n), b = Random.Next(n);
                (copy[a], copy[b]) = (copy[b], copy[a]);
                Log.Add($"swap bytes {a} and {b}");
                return copy;
            }
        }
    }

    // ---- safetensors ----

    public byte[] SafeTensors(byte[] bytes)
    {
        if (bytes.Length < 8) return Generic(bytes, [bytes]);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (declared > (ulong)(bytes.Length - 8) || Random.Next(5) == 0)
        {
            // Lie about the header length.
            ulong[] choices = [0, 1, 2, 7, (ulong)bytes.Length, (ulong)bytes.Length - 7, (ulong)bytes.Length - 8, declared + 1, declared - 1,
                int.MaxValue, (ulong)int.MaxValue + 1, uint.MaxValue, (ulong)uint.MaxValue + 9, 100_000_001, ulong.MaxValue, long.MaxValue, (ulong)Random.NextInt64()];
            ulong length = choices[Random.Next(choices.Length)];
            Log.Add($"header length {declared} -> {length}");
            byte[] copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
            return copy;
        }
        int headerLength = (int)declared;
        byte[] header = bytes[8..(8 + headerLength)];
        byte[] data = bytes[(8 + headerLength)..];
        byte[] mutated = Json(header);
        if (Random.Next(5) == 0)
        {
            Log.Add("data bytes damaged");
            data = Generic(data, [data]);
        }
        bool fixLength = Random.Next(5) != 0;
        var result = new byte[8 + mutated.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, fixLength ? (ulong)mutated.Length : declared);
        mutated.CopyTo(result, 8);
        data.CopyTo(result, 8 + mutated.Length);
        if (!fixLength) Log.Add("header length kept");
        return result;
    }

    private byte[] Json(byte[] header)
    {
        string text = Encoding.UTF8.GetString(header);
        switch (Random.Next(10))
        {
            case 0:
            case 1:
            {
                // Replace a number (an offset or a dimension) with another.
                var numbers = System.Text.RegularExpressions.Regex.Matches(text, "-?[0-9]+");
                if (numbers.Count == 0) break;
                var match = numbers[Random.Next(numbers.Count)];
                // (A run of digits from an earlier mutation may not fit a long: then a number from the list.)
                string replacement = Random.Next(3) == 0 && long.TryParse(match.Value, System.Globalization.CultureInfo.InvariantCulture, out long value)
                    ? (value + Random.Next(-8, 9)).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : s_jsonNumbers[Random.Next(s_jsonNumbers.Length)];
                Log.Add($"number {match.Value} at {match.Index} -> {replacement}");
                return Encoding.UTF8.GetBytes(text[..match.Index] + replacement + text[(match.Index + match.Length)..]);
            }
            case 2:
            {
                var dtypes = System.Text.RegularExpressions.Regex.Matches(text, "\"dtype\":\"[^\"]*\"");
                if (dtypes.Count == 0) break;
                var match = dtypes[Random.Next(dtypes.Count)];
                string dtype = s_dtypes[Random.Next(s_dtypes.Length)];
                Log.Add($"dtype at {match.Index} -> {dtype}");
                return Encoding.UTF8.GetBytes(text[..match.Index] + $"\"dtype\":\"{dtype}\"" + text[(match.Index + match.Length)..]);
            }
            case 3:
            {
                var shapes = System.Text.RegularExpressions.Regex.Matches(text, "\"shape\":\\[[^\\]]*\\]");
                if (shapes.Count == 0) break;
                var match = shapes[Random.Next(shapes.Count)];
                string[] choices = ["[]", "[0]", "[1,1,1,1,1,1,1,1,1,1]", "[-3]", "[2147483647,2147483647]", "[\"4\"]", "[4,null]", "[1.0]", "{}", "null", "[65536,65536,65536]"];
                string shape = choices[Random.Next(choices.Length)];
                Log.Add($"shape at {match.Index} -> {shape}");
                return Encoding.UTF8.GetBytes(text[..match.Index] + "\"shape\":" + shape + text[(match.Index + match.Length)..]);
            }
            case 4:
            {
                int depth = 1 + Random.Next(200);
                int at = Random.Next(text.Length + 1);
                string nest = new string('[', depth) + new string(']', Random.Next(2) == 0 ? depth : Random.Next(depth));
                Log.Add($"insert nesting {depth} at {at}");
                return Encoding.UTF8.GetBytes(text[..at] + nest + text[at..]);
            }
            case 5:
            {
                int at = text.IndexOf('{', StringComparison.Ordinal) + 1;
                string huge = "\"" + new string('x', 1 + Random.Next(200_000)) + "\":" + (Random.Next(2) == 0 ? "\"y\"," : "{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},");
                Log.Add($"insert a {huge.Length}-character entry at {at}");
                return Encoding.UTF8.GetBytes(text[..at] + huge + text[at..]);
            }
            case 6:
            {
                // Invalid UTF-8 inside a string (a lone continuation byte, a truncated sequence, an overlong form).
                var quotes = System.Text.RegularExpressions.Regex.Matches(text, "\"[^\"]+\"");
                if (quotes.Count == 0) break;
                var match = quotes[Random.Next(quotes.Count)];
                byte[][] bad = [[0x80], [0xC3], [0xE2, 0x82], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]];
                byte[] insert = bad[Random.Next(bad.Length)];
                int at = Encoding.UTF8.GetByteCount(text[..(match.Index + 1)]);
                Log.Add($"invalid UTF-8 {Convert.ToHexString(insert)} at byte {at}");
                return [.. header[..at], .. insert, .. header[at..]];
            }
            case 7:
            {
                // Duplicate a tensor entry under the same name, or swap two offsets.
                var entries = System.Text.RegularExpressions.Regex.Matches(text, "\"[^\"_]+\":\\{[^{}]*\\}");
                if (entries.Count == 0) break;
                var match = entries[Random.Next(entries.Count)];
                Log.Add($"duplicate entry at {match.Index}");
                int end = text.LastIndexOf('}');
                return Encoding.UTF8.GetBytes(text[..end].TrimEnd() + "," + match.Value + text[end..]);
            }
            case 8:
            {
                var offsets = System.Text.RegularExpressions.Regex.Matches(text, "\"data_offsets\":\\[[0-9]+,[0-9]+\\]");
                if (offsets.Count < 2) break;
                var a = offsets[Random.Next(offsets.Count)];
                var b = offsets[Random.Next(offsets.Count)];
                if (a.Index == b.Index) break;
                (var first, var second) = a.Index < b.Index ? (a, b) : (b, a);
                Log.Add($"swap data_offsets at {first.Index} and {second.Index}");
                return Encoding.UTF8.GetBytes(text[..first.Index] + second.Value + text[(first.Index + first.Length)..second.Index] + first.Value + text[(second.Index + second.Length)..]);
            }
            default:
            {
                string[] junk = ["}", "{", ",", "\"", ":", "null", "[", "]", "true", "\\", "\\u12", "\t", "// x", "{}", "0"];
                int at = Random.Next(text.Length + 1);
                string insert = junk[Random.Next(junk.Length)];
                Log.Add($"insert '{insert}' at {at} of the header");
                return Encoding.UTF8.GetBytes(text[..at] + insert + text[at..]);
            }
        }
        return Generic(header, [header]);
    }

    // ---- IDX ----

    public byte[] Idx(byte[] bytes)
    {
        bool gzipped = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        byte[] plain = gzipped ? Gunzip(bytes) ?? bytes : bytes;
        if (gzipped && Random.Next(3) == 0)
        {
            // Damage the compressed bytes themselves.
            return Generic(bytes, [bytes]);
        }
        byte[] copy = (byte[])plain.Clone();
        switch (Random.Next(4))
        {
            case 0 when copy.Length >= 8:
            {
                int dims = Math.Max(1, Math.Min(copy[3], (copy.Length - 4) / 4));
                int which = Random.Next(dims);
                int[] choices = [0, 1, -1, 2, 3, int.MaxValue, int.MinValue, 1 << 16, 1 << 20, 46341, 65536, Random.Next()];
                int value = choices[Random.Next(choices.Length)];
                int old = BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(4 + 4 * which));
                BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(4 + 4 * which), Random.Next(3) == 0 ? old + Random.Next(-2, 3) : value);
                Log.Add($"dimension {which} {old} -> {BinaryPrimitives.ReadInt32BigEndian(copy.AsSpan(4 + 4 * which))}");
                break;
            }
            case 1 when copy.Length >= 4:
            {
                int at = Random.Next(4);
                byte[] choices = [0, 1, 2, 3, 8, 9, 0x0B, 0x0C, 0x0D, 0x0E, 0xFF];
                copy[at] = choices[Random.Next(choices.Length)];
                Log.Add($"magic byte {at} -> {copy[at]:X2}");
                break;
            }
            default:
                copy = Generic(copy, [copy]);
                break;
        }
        if (gzipped || Random.Next(3) == 0)
        {
            Log.Add("gzipped");
            return Gzip(copy);
        }
        return copy;
    }

    // ---- CSV ----

    public byte[] Csv(byte[] bytes)
    {
        bool gzipped = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        byte[] plain = gzipped ? Gunzip(bytes) ?? bytes : bytes;
        if (gzipped && Random.Next(4) == 0) return Generic(bytes, [bytes]);
        string text = Encoding.UTF8.GetString(plain);
        string[] lines = text.Split('\n');
        int line = Random.Next(lines.Length);
        switch (Random.Next(9))
        {
            case 0:
            case 1:
            {
                string[] fields = lines[line].Split(',');
                int field = Random.Next(fields.Length);
                fields[field] = s_csvFields[Random.Next(s_csvFields.Length)];
                Log.Add($"line {line + 1}, field {field + 1} -> {fields[field]}");
                lines[line] = string.Join(',', fields);
                break;
            }
            case 2:
            {
                int comma = lines[line].IndexOf(',', Random.Next(lines[line].Length + 1));
                if (comma >= 0)
                {
                    Log.Add($"line {line + 1}: delete a comma");
                    lines[line] = lines[line].Remove(comma, 1);
                }
                else
                {
                    Log.Add($"line {line + 1}: append a comma");
                    lines[line] += ",";
                }
                break;
            }
            case 3:
            {
                int at = Random.Next(lines[line].Length + 1);
                string[] inserts = [",", "\n", "\r", "\r\n", "\"", "\"\"", " ", "\t", "\0", "\u00e9", "\uFFFD"];
                string insert = inserts[Random.Next(inserts.Length)];
                Log.Add($"line {line + 1}: insert {Convert.ToHexString(Encoding.UTF8.GetBytes(insert))} at {at}");
                lines[line] = lines[line].Insert(at, insert);
                break;
            }
            case 4:
            {
                var list = lines.ToList();
                if (Random.Next(2) == 0)
                {
                    Log.Add($"delete line {line + 1}");
                    list.RemoveAt(line);
                }
                else
                {
                    Log.Add($"duplicate line {line + 1}");
                    list.Insert(line, lines[line]);
                }
                lines = [.. list];
                break;
            }
            case 5:
            {
                int length = 1 + Random.Next(20_000);
                Log.Add($"line {line + 1}: append {length} digits without a line break");
                lines[line] += new string('7', length);
                break;
            }
            case 6:
            {
                // Invalid UTF-8: only possible at the byte level.
                byte[] encoded = Encoding.UTF8.GetBytes(string.Join('\n', lines));
                int at = Random.Next(encoded.Length + 1);
                byte[][] bad = [[0x80], [0xC3], [0xE2, 0x82], [0xC0, 0xAF], [0xFF], [0xFE, 0xFF]];
                byte[] insert = bad[Random.Next(bad.Length)];
                Log.Add($"invalid UTF-8 {Convert.ToHexString(insert)} at byte {at}");
                byte[] damaged = [.. encoded[..at], .. insert, .. encoded[at..]];
                return gzipped ? Gzip(damaged) : damaged;
            }
            case 7:
            {
                // The iris header's row and feature counts.
                string[] fields = lines[0].Split(',');
                if (fields.Length < 2) break;
                string[] counts = ["0", "1", "2", "149", "151", "-1", "2147483647", "1048576", "4", "5", "x"];
                int which = Random.Next(2);
                fields[which] = counts[Random.Next(counts.Length)];
                Log.Add($"line 1, field {which + 1} -> {fields[which]}");
                lines[0] = string.Join(',', fields);
                break;
            }
            default:
            {
                int at = Random.Next(lines[line].Length + 1);
                Log.Add($"line {line + 1}: quote from {at}");
                lines[line] = lines[line].Insert(at, "\"") + (Random.Next(2) == 0 ? "\"" : "");
                break;
            }
        }
        byte[] result = Encoding.UTF8.GetBytes(string.Join('\n', lines));
        return gzipped ? Gzip(result) : result;
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest)) gzip.Write(bytes);
        return output.ToArray();
    }

    private static byte[]? Gunzip(byte[] bytes)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }
}

/// <summary>What a seed file is, for the format-aware mutations.</summary>
internal enum Format
{
    SafeTensors,
    Idx,
    Csv,
}
