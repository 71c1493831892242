using System.Buffers.Binary;

namespace V2V.Guest.Ntfs;

/// <summary>
/// LZNT1 decompression of one NTFS compression unit ([MS-XCA] §2.5, [NTFS3G] compress.c): a
/// sequence of chunks, each with a 2-byte header (bits 0-11: chunk size - 3 including the header,
/// bit 15: compressed); a compressed chunk is groups of a flag byte and 8 tokens (literal byte, or
/// a 2-byte back reference whose offset/length split depends on the position in the 4 KiB chunk);
/// a header of 0 ends the unit.
/// </summary>
internal static class Lznt1
{
    private const int ChunkSize = 4096;

    /// <summary>Decompresses into <paramref name="destination"/>; returns the bytes produced (the rest of the unit is zeros).</summary>
    public static int Decompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int sourcePos = 0;
        int destPos = 0;
        while (sourcePos + 2 <= source.Length && destPos < destination.Length)
        {
            ushort header = BinaryPrimitives.ReadUInt16LittleEndian(source[sourcePos..]);
            if (header == 0)
            {
                break;
            }

            int chunkEnd = sourcePos + (header & 0x0FFF) + 3;
            if (chunkEnd > source.Length)
            {
                throw new NtfsCorruptException($"LZNT1 chunk at byte {sourcePos} runs past the compressed data");
            }

            var chunk = source[(sourcePos + 2)..chunkEnd];
            var output = destination[destPos..Math.Min(destination.Length, destPos + ChunkSize)];
            int produced;
            if ((header & 0x8000) == 0)
            {
                produced = Math.Min(chunk.Length, output.Length);
                chunk[..produced].CopyTo(output);
            }
            else
            {
                produced = DecompressChunk(chunk, output);
            }

            destPos += produced;
            sourcePos = chunkEnd;
            // A chunk shorter than 4 KiB is only valid as the last one; the rest of the unit is zeros.
            if (produced < ChunkSize)
            {
                break;
            }
        }

        return destPos;
    }

    private static int DecompressChunk(ReadOnlySpan<byte> chunk, Span<byte> output)
    {
        int inPos = 0;
        int outPos = 0;
        while (inPos < chunk.Length && outPos < output.Length)
        {
            byte flags = chunk[inPos++];
            for (int bit = 0; bit < 8 && inPos < chunk.Length && outPos < output.Length; bit++)
            {
                if ((flags & (1 << bit)) == 0)
                {
                    output[outPos++] = chunk[inPos++];
                    continue;
                }

                if (inPos + 2 > chunk.Length || outPos == 0)
                {
                    throw new NtfsCorruptException("LZNT1 back reference is truncated or comes before any output");
                }

                int lengthBits = 12;
                for (int p = outPos - 1; p >= 0x10; p >>= 1)
                {
                    lengthBits--;
                }

                ushort token = BinaryPrimitives.ReadUInt16LittleEndian(chunk[inPos..]);
                inPos += 2;
                int offset = (token >> lengthBits) + 1;
                int length = (token & ((1 << lengthBits) - 1)) + 3;
                if (offset > outPos)
                {
                    throw new NtfsCorruptException($"LZNT1 back reference reaches {offset} bytes back from position {outPos}");
                }

                // Overlapping copies repeat bytes, so copy one at a time.
                for (int i = 0; i < length && outPos < output.Length; i++, outPos++)
                {
                    output[outPos] = output[outPos - offset];
                }
            }
        }

        return outPos;
    }
}
