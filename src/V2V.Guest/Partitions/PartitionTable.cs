using V2V.Core.Disks;

namespace V2V.Guest.Partitions;

/// <summary>
/// Reads a disk's partition table: an MBR with its extended/logical chain, or a GPT behind a
/// protective MBR (primary header and entry array checked by CRC-32; the backup copy at the end
/// of the disk is used when the primary is damaged), or none when the disk holds a file system
/// directly. Every LBA and count read is bounded against the disk; a damaged table gives
/// findings, not exceptions. Each volume's file system is named by <see cref="FileSystemProbe"/>.
/// </summary>
public static class PartitionTable
{
    /// <summary>Bound on the logical partitions followed in an extended chain (Linux stops at 256 too).</summary>
    public const int MaxLogicalPartitions = 256;

    public static DiskLayout Read(IDiskSource disk)
    {
        int sectorSize = disk.LogicalSectorSize;
        var findings = new List<string>();
        if (disk.Capacity < 2L * sectorSize)
        {
            return new DiskLayout(PartitionScheme.None, [], findings);
        }

        var sector0 = new byte[sectorSize];
        disk.Read(0, sector0);
        var mbr = MasterBootRecord.TryRead(sector0);
        bool bootSignature = mbr is not null;

        if (mbr is not null && mbr.IsProtectiveGpt)
        {
            return GptReader.Read(disk, findings) with { MbrDiskSignature = mbr.DiskSignature, HasBootSignature = true };
        }

        // A boot sector of a file system on the whole disk also ends in 55 AA: its signature wins over
        // the "partition entries" its boot code would otherwise be read as.
        var whole = FileSystemProbe.Probe(disk, 0, disk.Capacity);
        if (whole != FileSystemKind.Unknown)
        {
            var volume = new DiskVolume(1, 0, disk.Capacity, whole, "whole disk");
            return new DiskLayout(PartitionScheme.None, [volume], findings) { HasBootSignature = bootSignature };
        }

        if (mbr is null)
        {
            return new DiskLayout(PartitionScheme.None, [], findings);
        }

        var volumes = new List<DiskVolume>();
        int nextLogical = 5;
        for (int slot = 0; slot < 4; slot++)
        {
            var entry = mbr.Entries[slot];
            if (entry.IsEmpty)
            {
                continue;
            }

            if (entry.IsExtended)
            {
                ReadExtendedChain(disk, entry, volumes, findings, ref nextLogical);
                continue;
            }

            if (Volume(disk, slot + 1, entry, entry.FirstSector, findings, $"MBR partition {slot + 1}") is { } volume)
            {
                volumes.Add(volume);
            }
        }

        return new DiskLayout(PartitionScheme.Mbr, volumes, findings) { MbrDiskSignature = mbr.DiskSignature, HasBootSignature = true };
    }

    /// <summary>
    /// Follows the EBR chain: each EBR's first entry is a logical partition relative to that EBR, its
    /// second points to the next EBR relative to the extended partition's start.
    /// </summary>
    private static void ReadExtendedChain(IDiskSource disk, MbrPartitionEntry extended, List<DiskVolume> volumes, List<string> findings, ref int nextLogical)
    {
        int sectorSize = disk.LogicalSectorSize;
        long diskSectors = disk.Capacity / sectorSize;
        long start = extended.FirstSector;
        long end = Math.Min(start + extended.SectorCount, diskSectors);
        var visited = new HashSet<long>();
        var ebr = new byte[sectorSize];
        long lba = start;
        while (true)
        {
            if (lba < start || lba >= end)
            {
                findings.Add($"extended boot record at LBA {lba} is outside the extended partition (LBA {start}-{end - 1}); chain ends there");
                return;
            }

            if (!visited.Add(lba))
            {
                findings.Add($"extended partition chain loops back to LBA {lba}; chain ends there");
                return;
            }

            if (visited.Count > MaxLogicalPartitions)
            {
                findings.Add($"extended partition chain has more than {MaxLogicalPartitions} entries; the rest is ignored");
                return;
            }

            disk.Read(lba * sectorSize, ebr);
            var record = MasterBootRecord.TryRead(ebr);
            if (record is null)
            {
                findings.Add($"extended boot record at LBA {lba} has no 55 AA signature; chain ends there");
                return;
            }

            var logical = record.Entries[0];
            if (!logical.IsEmpty && Volume(disk, nextLogical, logical, lba + logical.FirstSector, findings, $"logical partition {nextLogical}") is { } volume)
            {
                volumes.Add(volume with { IsLogical = true });
                nextLogical++;
            }

            var next = record.Entries[1];
            if (next.IsEmpty || !next.IsExtended)
            {
                return;
            }

            lba = start + next.FirstSector;
        }
    }

    private static DiskVolume? Volume(IDiskSource disk, int number, MbrPartitionEntry entry, long firstSector, List<string> findings, string what)
    {
        int sectorSize = disk.LogicalSectorSize;
        long diskSectors = disk.Capacity / sectorSize;
        if (firstSector >= diskSectors)
        {
            findings.Add($"{what} starts at LBA {firstSector}, past the end of the disk ({diskSectors} sectors); ignored");
            return null;
        }

        long sectors = entry.SectorCount;
        if (firstSector + sectors > diskSectors)
        {
            findings.Add($"{what} (LBA {firstSector}, {sectors} sectors) runs past the end of the disk; cut to the disk's end");
            sectors = diskSectors - firstSector;
        }

        long offset = firstSector * sectorSize;
        long length = sectors * sectorSize;
        var kind = entry.Type == MbrPartitionEntry.DynamicDisk ? FileSystemKind.DynamicDisk : FileSystemProbe.Probe(disk, offset, length);
        return new DiskVolume(number, offset, length, kind, PartitionTypeNames.DescribeMbr(entry.Type))
        {
            IsActive = entry.IsActive,
            MbrType = entry.Type,
        };
    }
}
