using System.Globalization;
using System.Text;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.Vmx;

/// <summary>
/// A VMware .vmx file: <c>key = "value"</c> lines. Keys are case-insensitive; VMware escapes
/// special characters in values as <c>|XX</c> (hex), which are decoded here. The text is in the
/// code page its <c>.encoding</c> line names (UTF-8 when it names none).
/// </summary>
public sealed class VmxFile
{
    public const int MaxLength = 1024 * 1024;

    private readonly Dictionary<string, string> _values;

    private VmxFile(Dictionary<string, string> values) => _values = values;

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? Get(string key) => _values.TryGetValue(key, out var value) ? value : null;

    public bool IsTrue(string key) => string.Equals(Get(key), "TRUE", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// True when the head of a file looks like a VMX: text naming a virtual hardware version, or
    /// the encrypted configuration VMware Workstation writes for a VM with a vTPM (keys in any case).
    /// </summary>
    public static bool Looks(ReadOnlySpan<byte> head)
    {
        var probe = head[..Math.Min(head.Length, 8192)];
        if (probe.IndexOf((byte)0) >= 0 || probe.IndexOf("= \""u8) < 0)
        {
            return false;
        }

        string text = Encoding.Latin1.GetString(probe);
        return text.Contains("virtualHW.version", StringComparison.OrdinalIgnoreCase)
            || (text.Contains("encryption.keySafe", StringComparison.OrdinalIgnoreCase) && !text.Contains("createType", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True for a VMX whose configuration VMware encrypted (only encryption.* keys are readable).</summary>
    public bool IsEncrypted => Get("encryption.keySafe") is not null || Get("encryption.data") is not null;

    public static VmxFile Load(string path)
    {
        var info = new FileInfo(path);
        if (info.Length > MaxLength)
        {
            throw new InvalidImageException(path, $"a .vmx of {info.Length} bytes is too large to be one");
        }

        var bytes = File.ReadAllBytes(path);
        var encoding = DeclaredEncoding.FindDeclaration(bytes, ".encoding") is { } declared ? DeclaredEncoding.Get(path, declared) : DeclaredEncoding.Default;
        return Parse(path, encoding.GetString(bytes), encoding);
    }

    /// <param name="encoding">The file's code page, for the bytes that <c>|XX</c> escapes stand for.</param>
    public static VmxFile Parse(string path, string text, Encoding? encoding = null)
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

            values[line[..equals].Trim()] = Unescape(value, encoding ?? DeclaredEncoding.Default);
        }

        return new VmxFile(values);
    }

    /// <summary>"|22" → '"'; a run of escapes is one byte sequence in the file's code page ("|C3|BC" → "ü" in UTF-8).</summary>
    private static string Unescape(string value, Encoding encoding)
    {
        if (!value.Contains('|', StringComparison.Ordinal))
        {
            return value;
        }

        var result = new StringBuilder(value.Length);
        var run = new List<byte>();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '|' && i + 2 < value.Length
                && byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte code))
            {
                run.Add(code);
                i += 2;
                continue;
            }

            if (run.Count > 0)
            {
                result.Append(encoding.GetString([.. run]));
                run.Clear();
            }

            result.Append(value[i]);
        }

        return result.Append(encoding.GetString([.. run])).ToString();
    }
}
