using System.Text;
using System.Text.Json.Serialization;

namespace V2V.Guest.Windows;

/// <summary>One <c>[operating systems]</c> line of boot.ini: ARC path, description and switches.</summary>
/// <param name="ArcPath">e.g. <c>multi(0)disk(0)rdisk(0)partition(1)\WINDOWS</c>, or <c>C:\</c> for a DOS/Recovery Console line.</param>
/// <param name="Switches">The /switches after the description, as written (e.g. "/fastdetect", "/HAL=halacpi.dll").</param>
public sealed record BootIniEntry(string ArcPath, string Description, IReadOnlyList<string> Switches)
{
    /// <summary>The value of <c>/NAME=value</c>, or null.</summary>
    public string? Switch(string name)
    {
        string prefix = "/" + name + "=";
        return Switches.FirstOrDefault(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))?[prefix.Length..];
    }

    /// <summary>The <c>partition(N)</c> number of an ARC path, or null.</summary>
    [JsonIgnore]
    public int? PartitionNumber => ArcNumber("partition");

    /// <summary>The <c>rdisk(N)</c> number (BIOS drive) of an ARC path, or null.</summary>
    [JsonIgnore]
    public int? RDisk => ArcNumber("rdisk");

    /// <summary>The folder after the ARC device, e.g. <c>\WINDOWS</c>.</summary>
    [JsonIgnore]
    public string? Folder => ArcPath.LastIndexOf(')') is int close and >= 0 && close + 1 < ArcPath.Length ? ArcPath[(close + 1)..] : null;

    private int? ArcNumber(string name)
    {
        int at = ArcPath.IndexOf(name + "(", StringComparison.OrdinalIgnoreCase);
        if (at < 0)
        {
            return null;
        }

        int start = at + name.Length + 1;
        int end = ArcPath.IndexOf(')', start);
        return end > start && int.TryParse(ArcPath.AsSpan(start, end - start), out int n) ? n : null;
    }
}

/// <summary>
/// boot.ini as NTLDR reads it (WINDOWS.md §5): <c>[boot loader]</c> with <c>timeout</c> and
/// <c>default</c>, <c>[operating systems]</c> with one entry a line. Lines are parsed leniently, as
/// NTLDR does: unknown sections, comments (;) and malformed lines are skipped.
/// </summary>
public sealed record BootIni(int? Timeout, string? Default, IReadOnlyList<BootIniEntry> Entries)
{
    /// <summary>Files above this are no boot.ini (real ones are a few hundred bytes).</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The entry <see cref="Default"/> names (ARC paths compared case-insensitively), or null.</summary>
    [JsonIgnore]
    public BootIniEntry? DefaultEntry => Default is null ? null
        : Entries.FirstOrDefault(e => string.Equals(e.ArcPath, Default, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The default entry forces a HAL or kernel (<c>/HAL=</c>, <c>/KERNEL=</c>), as Disk2vhd's
    /// "Prepare for use in Virtual PC" leaves it.
    /// </summary>
    public bool DefaultForcesHal => DefaultEntry is { } entry && (entry.Switch("HAL") is not null || entry.Switch("KERNEL") is not null);

    /// <summary>Another entry for the same ARC path without <c>/HAL=</c> or <c>/KERNEL=</c>: the line to make the default again.</summary>
    [JsonIgnore]
    public BootIniEntry? UnforcedAlternative => DefaultEntry is { } entry
        ? Entries.FirstOrDefault(e => !ReferenceEquals(e, entry) && string.Equals(e.ArcPath, entry.ArcPath, StringComparison.OrdinalIgnoreCase)
            && e.Switch("HAL") is null && e.Switch("KERNEL") is null)
        : null;

    /// <summary>Parses boot.ini bytes (ANSI; read as Latin-1, which keeps every byte).</summary>
    public static BootIni Parse(ReadOnlySpan<byte> bytes)
    {
        string text = Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, MaxBytes)]);
        string section = "";
        int? timeout = null;
        string? defaultPath = null;
        var entries = new List<BootIniEntry>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim().TrimEnd('\0');
            if (line.Length == 0 || line[0] == ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                section = line.Trim('[', ']').Trim().ToLowerInvariant();
                continue;
            }

            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            string key = line[..equals].Trim();
            string value = line[(equals + 1)..].Trim();
            if (section == "boot loader")
            {
                if (key.Equals("timeout", StringComparison.OrdinalIgnoreCase) && int.TryParse(value, out int t))
                {
                    timeout = t;
                }
                else if (key.Equals("default", StringComparison.OrdinalIgnoreCase))
                {
                    defaultPath = value;
                }
            }
            else if (section == "operating systems")
            {
                entries.Add(Entry(key, value));
            }
        }

        return new BootIni(timeout, defaultPath, entries);
    }

    /// <summary>An entry: the description is quoted; the switches follow it, separated by blanks.</summary>
    private static BootIniEntry Entry(string arcPath, string rest)
    {
        string description = rest;
        string switches = "";
        if (rest.StartsWith('"'))
        {
            int close = rest.IndexOf('"', 1);
            description = close > 0 ? rest[1..close] : rest[1..];
            switches = close > 0 ? rest[(close + 1)..] : "";
        }
        else if (rest.IndexOf(" /", StringComparison.Ordinal) is int slash and >= 0)
        {
            description = rest[..slash];
            switches = rest[slash..];
        }

        return new BootIniEntry(arcPath, description.Trim(), switches.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
    }
}
