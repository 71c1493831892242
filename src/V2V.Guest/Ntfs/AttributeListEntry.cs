using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Ntfs;

/// <summary>
/// One $ATTRIBUTE_LIST entry ([NTFS3G-LAYOUT] ATTR_LIST_ENTRY): type (0), entry length (4), name
/// length (6) and offset (7), lowest VCN (8), the file reference of the record holding the
/// attribute (16), attribute id (24), name.
/// </summary>
internal sealed record AttributeListEntry(AttributeType Type, string Name, long LowestVcn, long RecordNumber, ushort Sequence, ushort Id)
{
    /// <summary>Parses every entry of an attribute list value.</summary>
    public static List<AttributeListEntry> ParseAll(ReadOnlySpan<byte> list)
    {
        var entries = new List<AttributeListEntry>();
        int pos = 0;
        while (pos + 26 <= list.Length)
        {
            var type = (AttributeType)BinaryPrimitives.ReadUInt32LittleEndian(list[pos..]);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(list[(pos + 4)..]);
            int nameLength = list[pos + 6];
            int nameOffset = list[pos + 7];
            if (length < 26 || pos + length > list.Length || (nameLength > 0 && nameOffset + (nameLength * 2) > length))
            {
                throw new NtfsCorruptException($"attribute list entry at byte {pos} has an invalid length {length} or name");
            }

            long reference = BinaryPrimitives.ReadInt64LittleEndian(list[(pos + 16)..]);
            entries.Add(new AttributeListEntry(
                type,
                nameLength == 0 ? "" : Encoding.Unicode.GetString(list.Slice(pos + nameOffset, nameLength * 2)),
                BinaryPrimitives.ReadInt64LittleEndian(list[(pos + 8)..]),
                reference & 0xFFFF_FFFF_FFFF,
                (ushort)(reference >>> 48),
                BinaryPrimitives.ReadUInt16LittleEndian(list[(pos + 24)..])));
            pos += length;
        }

        return entries;
    }
}
