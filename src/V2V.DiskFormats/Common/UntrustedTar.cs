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
        while (Next(archive, reader) is { } entry)
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

    /// <summary>
    /// System.Formats.Tar reads a base-256 (GNU binary) numeric field too large for its type with an
    /// unchecked OverflowException; that is a damaged header like any other.
    /// </summary>
    private static TarEntry? Next(string archive, TarReader reader)
    {
        try
        {
            return reader.GetNextEntry();
        }
        catch (OverflowException e)
        {
            throw new InvalidImageException(archive, "damaged tar archive: a numeric header field (size, mode, ids or time) is out of range", e);
        }
    }

    /// <summary>
    /// True for what System.Formats.Tar and the decompressors throw on damaged bytes (bad headers,
    /// checksums, truncation), as opposed to I/O failures and our own refusals.
    /// </summary>
    public static bool IsDamage(Exception e) => e is InvalidDataException or FormatException or EndOfStreamException;

    /// <summary>
    /// The one-line refusal for a damaged archive. An archive that ends too soon says so in V2V's
    /// words: .NET's "Unable to read beyond the end of the stream" names no cause a user can act on.
    /// </summary>
    public static InvalidImageException Damaged(string archive, Exception e) => e is EndOfStreamException
        ? new(archive, "truncated: the tar archive ends inside a member or its header (was it cut while being written, copied or read?)")
        : new(archive, $"damaged tar archive: {e.Message}");
}
