namespace V2V.Guest.Partitions;

/// <summary>How a disk is partitioned.</summary>
public enum PartitionScheme
{
    /// <summary>No partition table: blank, or a file system on the whole disk (one volume).</summary>
    None,
    Mbr,
    Gpt,
}

/// <summary>
/// What <see cref="PartitionTable.Read"/> found: the scheme, the volumes in table order, and
/// findings (damaged or out-of-range structures, the backup GPT used) in plain sentences.
/// </summary>
public sealed record DiskLayout(PartitionScheme Scheme, IReadOnlyList<DiskVolume> Volumes, IReadOnlyList<string> Findings)
{
    /// <summary>The MBR disk signature (also present in a GPT disk's protective MBR); null without a 55 AA sector 0.</summary>
    public uint? MbrDiskSignature { get; init; }

    /// <summary>Sector 0 ends in 55 AA (an MBR, or a boot sector of a whole-disk file system).</summary>
    public bool HasBootSignature { get; init; }

    public Guid? GptDiskGuid { get; init; }

    /// <summary>The primary GPT header or its entries were damaged, so the backup at the end of the disk was read.</summary>
    public bool GptFromBackup { get; init; }

    /// <summary>A protective MBR was found but neither GPT header with its entries could be read.</summary>
    public bool GptUnreadable => Scheme == PartitionScheme.Gpt && GptDiskGuid is null;

    public bool IsDynamicDisk => Volumes.Any(v => v.FileSystem == FileSystemKind.DynamicDisk);

    public bool HasEfiSystemPartition => Volumes.Any(v => v.GptType == PartitionTypeNames.EfiSystem);

    /// <summary>How the disk boots: GPT with or without an EFI system partition, MBR, or unknown.</summary>
    public BootStyle BootStyle => Scheme switch
    {
        PartitionScheme.Gpt when GptUnreadable => BootStyle.Unknown,
        PartitionScheme.Gpt => HasEfiSystemPartition ? BootStyle.GptWithEsp : BootStyle.GptWithoutEsp,
        PartitionScheme.Mbr => BootStyle.Mbr,
        // A whole-disk file system whose boot sector ends in 55 AA boots from BIOS like an MBR disk.
        _ => HasBootSignature ? BootStyle.Mbr : BootStyle.Unknown,
    };
}
