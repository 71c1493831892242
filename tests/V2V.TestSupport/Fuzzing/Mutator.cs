using System.Buffers.Binary;
using System.Text;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// Deterministic mutations of a seed (the same Random seed gives the same inputs on every machine):
/// bit flips, "interesting" integers written over fields, truncation, growth, block copies and, for
/// text, line and token edits. Offsets are drawn mostly near non-zero bytes of the seed, where the
/// structures are (images are mostly zero padding or grain data).
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly long[] Interesting =
    [
        0, 1, 2, 7, 8, 16, 64, 127, 128, 255, 256, 511, 512, 513, 1023, 1024, 4096, 65535, 65536, 1 << 20, 1 << 24,
        int.MaxValue, int.MinValue, uint.MaxValue, -1, -2, long.MaxValue, long.MinValue, 1L << 32, 1L << 40, 1L << 62,
    ];

    private static readonly string[] Tokens =
    [
        "0", "-1", "4294967296", "18446744073709551615", "99999999999999999999999", "1e308", "NaN", "0x7fffffff", "",
        "\"", "'", "\\", "\t", "\r\n", "\0", "{", "}", "[", "]", ":", ",", "&a ", "*a", "<<: *a", "? ", "!!binary ", "%YAML 1.1\n", "---\n",
        "..", "../../../../etc/passwd", "/dev/zero", "/proc/self/mem", "C:\\x", "\\\\?\\x", "%00", "ü", "\u202e",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "<![CDATA[", "]]>", "&amp;", "&#0;", "<x>", "</x>", "xmlns=\"\"",
        "=", "\"\"", ".encoding", "scsi0:0.fileName", "RW", "SPARSE", "FLAT", "ZERO", "createType", "parentCID", "parentFileNameHint",
        "ovf:capacity", "ovf:href", "ovf:size", "ovf:chunkSize", "byte * 2^40", "Ref:1", "<value>", "</value>", "<struct>", "<array>",
    ];

    private readonly Random _random = new(seed);

    public Random Random => _random;

    /// <summary>One to five mutations of <paramref name="input"/>; text seeds also get line and token edits.</summary>
    public byte[] Mutate(byte[] input, bool text)
    {
        var data = new List<byte>(input);
        int count = 1 + (int)Math.Min(4, -Math.Log(1 - _random.NextDouble()) * 1.2);
        for (int i = 0; i < count; i++)
        {
            if (text && _random.Next(3) != 0)
            {
                data = [.. Encoding.UTF8.GetBytes(MutateText(Encoding.UTF8.GetString([.. data])))];
            }
            else
            {
                MutateBinary(data);
            }
        }

        return [.. data];
    }

    private int Offset(List<byte> data)
    {
        if (data.Count == 0)
        {
            return 0;
        }

        for (int tries = 0; tries < 8 && _random.Next(5) != 0; tries++)
        {
            int at = _random.Next(data.Count);
            if (data[at] != 0)
            {
                return Math.Clamp(at + _random.Next(-16, 17), 0, data.Count - 1);
            }
        }

        return _random.Next(data.Count);
    }

    private void MutateBinary(List<byte> data)
    {
        if (data.Count == 0)
        {
            data.AddRange(RandomBytes(_random.Next(1, 600)));
            return;
        }

        int at = Offset(data);
        switch (_random.Next(10))
        {
            case 0:
                data[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1:
                data[at] = (byte)_random.Next(256);
                break;
            case 2 or 3 or 4:
                {
                    // An integer field: aligned like the formats' fields, either byte order.
                    int width = new[] { 2, 4, 8 }[_random.Next(3)];
                    at = Math.Max(0, at / width * width);
                    long value = _random.Next(4) == 0 ? _random.NextInt64() : Interesting[_random.Next(Interesting.Length)] + _random.Next(-1, 2);
                    Span<byte> field = stackalloc byte[8];
                    if (_random.Next(4) == 0)
                    {
                        BinaryPrimitives.WriteInt64BigEndian(field, value);
                        field = field[(8 - width)..];
                    }
                    else
                    {
                        BinaryPrimitives.WriteInt64LittleEndian(field, value);
                        field = field[..width];
                    }

                    for (int i = 0; i < width && at + i < data.Count; i++)
                    {
                        data[at + i] = field[i];
                    }

                    break;
                }

            case 5:
                data.RemoveRange(at, data.Count - at);
                break;
            case 6:
                data.AddRange(_random.Next(2) == 0 ? new byte[_random.Next(1, 4096)] : RandomBytes(_random.Next(1, 4096)));
                break;
            case 7:
                {
                    int from = _random.Next(data.Count);
                    int length = Math.Min(_random.Next(1, 1024), Math.Min(data.Count - from, data.Count - at));
                    var block = data.GetRange(from, length);
                    for (int i = 0; i < length; i++)
                    {
                        data[at + i] = block[i];
                    }

                    break;
                }

            case 8:
                data.RemoveRange(at, Math.Min(_random.Next(1, 512), data.Count - at));
                break;
            default:
                {
                    int length = Math.Min(_random.Next(1, 512), data.Count - at);
                    byte fill = _random.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                    for (int i = 0; i < length; i++)
                    {
                        data[at + i] = fill;
                    }

                    break;
                }
        }
    }

    private string MutateText(string text)
    {
        var lines = text.Split('\n').ToList();
        int line = _random.Next(lines.Count);
        switch (_random.Next(8))
        {
            case 0:
                lines.RemoveAt(line);
                break;
            case 1:
                lines.Insert(_random.Next(lines.Count + 1), lines[line]);
                break;
            case 2:
                {
                    int other = _random.Next(lines.Count);
                    (lines[line], lines[other]) = (lines[other], lines[line]);
                    break;
                }

            case 3 or 4:
                {
                    string token = Tokens[_random.Next(Tokens.Length)];
                    int at = _random.Next(lines[line].Length + 1);
                    lines[line] = lines[line][..at] + token + lines[line][at..];
                    break;
                }

            case 5:
                {
                    // A number or word of the seed replaced by an interesting value or another word.
                    var words = lines[line].Split(' ', '"', '=', ':', '<', '>', ',');
                    string word = words[_random.Next(words.Length)];
                    if (word.Length > 0)
                    {
                        string by = _random.Next(2) == 0 ? Interesting[_random.Next(Interesting.Length)].ToString(System.Globalization.CultureInfo.InvariantCulture) : Tokens[_random.Next(Tokens.Length)];
                        int at = lines[line].IndexOf(word, StringComparison.Ordinal);
                        lines[line] = lines[line][..at] + by + lines[line][(at + word.Length)..];
                    }

                    break;
                }

            case 6:
                lines.RemoveRange(line, lines.Count - line);
                break;
            default:
                {
                    // An indentation or structure change: YAML and XML care about both.
                    lines[line] = _random.Next(2) == 0 ? "  " + lines[line] : lines[line].TrimStart();
                    break;
                }
        }

        return string.Join('\n', lines);
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }
}
