using System.Globalization;
using System.Text;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.Vmx;

/// <summary>
/// A VMware .vmx file: <c>key = "value"</c> lines. Keys are case-insensitive; VMware escapes
/// special characters in values as <c>|XX</c> (hex), which are decoded here.
/// </summary>
public sealed class VmxFile
{
    public const int MaxLength = 1024 * 1024;

    private readonly Dictionary<string, string> _values;

    private VmxFile(Dictionary<string, string> values) => _values = values;

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

    public bool IsTrue(string key) => string.Equals(Get(key), "TRUE", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the head of a file looks like a VMX: text naming a virtual hardware version.</summary>
    public static bool Looks(ReadOnlySpan<byte> head)
    {
        var probe = head[..Math.Min(head.Length, 8192)];
        return probe.IndexOf((byte)0) < 0 && probe.IndexOf("virtualHW.version"u8) >= 0 && probe.IndexOf("= \""u8) >= 0;
    }

    public static VmxFile Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxLength)
        {
            throw new InvalidImageException(path, $"a .vmx of {info.Length} bytes is too large to be one");
        }

        return Parse(path, File.ReadAllText(path, Encoding.UTF8));
    }

    public static VmxFile Parse(string path, string text)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new InvalidImageException(path, $"line {number} is not \"key = value\": \"{(line.Length > 60 ? line[..60] + "..." : line)}\"");
            }

            string value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1];
            }

            values[line[..equals].Trim()] = Unescape(value);
        }

        return new VmxFile(values);
    }

    private static string Unescape(string value)
    {
        if (!value.Contains('|', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '|' && i + 2 < value.Length
                && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte code))
            {
                result.Append((char)code);
                i += 2;
            }
            else
            {
                result.Append(value[i]);
            }
        }

        return result.ToString();
    }
}
