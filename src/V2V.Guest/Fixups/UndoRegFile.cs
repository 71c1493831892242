using System.Globalization;
using System.Text;

namespace V2V.Guest.Fixups;

/// <summary>
/// <c>TARGET.undo.reg</c>: the old values of every registry change, as regedit writes a .reg file
/// (UTF-16LE with BOM, <c>Windows Registry Editor Version 5.00</c>, CRLF), for <c>reg import</c>
/// on the running guest: values that did not exist are deleted (<c>"name"=-</c>), keys the fixups
/// created are deleted (<c>[-KEY]</c>), deepest first. Keys are under HKEY_LOCAL_MACHINE\SYSTEM.
/// </summary>
public static class UndoRegFile
{
    public const string Root = @"HKEY_LOCAL_MACHINE\SYSTEM";

    /// <summary>The .reg text (without BOM; <see cref="Bytes"/> encodes it).</summary>
    public static string Text(FixupJournal journal)
    {
        var text = new StringBuilder("Windows Registry Editor Version 5.00\r\n");
        var created = journal.CreatedKeys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var group in journal.Registry.Where(c => !created.Contains(c.Key)).GroupBy(c => c.Key, StringComparer.OrdinalIgnoreCase))
        {
            text.Append(CultureInfo.InvariantCulture, $"\r\n[{Root}\\{group.Key}]\r\n");
            foreach (var change in group)
            {
                text.Append(Name(change.Value)).Append('=').Append(Data(change)).Append("\r\n");
            }
        }

        foreach (string key in journal.CreatedKeys.OrderByDescending(k => k.Count(c => c == '\\')))
        {
            text.Append(CultureInfo.InvariantCulture, $"\r\n[-{Root}\\{key}]\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    /// <summary>The file's bytes: UTF-16LE with its byte-order mark, as regedit writes.</summary>
    public static byte[] Bytes(FixupJournal journal) => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Text(journal))];

    private static string Name(string name) => name.Length == 0 ? "@" : $"\"{Escape(name)}\"";

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static string Data(RegistryChange change)
    {
        if (change.OldType is null || change.OldData is null)
        {
            return "-";
        }

        var data = Convert.FromHexString(change.OldData);
        string text = Encoding.Unicode.GetString(data, 0, data.Length & ~1);
        return change.OldType switch
        {
            "REG_DWORD" when data.Length == 4 => $"dword:{BitConverter.ToUInt32(data):x8}",
            "REG_SZ" when text.EndsWith('\0') && text.IndexOf('\0', StringComparison.Ordinal) == text.Length - 1 => $"\"{Escape(text[..^1])}\"",
            "REG_BINARY" => "hex:" + HexList(data),
            "REG_EXPAND_SZ" => "hex(2):" + HexList(data),
            "REG_MULTI_SZ" => "hex(7):" + HexList(data),
            "REG_QWORD" => "hex(b):" + HexList(data),
            "REG_NONE" => "hex(0):" + HexList(data),
            _ => $"hex({TypeNumber(change.OldType):x}):" + HexList(data),
        };
    }

    private static uint TypeNumber(string type) => type switch
    {
        "REG_SZ" => 1,
        "REG_DWORD" => 4,
        "REG_DWORD_BIG_ENDIAN" => 5,
        "REG_LINK" => 6,
        _ => uint.Parse(type.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
    };

    /// <summary>Comma-separated hex bytes, wrapped with ",\" as regedit does past 80 columns.</summary>
    private static string HexList(byte[] data)
    {
        var text = new StringBuilder();
        int column = 10;
        for (int i = 0; i < data.Length; i++)
        {
            text.Append(data[i].ToString("x2", CultureInfo.InvariantCulture));
            if (i < data.Length - 1)
            {
                text.Append(',');
                column += 3;
                if (column > 76)
                {
                    text.Append("\\\r\n  ");
                    column = 2;
                }
            }
        }

        return text.ToString();
    }
}
