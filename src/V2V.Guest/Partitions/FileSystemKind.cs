namespace V2V.Guest.Partitions;

/// <summary>What a volume's first bytes say it holds (see <see cref="FileSystemProbe"/>).</summary>
public enum FileSystemKind
{
    /// <summary>No signature V2V knows (blank, or a file system it does not name).</summary>
    Unknown,
    Ntfs,
    Fat12,
    Fat16,
    Fat32,
    ExFat,
    ReFS,

    /// <summary>A BitLocker-encrypted volume ("-FVE-FS-" in its boot sector); its content is unreadable.</summary>
    BitLocker,
    Ext2,
    Ext3,
    Ext4,
    Xfs,
    Btrfs,

    /// <summary>An LVM2 physical volume ("LABELONE" label).</summary>
    LvmPhysicalVolume,
    LinuxSwap,

    /// <summary>A LUKS (1 or 2) encrypted volume.</summary>
    Luks,

    /// <summary>Part of a Windows dynamic disk (LDM): MBR type 0x42 or a GPT LDM metadata/data partition.</summary>
    DynamicDisk,
}

/// <summary>Display names of <see cref="FileSystemKind"/>.</summary>
public static class FileSystemKindNames
{
    public static string Describe(this FileSystemKind kind) => kind switch
    {
        FileSystemKind.Ntfs => "NTFS",
        FileSystemKind.Fat12 => "FAT12",
        FileSystemKind.Fat16 => "FAT16",
        FileSystemKind.Fat32 => "FAT32",
        FileSystemKind.ExFat => "exFAT",
        FileSystemKind.ReFS => "ReFS",
        FileSystemKind.BitLocker => "BitLocker",
        FileSystemKind.Ext2 => "ext2",
        FileSystemKind.Ext3 => "ext3",
        FileSystemKind.Ext4 => "ext4",
        FileSystemKind.Xfs => "XFS",
        FileSystemKind.Btrfs => "Btrfs",
        FileSystemKind.LvmPhysicalVolume => "LVM2 physical volume",
        FileSystemKind.LinuxSwap => "Linux swap",
        FileSystemKind.Luks => "LUKS",
        FileSystemKind.DynamicDisk => "Windows dynamic disk (LDM)",
        _ => "unknown",
    };
}
