using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// The node header shared by $INDEX_ROOT (at 16) and INDX records (at 24) ([NTFS3G-LAYOUT]
/// INDEX_HEADER): offset of the first entry (0), bytes in use (4) and allocated (8), both counted
/// from the header itself, and flags (12; 1 = the node has children).
/// </summary>
internal static class IndexNodeHeader
{
    /// <summary>The entry area of the node whose header starts at <paramref name="headerOffset"/> in <paramref name="buffer"/>.</summary>
    public static ReadOnlySpan<byte> Entries(ReadOnlySpan<byte> buffer, int headerOffset, string where)
    {
        if (headerOffset + 16 > buffer.Length)
        {
            throw new NtfsCorruptException($"{where}: index node header runs past its buffer");
        }

        long first = BinaryPrimitives.ReadUInt32LittleEndian(buffer[headerOffset..]);
        long used = BinaryPrimitives.ReadUInt32LittleEndian(buffer[(headerOffset + 4)..]);
        if (first < 16 || used < first || headerOffset + used > buffer.Length)
        {
            throw new NtfsCorruptException($"{where}: index node entries (offset {first}, bytes in use {used}) do not fit");
        }

        return buffer.Slice(headerOffset + (int)first, (int)(used - first));
    }
}
