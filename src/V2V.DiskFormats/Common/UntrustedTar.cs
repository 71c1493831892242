using System.Formats.Tar;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>Reads members of untrusted tar archives (OVA, XVA): names checked, only plain files handed out.</summary>
public static class UntrustedTar
{
    /// <summary>Refuses absolute names, ".." segments, backslashes and control characters.</summary>
    public static string CheckName(string archive, string name)
    {
        bool bad = name.Length == 0 || name[0] == '/' || name.Contains('\\', StringComparison.Ordinal)
            || name.Any(char.IsControl) || name.Split('/').Any(segment => segment == "..");
        if (bad)
        {
            throw new UnsafePathException(archive, name, "tar member names must be relative and stay inside the archive");
        }

        return name;
    }

    /// <summary>The next plain-file member; directories are skipped, links and devices refused.</summary>
    public static TarEntry? NextFile(string archive, TarReader reader)
    {
        while (reader.GetNextEntry() is { } entry)
        {
            CheckName(archive, entry.Name);
            switch (entry.EntryType)
            {
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    return entry;
                case TarEntryType.Directory:
                    continue;
                default:
                    throw new UnsafePathException(archive, entry.Name, $"tar member of type {entry.EntryType}; only plain files are accepted");
            }
        }

        return null;
    }
}
