using System.Buffers.Binary;
using V2V.Core.Disks;

namespace V2V.Guest.Partitions;

/// <summary>
/// Names the file system at the start of a volume from its signatures: boot-sector OEM ids (NTFS,
/// exFAT, ReFS, BitLocker), the FAT BPB (type decided by cluster count, as Microsoft's FAT
/// specification says), the ext superblock at 1 KiB (magic 0xEF53, features tell ext2/3/4),
/// XFS "XFSB", the Btrfs superblock at 64 KiB, LVM2 "LABELONE" in sectors 0-3, the swap
/// signature at the end of the first page, and the LUKS magic.
/// </summary>
public static class FileSystemProbe
{
    /// <summary>Bytes read from the start of a volume: up to the Btrfs magic at 64 KiB + 0x40 and a 64 KiB swap page.</summary>
    public const int ProbeLength = 0x10000 + 0x1000;

    private static ReadOnlySpan<byte> LuksMagic => [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE];

    public static FileSystemKind Probe(IDiskSource disk, long offset, long length)
    {
        if (offset < 0 || length <= 0 || offset > disk.Capacity)
        {
            return FileSystemKind.Unknown;
        }

        var head = new byte[(int)Math.Min(ProbeLength, Math.Min(length, disk.Capacity - offset))];
        disk.Read(offset, head);
        return Probe(head);
    }

    /// <summary>Names the file system whose first bytes are <paramref name="head"/> (any length).</summary>
    public static FileSystemKind Probe(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 11)
        {
            var oem = head.Slice(3, 8);
            if (oem.SequenceEqual("-FVE-FS-"u8))
            {
                return FileSystemKind.BitLocker;
            }

            if (oem.SequenceEqual("NTFS    "u8))
            {
                return FileSystemKind.Ntfs;
            }

            if (oem.SequenceEqual("EXFAT   "u8))
            {
                return FileSystemKind.ExFat;
            }

            if (oem.SequenceEqual("ReFS\0\0\0\0"u8))
            {
                return FileSystemKind.ReFS;
            }
        }

        if (head.Length >= 6 && head[..6].SequenceEqual(LuksMagic))
        {
            return FileSystemKind.Luks;
        }

        if (head.Length >= 4 && head[..4].SequenceEqual("XFSB"u8))
        {
            return FileSystemKind.Xfs;
        }

        for (int sector = 0; sector < 4 && (sector + 1) * 512 <= head.Length; sector++)
        {
            var label = head.Slice(sector * 512, 32);
            if (label[..8].SequenceEqual("LABELONE"u8) && label.Slice(24, 8).SequenceEqual("LVM2 001"u8))
            {
                return FileSystemKind.LvmPhysicalVolume;
            }
        }

        if (head.Length >= 0x10048 && head.Slice(0x10040, 8).SequenceEqual("_BHRfS_M"u8))
        {
            return FileSystemKind.Btrfs;
        }

        if (Ext(head) is { } ext)
        {
            return ext;
        }

        foreach (int page in (ReadOnlySpan<int>)[4096, 8192, 16384, 65536])
        {
            if (head.Length >= page && (head.Slice(page - 10, 10).SequenceEqual("SWAPSPACE2"u8) || head.Slice(page - 10, 10).SequenceEqual("SWAP-SPACE"u8)))
            {
                return FileSystemKind.LinuxSwap;
            }
        }

        return Fat(head) ?? FileSystemKind.Unknown;
    }

    private static FileSystemKind? Ext(ReadOnlySpan<byte> head)
    {
        const int superblock = 1024;
        if (head.Length < superblock + 0x68 || BinaryPrimitives.ReadUInt16LittleEndian(head[(superblock + 0x38)..]) != 0xEF53)
        {
            return null;
        }

        uint compat = BinaryPrimitives.ReadUInt32LittleEndian(head[(superblock + 0x5C)..]);
        uint incompat = BinaryPrimitives.ReadUInt32LittleEndian(head[(superblock + 0x60)..]);
        uint roCompat = BinaryPrimitives.ReadUInt32LittleEndian(head[(superblock + 0x64)..]);
        // As blkid decides: features ext3 lacks (extents, 64bit, flex_bg, huge_file, metadata_csum, ...) mean ext4.
        const uint ext3Incompat = 0x0002 | 0x0004 | 0x0010; // filetype, recover, meta_bg
        const uint ext3RoCompat = 0x0001 | 0x0002 | 0x0004; // sparse_super, large_file, btree_dir
        if ((incompat & ~ext3Incompat) != 0 || (roCompat & ~ext3RoCompat) != 0)
        {
            return FileSystemKind.Ext4;
        }

        return (compat & 0x0004) != 0 ? FileSystemKind.Ext3 : FileSystemKind.Ext2;
    }

    /// <summary>A FAT BPB (Microsoft FAT specification §3): sane geometry, then the cluster count decides 12/16/32.</summary>
    private static FileSystemKind? Fat(ReadOnlySpan<byte> head)
    {
        if (head.Length < 512 || head[510] != 0x55 || head[511] != 0xAA || (head[0] != 0xEB && head[0] != 0xE9))
        {
            return null;
        }

        int bytesPerSector = BinaryPrimitives.ReadUInt16LittleEndian(head[11..]);
        int sectorsPerCluster = head[13];
        int reserved = BinaryPrimitives.ReadUInt16LittleEndian(head[14..]);
        int fats = head[16];
        int rootEntries = BinaryPrimitives.ReadUInt16LittleEndian(head[17..]);
        long totalSectors = BinaryPrimitives.ReadUInt16LittleEndian(head[19..]);
        byte media = head[21];
        long fatSize = BinaryPrimitives.ReadUInt16LittleEndian(head[22..]);
        if (totalSectors == 0)
        {
            totalSectors = BinaryPrimitives.ReadUInt32LittleEndian(head[32..]);
        }

        if (fatSize == 0)
        {
            fatSize = BinaryPrimitives.ReadUInt32LittleEndian(head[36..]);
        }

        bool sane = bytesPerSector is 512 or 1024 or 2048 or 4096 && sectorsPerCluster != 0 && (sectorsPerCluster & (sectorsPerCluster - 1)) == 0
            && reserved >= 1 && fats is 1 or 2 && (media >= 0xF8 || media == 0xF0) && fatSize > 0 && totalSectors > 0;
        if (!sane)
        {
            return null;
        }

        long rootSectors = ((rootEntries * 32L) + bytesPerSector - 1) / bytesPerSector;
        long dataSectors = totalSectors - (reserved + (fats * fatSize) + rootSectors);
        if (dataSectors <= 0)
        {
            return null;
        }

        long clusters = dataSectors / sectorsPerCluster;
        return clusters < 4085 ? FileSystemKind.Fat12 : clusters < 65525 ? FileSystemKind.Fat16 : FileSystemKind.Fat32;
    }
}
