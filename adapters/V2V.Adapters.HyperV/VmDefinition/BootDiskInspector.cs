using V2V.Core.Disks;
using V2V.Guest.Partitions;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>What a disk's partition table says about how it boots.</summary>
public enum BootStyle
{
    /// <summary>No partition table V2V recognises (blank, or a bare filesystem).</summary>
    Unknown,

    /// <summary>An MBR disk: BIOS boot, Hyper-V generation 1.</summary>
    Mbr,

    /// <summary>GPT without an EFI system partition: BIOS boot (GRUB's BIOS boot partition), generation 1.</summary>
    GptWithoutEsp,

    /// <summary>GPT with an EFI system partition: UEFI boot, generation 2.</summary>
    GptWithEsp,
}

/// <summary>Tells how a disk boots from its partition table (read by <see cref="PartitionTable"/>).</summary>
public static class BootDiskInspector
{
    public static BootStyle Inspect(IDiskSource disk)
    {
        var layout = PartitionTable.Read(disk);
        return layout.Scheme switch
        {
            PartitionScheme.Gpt when layout.GptUnreadable => BootStyle.Unknown,
            PartitionScheme.Gpt => layout.HasEfiSystemPartition ? BootStyle.GptWithEsp : BootStyle.GptWithoutEsp,
            PartitionScheme.Mbr => BootStyle.Mbr,
            // A whole-disk file system whose boot sector ends in 55 AA boots from BIOS like an MBR disk.
            _ => layout.HasBootSignature ? BootStyle.Mbr : BootStyle.Unknown,
        };
    }
}
