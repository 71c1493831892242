using System.IO.Hashing;
using V2V.Core.Disks;

namespace V2V.Guest.Partitions;

/// <summary>
/// Reads a GPT: the primary header at LBA 1 and its entry array, each checked by CRC-32; when
/// either is damaged, the backup header (at the primary's AlternateLBA, else the disk's last LBA)
/// and its own entry array (UEFI 2.10 §5.3.2 "the backup is used when the primary is invalid").
/// </summary>
internal static class GptReader
{
    public static DiskLayout Read(IDiskSource disk, List<string> findings)
    {
        int sectorSize = disk.LogicalSectorSize;
        long diskSectors = disk.Capacity / sectorSize;
        var primary = TryCopy(disk, 1, diskSectors, "primary", findings, out var primaryEntries);
        if (primary is not null && primaryEntries is not null)
        {
            return Layout(disk, primary, primaryEntries, findings, fromBackup: false);
        }

        long backupLba = primary is not null && primary.AlternateLba > 1 && primary.AlternateLba < diskSectors ? primary.AlternateLba : diskSectors - 1;
        var backup = TryCopy(disk, backupLba, diskSectors, "backup", findings, out var backupEntries);
        if (backup is not null && backupEntries is not null)
        {
            findings.Add($"the primary GPT is damaged; the backup header at LBA {backupLba} was used");
            return Layout(disk, backup, backupEntries, findings, fromBackup: true);
        }

        findings.Add("protective MBR found, but neither GPT header with its partition entries is readable");
        return new DiskLayout(PartitionScheme.Gpt, [], findings);
    }

    private static GptHeader? TryCopy(IDiskSource disk, long lba, long diskSectors, string which, List<string> findings, out byte[]? entries)
    {
        entries = null;
        int sectorSize = disk.LogicalSectorSize;
        var sector = new byte[sectorSize];
        disk.Read(lba * sectorSize, sector);
        var header = GptHeader.TryRead(sector, lba, diskSectors, out var problem);
        if (header is null)
        {
            findings.Add($"{which} GPT header at LBA {lba}: {problem}");
            return null;
        }

        long arraySectors = (header.EntryArrayBytes + sectorSize - 1) / sectorSize;
        if (header.PartitionEntryLba + arraySectors > diskSectors)
        {
            findings.Add($"{which} GPT partition entry array at LBA {header.PartitionEntryLba} runs past the end of the disk");
            return header;
        }

        var array = new byte[header.EntryArrayBytes];
        disk.Read(header.PartitionEntryLba * sectorSize, array);
        uint actual = Crc32.HashToUInt32(array);
        if (actual != header.PartitionEntryArrayCrc32)
        {
            findings.Add($"{which} GPT partition entry array at LBA {header.PartitionEntryLba}: CRC-32 is 0x{header.PartitionEntryArrayCrc32:X8}, computed 0x{actual:X8}");
            return header;
        }

        entries = array;
        return header;
    }

    private static DiskLayout Layout(IDiskSource disk, GptHeader header, byte[] array, List<string> findings, bool fromBackup)
    {
        int sectorSize = disk.LogicalSectorSize;
        long diskSectors = disk.Capacity / sectorSize;
        var volumes = new List<DiskVolume>();
        for (int i = 0; i < header.NumberOfPartitionEntries; i++)
        {
            var entry = GptPartitionEntry.Read(array.AsSpan(i * header.SizeOfPartitionEntry, 128));
            if (entry.IsUnused)
            {
                continue;
            }

            if (entry.FirstLba < 0 || entry.LastLba < entry.FirstLba || entry.LastLba >= diskSectors)
            {
                findings.Add($"GPT partition {i + 1} (LBA {entry.FirstLba}-{entry.LastLba}) does not fit a disk of {diskSectors} sectors; ignored");
                continue;
            }

            long offset = entry.FirstLba * sectorSize;
            long length = (entry.LastLba - entry.FirstLba + 1) * sectorSize;
            bool ldm = entry.TypeGuid == PartitionTypeNames.LdmMetadata || entry.TypeGuid == PartitionTypeNames.LdmData;
            var kind = ldm ? FileSystemKind.DynamicDisk : FileSystemProbe.Probe(disk, offset, length);
            volumes.Add(new DiskVolume(i + 1, offset, length, kind, PartitionTypeNames.DescribeGpt(entry.TypeGuid))
            {
                GptType = entry.TypeGuid,
                GptUniqueGuid = entry.UniqueGuid,
                Name = entry.Name,
            });
        }

        return new DiskLayout(PartitionScheme.Gpt, volumes, findings) { GptDiskGuid = header.DiskGuid, GptFromBackup = fromBackup };
    }
}
