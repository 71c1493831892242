using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>What $LogFile's restart area says about the volume's journal.</summary>
public enum LogFileState
{
    /// <summary>No client has the log open, or the restart area says RESTART_VOLUME_IS_CLEAN.</summary>
    Clean,

    /// <summary>The log was reset (filled with 0xFF) by mkntfs or ntfsfix: nothing to replay.</summary>
    Empty,

    /// <summary>The log has a client in use without the clean flag: Windows did not shut down cleanly.</summary>
    Dirty,

    /// <summary>A version 2.0 restart page: Windows 8+ left metadata in its cache (Fast Startup or a power cut).</summary>
    WindowsCachedMetadata,

    /// <summary>Neither restart page is valid.</summary>
    Unreadable,
}

/// <summary>
/// One $LogFile restart page ([NTFS3G-LOG], [NTFS3G-LAYOUT] RESTART_PAGE_HEADER/RESTART_AREA):
/// "RSTR" (or "CHKD"), fixups, system page size (16), log page size (20), restart area offset
/// (24), minor (26) and major (28) version; the restart area holds the current LSN (0), the
/// client-in-use list head (12; 0xFFFF = none) and flags (14; 0x0002 = volume is clean).
/// </summary>
public sealed record LogFileRestartPage(int SystemPageSize, int MajorVersion, int MinorVersion, ulong CurrentLsn, ushort ClientInUseList, ushort Flags)
{
    public const ushort NoClient = 0xFFFF;
    public const ushort VolumeIsClean = 0x0002;

    public LogFileState State =>
        MajorVersion == 2 && MinorVersion == 0 ? LogFileState.WindowsCachedMetadata
        : ClientInUseList == NoClient || (Flags & VolumeIsClean) != 0 ? LogFileState.Clean
        : LogFileState.Dirty;

    /// <summary>The system page size a restart page declares (to know how much to read), or null when it is no restart page.</summary>
    public static int? DeclaredPageSize(ReadOnlySpan<byte> page)
    {
        if (page.Length < 32 || !(page[..4].SequenceEqual("RSTR"u8) || page[..4].SequenceEqual("CHKD"u8)))
        {
            return null;
        }

        int size = BinaryPrimitives.ReadInt32LittleEndian(page[16..]);
        return size is >= 512 and <= 65536 && (size & (size - 1)) == 0 ? size : null;
    }

    /// <summary>Parses a restart page of exactly its system page size (fixups applied to a copy); null when invalid.</summary>
    public static LogFileRestartPage? TryRead(ReadOnlySpan<byte> page)
    {
        if (DeclaredPageSize(page) is not { } size || size != page.Length)
        {
            return null;
        }

        var copy = page.ToArray();
        try
        {
            UpdateSequence.Apply(copy, "$LogFile restart page");
        }
        catch (NtfsCorruptException)
        {
            return null;
        }

        int areaOffset = BinaryPrimitives.ReadUInt16LittleEndian(copy.AsSpan(24));
        if ((areaOffset & 7) != 0 || areaOffset < 30 || areaOffset + 16 > copy.Length)
        {
            return null;
        }

        var area = copy.AsSpan(areaOffset);
        return new LogFileRestartPage(
            size,
            BinaryPrimitives.ReadInt16LittleEndian(copy.AsSpan(28)),
            BinaryPrimitives.ReadInt16LittleEndian(copy.AsSpan(26)),
            BinaryPrimitives.ReadUInt64LittleEndian(area),
            BinaryPrimitives.ReadUInt16LittleEndian(area[12..]),
            BinaryPrimitives.ReadUInt16LittleEndian(area[14..]));
    }
}
