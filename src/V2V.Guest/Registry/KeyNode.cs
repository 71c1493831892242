using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// A key node cell ("Key node", <c>nk</c>, in the regf specification): flags at 2, FILETIME at 4,
/// parent at 16, subkey count and list at 20/28, value count and list at 36/40, sk at 44, class
/// name at 48 (length at 74), name length at 72, name from 76. Volatile subkeys (24/32) live only
/// in memory and are ignored on disk.
/// </summary>
internal readonly record struct KeyNode(
    uint CellOffset,
    ushort Flags,
    long LastWritten,
    uint Parent,
    uint SubkeyCount,
    uint SubkeyList,
    uint ValueCount,
    uint ValueList,
    uint Security,
    uint ClassName,
    ushort ClassLength,
    string Name)
{
    public const ushort RootFlag = 0x0004;
    public const ushort SymbolicLinkFlag = 0x0010;
    public const ushort CompressedNameFlag = 0x0020;
    private const int NameStart = 76;

    public static KeyNode Read(HiveBins bins, uint offset, string what)
    {
        var cell = bins.Cell(offset, what);
        if (cell.Length < NameStart || !cell[..2].SequenceEqual("nk"u8))
        {
            throw HiveBins.Damaged(bins.File, $"{what} at 0x{offset:X} is not a key node (nk)");
        }

        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(cell[2..]);
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(cell[72..]);
        if (NameStart + nameLength > cell.Length)
        {
            throw HiveBins.Damaged(bins.File, $"key node at 0x{offset:X} has a name of {nameLength} bytes, longer than its cell");
        }

        return new KeyNode(
            offset, flags, BinaryPrimitives.ReadInt64LittleEndian(cell[4..]), U32(cell, 16), U32(cell, 20), U32(cell, 28),
            U32(cell, 36), U32(cell, 40), U32(cell, 44), U32(cell, 48), BinaryPrimitives.ReadUInt16LittleEndian(cell[74..]),
            RegistryNames.Decode(cell.Slice(NameStart, nameLength), (flags & CompressedNameFlag) != 0));
    }

    private static uint U32(ReadOnlySpan<byte> cell, int at) => BinaryPrimitives.ReadUInt32LittleEndian(cell[at..]);
}
