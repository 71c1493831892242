namespace V2V.Guest.Partitions;

/// <summary>What a disk's partition table says about how it boots (<see cref="DiskLayout.BootStyle"/>).</summary>
public enum BootStyle
{
    /// <summary>No partition table V2V recognises (blank, unreadable GPT, or a bare file system without 55 AA).</summary>
    Unknown,

    /// <summary>An MBR disk, or a whole-disk file system whose boot sector ends in 55 AA: BIOS boot, Hyper-V generation 1.</summary>
    Mbr,

    /// <summary>GPT without an EFI system partition: BIOS boot (GRUB's BIOS boot partition), generation 1.</summary>
    GptWithoutEsp,

    /// <summary>GPT with an EFI system partition: UEFI boot, generation 2.</summary>
    GptWithEsp,
}
