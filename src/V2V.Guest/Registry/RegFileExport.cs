using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// Writes a key and everything below it in the <c>.reg</c> format that <c>reg export</c> and
/// regedit write ("Windows Registry Editor Version 5.00"): a <c>[path]</c> line per key, then its
/// values in stored order, a blank line, then its subkeys in stored (sorted) order. REG_DWORD of 4
/// bytes is <c>dword:xxxxxxxx</c>; REG_SZ is a quoted string with <c>\</c> and <c>"</c> escaped
/// when its data is exactly text + one NUL (otherwise <c>hex(1):</c>, so no byte is lost);
/// REG_BINARY is <c>hex:</c>; every other type is <c>hex(N):</c> (EXPAND_SZ hex(2), MULTI_SZ
/// hex(7), QWORD hex(b), ...). Hex lines wrap before 80 columns with <c>,\</c> and a two-space
/// indent, as regedit does. Lines end with CRLF. Every key and value is read before the first
/// line is written, so a damaged cell throws (as the reader does) with nothing written.
/// </summary>
public static class RegFileExport
{
    public const string Header = "Windows Registry Editor Version 5.00";
    private const int LineWidth = 80;

    /// <summary>
    /// Writes the header and <paramref name="key"/>'s subtree; each key's path is written as
    /// <paramref name="prefix"/> + '\' + its path in the hive (e.g. prefix <c>HKEY_LOCAL_MACHINE\SYSTEM</c>).
    /// </summary>
    public static void Write(RegistryKey key, string prefix, TextWriter output)
    {
        foreach (var each in Subtree(key))
        {
            foreach (var value in each.Values)
            {
                _ = value.Data;
            }
        }

        output.Write(Header + "\r\n\r\n");
        foreach (var each in Subtree(key))
        {
            WriteKey(each, prefix, output);
        }
    }

    /// <summary>The key and every key below it, depth first, subkeys in stored order.</summary>
    private static IEnumerable<RegistryKey> Subtree(RegistryKey key)
    {
        var pending = new Stack<RegistryKey>();
        pending.Push(key);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            yield return next;
            for (int i = next.Subkeys.Count - 1; i >= 0; i--)
            {
                pending.Push(next.Subkeys[i]);
            }
        }
    }

    private static void WriteKey(RegistryKey key, string prefix, TextWriter output)
    {
        string path = prefix.TrimEnd('\\');
        if (key.Path.Length > 0)
        {
            path = path.Length == 0 ? key.Path : path + "\\" + key.Path;
        }

        output.Write($"[{path}]\r\n");
        foreach (var value in key.Values)
        {
            output.Write(FormatValue(value));
        }

        output.Write("\r\n");
    }

    /// <summary>One value as its .reg line(s), ending with CRLF.</summary>
    public static string FormatValue(RegistryValue value)
    {
        var line = new StringBuilder();
        line.Append(value.Name.Length == 0 ? "@" : "\"" + Escape(value.Name) + "\"").Append('=');
        var data = value.Data.Span;
        if (value.Type == RegistryValueType.Dword && data.Length == 4)
        {
            line.Append($"dword:{value.AsDword():x8}");
        }
        else if (value.Type == RegistryValueType.String && AsPlainString(data) is { } text)
        {
            line.Append('"').Append(Escape(text)).Append('"');
        }
        else
        {
            line.Append(value.Type == RegistryValueType.Binary ? "hex:" : $"hex({(uint)value.Type:x}):");
            AppendHex(line, data);
        }

        return line.Append("\r\n").ToString();
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    /// <summary>The text when REG_SZ data is exactly UTF-16LE text + one NUL and prints on one line; else null.</summary>
    private static string? AsPlainString(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2 || data.Length % 2 != 0 || data[^1] != 0 || data[^2] != 0)
        {
            return null;
        }

        string text = Encoding.Unicode.GetString(data[..^2]);
        bool plain = text.All(c => c != '\0' && c != '\r' && c != '\n')
            && Encoding.Unicode.GetBytes(text).AsSpan().SequenceEqual(data[..^2]);
        return plain ? text : null;
    }

    private static void AppendHex(StringBuilder line, ReadOnlySpan<byte> data)
    {
        int column = line.Length;
        for (int i = 0; i < data.Length; i++)
        {
            line.Append($"{data[i]:x2}");
            column += 2;
            if (i == data.Length - 1)
            {
                break;
            }

            line.Append(',');
            column++;
            if (column + 3 >= LineWidth - 1)
            {
                line.Append("\\\r\n  ");
                column = 2;
            }
        }
    }
}
