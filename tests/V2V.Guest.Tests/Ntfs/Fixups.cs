using System.Buffers.Binary;

namespace V2V.Guest.Tests.Ntfs;

/// <summary>Writes update-sequence fixups the way NTFS does before a record goes to disk ([NTFS3G-MST]).</summary>
internal static class Fixups
{
    public static void Protect(Span<byte> record, int arrayOffset, ushort usn)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(record[arrayOffset..], usn);
        for (int i = 0; i < record.Length / 512; i++)
        {
            var tail = record.Slice(((i + 1) * 512) - 2, 2);
            tail.CopyTo(record[(arrayOffset + 2 + (2 * i))..]);
            BinaryPrimitives.WriteUInt16LittleEndian(tail, usn);
        }
    }

    /// <summary>Undoes <see cref="Protect"/>: restores the original bytes (no checks; tests patch records with it).</summary>
    public static void Remove(Span<byte> record)
    {
        int arrayOffset = BinaryPrimitives.ReadUInt16LittleEndian(record[4..]);
        for (int i = 0; i < record.Length / 512; i++)
        {
            record.Slice(arrayOffset + 2 + (2 * i), 2).CopyTo(record[(((i + 1) * 512) - 2)..]);
        }
    }
}
