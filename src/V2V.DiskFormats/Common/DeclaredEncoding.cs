using System.Text;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// The code page a VMware text file declares (a VMX's <c>.encoding = "..."</c>, a VMDK
/// descriptor's <c>encoding="..."</c>): windows-1252, GBK, Shift_JIS, UTF-8, ... Code pages come
/// from <see cref="CodePagesEncodingProvider"/> (part of the shared framework; registered here once,
/// it works without ICU, so under InvariantGlobalization and in the native build).
/// </summary>
public static class DeclaredEncoding
{
    static DeclaredEncoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>UTF-8 without a BOM and with replacement of bad bytes: what a file that declares nothing is read as.</summary>
    public static Encoding Default { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    /// <summary>The encoding named <paramref name="name"/> (IANA or Windows name, case-insensitive).</summary>
    /// <exception cref="UnsupportedFormatException">The name is no encoding .NET knows.</exception>
    public static Encoding Get(string file, string name)
    {
        string trimmed = name.Trim();
        if (trimmed.Equals("UTF-8", StringComparison.OrdinalIgnoreCase) || trimmed.Equals("UTF8", StringComparison.OrdinalIgnoreCase))
        {
            return Default;
        }

        try
        {
            return Encoding.GetEncoding(trimmed);
        }
        catch (ArgumentException)
        {
            throw new UnsupportedFormatException(file, $"declares the text encoding \"{trimmed}\", which V2V does not know (known: UTF-8, windows-125x, GBK, Big5, Shift_JIS, EUC-KR, ISO-8859-x, ...)");
        }
    }

    /// <summary>
    /// The value of the first line <c>KEY = "value"</c> whose key equals <paramref name="key"/>
    /// (case-insensitive), read from the raw bytes before the encoding is known (keys are ASCII).
    /// </summary>
    public static string? FindDeclaration(ReadOnlySpan<byte> bytes, string key)
    {
        string text = Encoding.Latin1.GetString(bytes);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && line[..equals].Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                string value = line[(equals + 1)..].Trim();
                return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
            }
        }

        return null;
    }
}
