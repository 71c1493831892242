using System.Buffers.Binary;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// A grain as a zlib stream (RFC 1950) of deflate stored blocks (RFC 1951 §3.2.4): the two-byte
/// header, blocks of at most 65535 bytes each behind its 5-byte head (BFINAL on the last, BTYPE 00,
/// LEN, NLEN), then the Adler-32 of the data, big-endian. What zlib makes at level 0, written
/// without deflate's window copies: for grains that would not compress, one copy and one checksum.
/// </summary>
internal static class StoredZlibGrain
{
    private const int MaxBlock = 65535;

    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest; CMF·256 + FLG is a multiple of 31, no dictionary).
    private static ReadOnlySpan<byte> Header => [0x78, 0x01];

    /// <summary>Appends <paramref name="data"/> as one zlib stream to <paramref name="spool"/>; returns the bytes appended.</summary>
    public static int Append(ReadOnlySpan<byte> data, GrainSpool spool)
    {
        int start = spool.Length;
        spool.Append(Header);
        Span<byte> head = stackalloc byte[5];
        int done = 0;
        do
        {
            int block = Math.Min(MaxBlock, data.Length - done);
            head[0] = done + block == data.Length ? (byte)1 : (byte)0;
            BinaryPrimitives.WriteUInt16LittleEndian(head[1..], (ushort)block);
            BinaryPrimitives.WriteUInt16LittleEndian(head[3..], (ushort)~block);
            spool.Append(head);
            spool.Append(data.Slice(done, block));
            done += block;
        }
        while (done < data.Length);

        Span<byte> check = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(check, Adler32.Update(1, data));
        spool.Append(check);
        return spool.Length - start;
    }
}
