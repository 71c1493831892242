using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// Protects a FILE or INDX record before it is written ([NTFS3G-MST] ntfs_mst_pre_write_fixup):
/// the update sequence number is incremented (skipping 0 and 0xFFFF), each 512-byte block's last
/// two bytes move to the array and the number takes their place. The inverse of <see cref="UpdateSequence.Apply"/>.
/// </summary>
internal static class UpdateSequenceWriter
{
    private const int Block = 512;

    public static void Protect(Span<byte> record)
    {
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(record[6..]);
        int blocks = record.Length / Block;
        if (count != blocks + 1 || offset + (count * 2) > Block - 2)
        {
            throw new NtfsCorruptException($"update sequence array (offset {offset}, count {count}) does not match a {record.Length}-byte record");
        }

        ushort usn = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(record[offset..]) + 1);
        if (usn is 0 or 0xFFFF)
        {
            usn = 1;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(record[offset..], usn);
        for (int i = 0; i < blocks; i++)
        {
            var tail = record.Slice(((i + 1) * Block) - 2, 2);
            tail.CopyTo(record.Slice(offset + 2 + (i * 2), 2));
            BinaryPrimitives.WriteUInt16LittleEndian(tail, usn);
        }
    }
}
