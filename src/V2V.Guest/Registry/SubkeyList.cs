using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// Subkey lists ("Index leaf", "Fast leaf", "Hash leaf", "Index root" in the regf specification):
/// <c>li</c> holds key node offsets, <c>lf</c>/<c>lh</c> offset + 4-byte name hint or hash, <c>ri</c>
/// offsets of leaf lists. Each starts with its signature and a u16 element count. An ri never
/// points to another ri; a hive that does is damaged (and would otherwise loop).
/// </summary>
internal static class SubkeyList
{
    /// <summary>Appends the key node offsets listed at <paramref name="listOffset"/> (owned by the key at <paramref name="owner"/>).</summary>
    public static void Collect(HiveBins bins, uint listOffset, uint owner, List<uint> into)
    {
        var cell = bins.Cell(listOffset, $"subkey list of the key at 0x{owner:X}");
        if (IsSignature(cell, "ri"u8))
        {
            foreach (uint leaf in Elements(bins, cell, listOffset, 4))
            {
                var leafCell = bins.Cell(leaf, $"subkey list in the index root at 0x{listOffset:X}");
                if (IsSignature(leafCell, "ri"u8))
                {
                    throw HiveBins.Damaged(bins.File, $"index root at 0x{listOffset:X} points to another index root at 0x{leaf:X}");
                }

                CollectLeaf(bins, leafCell, leaf, into);
            }
        }
        else
        {
            CollectLeaf(bins, cell, listOffset, into);
        }
    }

    private static void CollectLeaf(HiveBins bins, ReadOnlySpan<byte> cell, uint offset, List<uint> into)
    {
        int stride = IsSignature(cell, "li"u8) ? 4
            : IsSignature(cell, "lf"u8) || IsSignature(cell, "lh"u8) ? 8
            : throw HiveBins.Damaged(bins.File, $"subkey list at 0x{offset:X} has signature {Convert.ToHexString(cell[..Math.Min(2, cell.Length)])}, not li/lf/lh/ri");
        into.AddRange(Elements(bins, cell, offset, stride));
    }

    private static uint[] Elements(HiveBins bins, ReadOnlySpan<byte> cell, uint offset, int stride)
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(cell[2..]);
        if (4 + ((long)count * stride) > cell.Length)
        {
            throw HiveBins.Damaged(bins.File, $"subkey list at 0x{offset:X} claims {count} elements, more than its cell holds");
        }

        var elements = new uint[count];
        for (int i = 0; i < count; i++)
        {
            elements[i] = BinaryPrimitives.ReadUInt32LittleEndian(cell[(4 + (i * stride))..]);
        }

        return elements;
    }

    private static bool IsSignature(ReadOnlySpan<byte> cell, ReadOnlySpan<byte> signature) => cell.Length >= 4 && cell[..2].SequenceEqual(signature);
}
