using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// The NTFS boot sector (WINDOWS.md §8, [NTFS3G-LAYOUT] NTFS_BOOT_SECTOR): OEM id "NTFS    " at 3,
/// bytes per sector (0x0B), sectors per cluster (0x0D; above 128 means 2^(256-n)), total sectors
/// (0x28), $MFT and $MFTMirr LCNs (0x30, 0x38), MFT record and index record sizes (0x40, 0x44:
/// clusters, or 2^-n bytes when negative) and the serial number (0x48).
/// </summary>
public sealed record NtfsBootSector(int BytesPerSector, int ClusterSize, long TotalSectors, long MftLcn, long MftMirrLcn, int MftRecordSize, int IndexRecordSize, ulong SerialNumber)
{
    /// <summary>Largest cluster Windows formats (2 MiB, Windows 10 1709+).</summary>
    public const int MaxClusterSize = 2 << 20;

    public long ClusterCount => TotalSectors * BytesPerSector / ClusterSize;

    /// <summary>Parses a boot sector; null with the reason when it is not NTFS or a field is out of range.</summary>
    public static NtfsBootSector? TryRead(ReadOnlySpan<byte> sector, out string? problem)
    {
        problem = null;
        if (sector.Length < 512 || !sector.Slice(3, 8).SequenceEqual("NTFS    "u8))
        {
            problem = "no \"NTFS    \" OEM id at offset 3";
            return null;
        }

        int bytesPerSector = BinaryPrimitives.ReadUInt16LittleEndian(sector[0x0B..]);
        if (bytesPerSector is < 256 or > 4096 || (bytesPerSector & (bytesPerSector - 1)) != 0)
        {
            problem = $"bytes per sector {bytesPerSector} is not a power of two from 256 to 4096";
            return null;
        }

        int raw = sector[0x0D];
        long sectorsPerCluster = raw > 128 ? 1L << Math.Min(256 - raw, 31) : raw;
        long clusterSize = sectorsPerCluster * bytesPerSector;
        if (sectorsPerCluster == 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) != 0 || clusterSize > MaxClusterSize)
        {
            problem = $"sectors per cluster byte 0x{raw:X2} gives an invalid cluster size";
            return null;
        }

        long totalSectors = BinaryPrimitives.ReadInt64LittleEndian(sector[0x28..]);
        long mftLcn = BinaryPrimitives.ReadInt64LittleEndian(sector[0x30..]);
        long mirrLcn = BinaryPrimitives.ReadInt64LittleEndian(sector[0x38..]);
        long clusters = totalSectors > 0 && totalSectors < long.MaxValue / bytesPerSector ? totalSectors * bytesPerSector / clusterSize : -1;
        if (clusters <= 0 || mftLcn < 0 || mftLcn >= clusters || mirrLcn < 0 || mirrLcn >= clusters)
        {
            problem = $"total sectors {totalSectors}, $MFT LCN {mftLcn} or $MFTMirr LCN {mirrLcn} is out of range";
            return null;
        }

        int? recordSize = RecordSize((sbyte)sector[0x40], (int)clusterSize);
        int? indexSize = RecordSize((sbyte)sector[0x44], (int)clusterSize);
        if (recordSize is null || indexSize is null)
        {
            problem = $"MFT record size byte 0x{sector[0x40]:X2} or index record size byte 0x{sector[0x44]:X2} is invalid";
            return null;
        }

        return new NtfsBootSector(bytesPerSector, (int)clusterSize, totalSectors, mftLcn, mirrLcn, recordSize.Value, indexSize.Value,
            BinaryPrimitives.ReadUInt64LittleEndian(sector[0x48..]));
    }

    /// <summary>Positive: clusters; negative: 2^-n bytes. Records carry 512-byte fixup strides, so 512 B to 64 KiB.</summary>
    private static int? RecordSize(sbyte raw, int clusterSize)
    {
        long size = raw > 0 ? (long)raw * clusterSize : raw < 0 && raw >= -31 ? 1L << -raw : 0;
        return size is >= 512 and <= 65536 && (size & (size - 1)) == 0 ? (int)size : null;
    }
}
