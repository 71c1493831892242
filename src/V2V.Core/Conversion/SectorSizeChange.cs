using V2V.Core.Disks;

namespace V2V.Core.Conversion;

/// <summary>
/// Whether a target may take another logical sector size than its source's. The bytes are
/// copied unchanged, but an MBR (and GPT's protective MBR, GPT header and entries) and an NTFS or
/// FAT boot sector give their positions in sectors: read with 4096-byte sectors, a partition
/// written at LBA 2048 of a 512-byte disk lands at 8 MiB instead of 1 MiB and the guest no longer
/// boots. Such a disk is recognised by the 55 AA signature that ends its first sector (MBR,
/// protective MBR or boot sector alike).
/// </summary>
public static class SectorSizeChange
{
    /// <summary>
    /// Why <paramref name="source"/> cannot be written to <paramref name="targetPath"/> with
    /// <paramref name="targetSectorSize"/>-byte logical sectors, or null: a blank disk, one without
    /// a partition table or boot sector, or no change at all.
    /// </summary>
    public static string? Problem(IDiskSource source, int targetSectorSize, string targetPath)
    {
        // Sizes other than 512 and 4096 are refused by the target formats, with their own message.
        if (targetSectorSize == source.LogicalSectorSize || targetSectorSize is not (512 or 4096) || source.Capacity < 512)
        {
            return null;
        }

        Span<byte> first = stackalloc byte[512];
        source.Read(0, first);
        return first[510] == 0x55 && first[511] == 0xAA
            ? $"{targetPath}: a {targetSectorSize}-byte logical sector size would misplace every partition of {source.Path}, "
                + $"whose partition table or boot sector counts {source.LogicalSectorSize}-byte sectors (the guest would not boot); "
                + "keep the source's sector size (leave out --sector-size / sector-size)"
            : null;
    }
}
