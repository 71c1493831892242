using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// The resident $INDEX_ROOT value ([NTFS3G-LAYOUT] INDEX_ROOT): indexed attribute type (0; 0x30
/// for $I30), collation rule (4; 1 = file name), index record size (8), clusters per index record
/// (12), then the root node (header at 16).
/// </summary>
internal sealed record IndexRoot(int IndexRecordSize, List<IndexEntry> Entries)
{
    private const uint CollationFileName = 1;

    public static IndexRoot Parse(ReadOnlySpan<byte> value, string where)
    {
        if (value.Length < 32)
        {
            throw new NtfsCorruptException($"{where}: $INDEX_ROOT of {value.Length} bytes is too short");
        }

        var indexed = (AttributeType)BinaryPrimitives.ReadUInt32LittleEndian(value);
        uint collation = BinaryPrimitives.ReadUInt32LittleEndian(value[4..]);
        int recordSize = BinaryPrimitives.ReadInt32LittleEndian(value[8..]);
        if (indexed != AttributeType.FileName || collation != CollationFileName)
        {
            throw new NtfsCorruptException($"{where}: $INDEX_ROOT indexes type 0x{(uint)indexed:X} with collation {collation}, not file names");
        }

        if (recordSize is < 512 or > 65536 || (recordSize & (recordSize - 1)) != 0)
        {
            throw new NtfsCorruptException($"{where}: index record size {recordSize} is invalid");
        }

        return new IndexRoot(recordSize, IndexEntry.ParseNode(IndexNodeHeader.Entries(value, 16, where), where));
    }
}
