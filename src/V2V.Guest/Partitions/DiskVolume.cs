namespace V2V.Guest.Partitions;

/// <summary>
/// A volume found on a disk: a partition (MBR primary or logical, GPT entry) or the whole disk
/// when it holds a file system directly. Offsets and lengths are bytes from the start of the disk.
/// </summary>
/// <param name="Number">1-based: MBR primaries 1-4 by slot, logicals from 5 in chain order (as Linux numbers them); GPT entries by index + 1; a whole-disk volume is 1.</param>
/// <param name="PartitionType">"MBR 0x07 (NTFS/exFAT/IFS)", a GPT type name or GUID, or "whole disk".</param>
public sealed record DiskVolume(int Number, long Offset, long Length, FileSystemKind FileSystem, string PartitionType)
{
    /// <summary>MBR boot indicator 0x80.</summary>
    public bool IsActive { get; init; }

    /// <summary>A logical partition inside an MBR extended partition.</summary>
    public bool IsLogical { get; init; }

    public byte? MbrType { get; init; }
    public Guid? GptType { get; init; }
    public Guid? GptUniqueGuid { get; init; }

    /// <summary>The GPT partition name ("Basic data partition"), when the table is GPT.</summary>
    public string? Name { get; init; }
}
