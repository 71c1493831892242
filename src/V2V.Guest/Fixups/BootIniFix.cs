namespace V2V.Guest.Fixups;

/// <summary>
/// Disk2vhd's forced HAL (WINDOWS.md §5): when the entry NTLDR boots by default (the first line
/// of [operating systems] whose ARC path is <c>default=</c>) carries <c>/KERNEL=</c> or
/// <c>/HAL=</c>, and another entry without them exists, that entry becomes the default again:
/// moved before the forced one when both share the ARC path, else named by <c>default=</c>.
/// The forced entry stays in the list. Lines, their order otherwise and line endings are kept.
/// </summary>
internal static class BootIniFix
{
    /// <summary>The fixed text and what changed, or null when the default entry forces no HAL or kernel (or nothing can replace it).</summary>
    public static (string Text, string Detail)? Fix(string text)
    {
        string newline = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var lines = text.Split(newline).ToList();
        int section = lines.FindIndex(l => l.Trim().Equals("[operating systems]", StringComparison.OrdinalIgnoreCase));
        int defaultLine = lines.FindIndex(l => l.TrimStart().StartsWith("default=", StringComparison.OrdinalIgnoreCase));
        if (section < 0 || defaultLine < 0)
        {
            return null;
        }

        string defaultPath = lines[defaultLine].Split('=', 2)[1].Trim();
        var entries = Enumerable.Range(section + 1, lines.Count - section - 1)
            .TakeWhile(i => !lines[i].TrimStart().StartsWith('['))
            .Where(i => lines[i].Contains('=', StringComparison.Ordinal))
            .ToList();
        int? current = entries.Cast<int?>().FirstOrDefault(i => ArcPath(lines[i!.Value]).Equals(defaultPath, StringComparison.OrdinalIgnoreCase));
        if (current is not { } forced || !ForcesHal(lines[forced]))
        {
            return null;
        }

        var original = entries.Where(i => i != forced && !ForcesHal(lines[i]) && ArcPath(lines[i]).StartsWith("multi(", StringComparison.OrdinalIgnoreCase)
            || (i != forced && !ForcesHal(lines[i]) && ArcPath(lines[i]).StartsWith("scsi(", StringComparison.OrdinalIgnoreCase))).ToList();
        var samePath = original.Where(i => ArcPath(lines[i]).Equals(defaultPath, StringComparison.OrdinalIgnoreCase)).ToList();
        if (samePath.Count > 0)
        {
            string entry = lines[samePath[0]];
            lines.RemoveAt(samePath[0]);
            lines.Insert(forced, entry);
            return (string.Join(newline, lines), $"boot.ini: \"{entry.Trim()}\" is the default entry again (before \"{lines[forced + 1].Trim()}\", which stays)");
        }

        if (original.Count == 0)
        {
            return null;
        }

        string path = ArcPath(lines[original[0]]);
        lines[defaultLine] = lines[defaultLine][..(lines[defaultLine].IndexOf('=', StringComparison.Ordinal) + 1)] + path;
        return (string.Join(newline, lines), $"boot.ini: default={path} (was {defaultPath}, whose entry forces a HAL or kernel and stays)");
    }

    private static string ArcPath(string line) => line.Split('=', 2)[0].Trim();

    private static bool ForcesHal(string line)
    {
        string switches = line.Contains('"', StringComparison.Ordinal) ? line[(line.LastIndexOf('"') + 1)..] : line;
        return switches.Contains("/HAL=", StringComparison.OrdinalIgnoreCase) || switches.Contains("/KERNEL=", StringComparison.OrdinalIgnoreCase);
    }
}
