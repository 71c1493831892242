using System.Buffers.Binary;
using V2V.Core.Disks;

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

/// <summary>Reads a disk's MBR and GPT to tell how it boots; every number read is bounded.</summary>
public static class BootDiskInspector
{
    private static readonly Guid EfiSystemPartition = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");

    public static BootStyle Inspect(IDiskSource disk)
    {
        int sector = disk.LogicalSectorSize;
        if (disk.Capacity < 2L * sector)
        {
            return BootStyle.Unknown;
        }

        var mbr = new byte[sector];
        disk.Read(0, mbr);
        if (mbr[510] != 0x55 || mbr[511] != 0xAA)
        {
            return BootStyle.Unknown;
        }

        bool protective = Enumerable.Range(0, 4).Any(i => mbr[446 + i * 16 + 4] == 0xEE);
        if (!protective)
        {
            return BootStyle.Mbr;
        }

        var header = new byte[sector];
        disk.Read(sector, header);
        if (!header.AsSpan(0, 8).SequenceEqual("EFI PART"u8))
        {
            return BootStyle.Unknown;
        }

        long entriesLba = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(72));
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(80));
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(84));
        if (entriesLba < 2 || count == 0 || count > 1024 || size < 128 || size > 1024 || entriesLba > disk.Capacity / sector - (count * size + sector - 1) / sector)
        {
            return BootStyle.Unknown;
        }

        var entries = new byte[(count * size + sector - 1) / sector * sector];
        disk.Read(entriesLba * sector, entries);
        for (int i = 0; i < count; i++)
        {
            if (new Guid(entries.AsSpan((int)(i * size), 16)) == EfiSystemPartition)
            {
                return BootStyle.GptWithEsp;
            }
        }

        return BootStyle.GptWithoutEsp;
    }
}
