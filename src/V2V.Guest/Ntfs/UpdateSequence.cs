using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// Update-sequence (multi-sector transfer) fixups of FILE, INDX and RSTR records ([NTFS3G-MST]):
/// the last two bytes of every 512-byte block hold the update sequence number, and the array at
/// the offset in the header (u16 at 4, count u16 at 6 = 1 + blocks) holds the original bytes.
/// </summary>
internal static class UpdateSequence
{
    private const int Block = 512;

    /// <summary>Checks every block's USN and restores the original bytes in place.</summary>
    /// <exception cref="NtfsCorruptException">The array does not fit or a block was torn (USN mismatch).</exception>
    public static void Apply(Span<byte> record, string what)
    {
        int offset = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(record[6..]);
        int blocks = record.Length / Block;
        if (count != blocks + 1 || (offset & 1) != 0 || offset < 8 || offset + (count * 2) > Block - 2)
        {
            throw new NtfsCorruptException($"{what}: update sequence array (offset {offset}, count {count}) does not match a {record.Length}-byte record");
        }

        ushort usn = BinaryPrimitives.ReadUInt16LittleEndian(record[offset..]);
        for (int i = 0; i < blocks; i++)
        {
            var tail = record.Slice(((i + 1) * Block) - 2, 2);
            if (BinaryPrimitives.ReadUInt16LittleEndian(tail) != usn)
            {
                throw new NtfsCorruptException($"{what}: update sequence number mismatch in 512-byte block {i} (torn write)");
            }

            record.Slice(offset + 2 + (i * 2), 2).CopyTo(tail);
        }
    }
}
