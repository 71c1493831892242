using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// One $I30 index entry ([NTFS3G-LAYOUT] INDEX_ENTRY): file reference (0), entry length (8), key
/// length (10), flags (12: 1 has a sub-node, 2 last entry), key (16, a $FILE_NAME), and the
/// sub-node's VCN in the entry's last 8 bytes when flag 1 is set.
/// </summary>
internal sealed record IndexEntry(long RecordNumber, ushort Sequence, NtfsFileName? Key, long? SubnodeVcn, bool IsLast)
{
    private const ushort FlagSubnode = 1;
    private const ushort FlagLast = 2;

    /// <summary>Parses the entries of a node from <paramref name="entries"/> (the node's entry area), up to the last entry.</summary>
    public static List<IndexEntry> ParseNode(ReadOnlySpan<byte> entries, string where)
    {
        var list = new List<IndexEntry>();
        int pos = 0;
        while (true)
        {
            if (pos + 16 > entries.Length)
            {
                throw new NtfsCorruptException($"{where}: index entries run past the node without a last entry");
            }

            long reference = BinaryPrimitives.ReadInt64LittleEndian(entries[pos..]);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(entries[(pos + 8)..]);
            int keyLength = BinaryPrimitives.ReadUInt16LittleEndian(entries[(pos + 10)..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(entries[(pos + 12)..]);
            bool last = (flags & FlagLast) != 0;
            bool subnode = (flags & FlagSubnode) != 0;
            int minimum = 16 + (last ? 0 : keyLength) + (subnode ? 8 : 0);
            if (length < minimum || (length & 7) != 0 || pos + length > entries.Length)
            {
                throw new NtfsCorruptException($"{where}: index entry at byte {pos} has an invalid length {length}");
            }

            var key = last ? null : NtfsFileName.Parse(entries.Slice(pos + 16, keyLength));
            long? vcn = subnode ? BinaryPrimitives.ReadInt64LittleEndian(entries[(pos + length - 8)..]) : null;
            list.Add(new IndexEntry(reference & 0xFFFF_FFFF_FFFF, (ushort)(reference >>> 48), key, vcn, last));
            if (last)
            {
                return list;
            }

            pos += length;
        }
    }
}
