using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// A key value cell ("Key value", <c>vk</c>, in the regf specification): name length at 2 (0 = the
/// default value), data size at 4 (bit 31 set: up to 4 bytes stored in the data offset field
/// itself), data offset at 8, type at 12, flags at 16 (1 = compressed name), name from 20.
/// </summary>
internal readonly record struct KeyValueCell(uint CellOffset, string Name, uint DataSize, bool DataInline, uint DataOffset, uint Type)
{
    private const int NameStart = 20;

    public static KeyValueCell Read(HiveBins bins, uint offset)
    {
        var cell = bins.Cell(offset, "key value");
        if (cell.Length < NameStart || !cell[..2].SequenceEqual("vk"u8))
        {
            throw HiveBins.Damaged(bins.File, $"key value at 0x{offset:X} is not a vk cell");
        }

        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(cell[2..]);
        if (NameStart + nameLength > cell.Length)
        {
            throw HiveBins.Damaged(bins.File, $"key value at 0x{offset:X} has a name of {nameLength} bytes, longer than its cell");
        }

        uint size = BinaryPrimitives.ReadUInt32LittleEndian(cell[4..]);
        bool compressed = (BinaryPrimitives.ReadUInt16LittleEndian(cell[16..]) & 1) != 0;
        return new KeyValueCell(
            offset, RegistryNames.Decode(cell.Slice(NameStart, nameLength), compressed), size & 0x7FFFFFFF, (size & 0x80000000) != 0,
            BinaryPrimitives.ReadUInt32LittleEndian(cell[8..]), BinaryPrimitives.ReadUInt32LittleEndian(cell[12..]));
    }
}
