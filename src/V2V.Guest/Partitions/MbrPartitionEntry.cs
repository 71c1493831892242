using System.Buffers.Binary;

namespace V2V.Guest.Partitions;

/// <summary>
/// One 16-byte MBR partition entry (at 0x1BE + 16 * n of an MBR or EBR): boot indicator, CHS
/// fields (ignored), type, first sector (LBA, u32) and sector count (u32).
/// </summary>
public readonly record struct MbrPartitionEntry(byte Status, byte Type, uint FirstSector, uint SectorCount)
{
    public const int Size = 16;
    public const int TableOffset = 0x1BE;

    /// <summary>Type 0xEE: the protective entry of a GPT disk (UEFI 2.10 §5.2.3).</summary>
    public const byte ProtectiveGpt = 0xEE;

    /// <summary>Type 0x42: a Windows dynamic disk (LDM) [FLATCAP-LDM].</summary>
    public const byte DynamicDisk = 0x42;

    public bool IsEmpty => Type == 0 || SectorCount == 0;
    public bool IsActive => Status == 0x80;

    /// <summary>CHS (0x05), LBA (0x0F) and Linux (0x85) extended partitions hold a chain of EBRs.</summary>
    public bool IsExtended => Type is 0x05 or 0x0F or 0x85;

    public static MbrPartitionEntry Read(ReadOnlySpan<byte> sector, int index)
    {
        var entry = sector.Slice(TableOffset + index * Size, Size);
        return new MbrPartitionEntry(
            entry[0], entry[4], BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]), BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]));
    }
}
