using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// One "INDX" record of $INDEX_ALLOCATION ([NTFS3G-LAYOUT] INDEX_BLOCK): fixups, its own VCN (16),
/// then a node header at 24.
/// </summary>
internal static class IndexRecord
{
    /// <summary>Applies fixups to <paramref name="record"/> in place, checks its VCN and returns its entries.</summary>
    public static List<IndexEntry> Parse(Span<byte> record, long expectedVcn, string where)
    {
        if (!record[..4].SequenceEqual("INDX"u8))
        {
            throw new NtfsCorruptException($"{where}: no \"INDX\" signature");
        }

        UpdateSequence.Apply(record, where);
        long vcn = BinaryPrimitives.ReadInt64LittleEndian(record[16..]);
        if (vcn != expectedVcn)
        {
            throw new NtfsCorruptException($"{where}: record says it is VCN {vcn}");
        }

        return IndexEntry.ParseNode(IndexNodeHeader.Entries(record, 24, where), where);
    }
}
