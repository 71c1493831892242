using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// Adler-32 (RFC 1950 §8.2), the checksum closing a zlib stream: s1 = 1 + the sum of the bytes,
/// s2 = the sum of the successive s1 values, both modulo 65521, packed as s2 &lt;&lt; 16 | s1.
/// With SSSE3 (every x86-64-v2 CPU) it takes 16 bytes a step: the byte sum from PSADBW, s2's
/// share from PMADDUBSW with the weights 16..1, and 16 times the running s1 added once per block.
/// </summary>
internal static class Adler32
{
    private const uint Base = 65521;

    // The largest n with 255 n (n + 1) / 2 + (n + 1) (Base - 1) <= 2^32 - 1 (zlib's NMAX), rounded
    // down to whole 16-byte steps: no 32-bit sum can overflow before a block's modulo.
    private const int BlockBytes = 5552 / 16 * 16;

    /// <summary>The checksum of <paramref name="data"/>, continuing from <paramref name="adler"/> (1 for a new stream).</summary>
    public static uint Update(uint adler, ReadOnlySpan<byte> data)
    {
        uint s1 = adler & 0xFFFF;
        uint s2 = adler >> 16;
        while (data.Length > 0)
        {
            int block = Math.Min(data.Length, BlockBytes);
            int vectored = Ssse3.IsSupported ? block / 16 * 16 : 0;
            if (vectored > 0)
            {
                VectorBlock(data[..vectored], ref s1, ref s2);
            }

            foreach (byte b in data[vectored..block])
            {
                s1 += b;
                s2 += s1;
            }

            s1 %= Base;
            s2 %= Base;
            data = data[block..];
        }

        return s2 << 16 | s1;
    }

    // s1 and s2 are below Base on entry; data is at most BlockBytes long, a multiple of 16.
    private static void VectorBlock(ReadOnlySpan<byte> data, ref uint s1, ref uint s2)
    {
        var weights = Vector128.Create((sbyte)16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
        var ones = Vector128.Create((short)1);
        var sums = Vector128<uint>.Zero;      // bytes summed so far (two 64-bit lanes of PSADBW)
        var earlier = Vector128<uint>.Zero;   // the byte sum before each step, summed over the steps
        var weighted = Vector128<uint>.Zero;  // each step's bytes weighted by 16..1
        ref byte at = ref MemoryMarshal.GetReference(data);
        int steps = data.Length / 16;
        for (int i = 0; i < steps; i++)
        {
            var bytes = Vector128.LoadUnsafe(ref at, (nuint)(i * 16));
            earlier += sums;
            sums += Sse2.SumAbsoluteDifferences(bytes, Vector128<byte>.Zero).AsUInt32();
            weighted += Sse2.MultiplyAddAdjacent(Ssse3.MultiplyAddAdjacent(bytes, weights), ones).AsUInt32();
        }

        // s2 gains, for every step, 16 times the bytes before it plus its weighted bytes, and s1
        // (from before the block) once per byte.
        ulong blockSum = Vector128.Sum(sums);
        ulong s2Gain = (ulong)s1 * (ulong)data.Length + 16UL * Vector128.Sum(earlier) + Vector128.Sum(weighted);
        s1 = (uint)((s1 + blockSum) % Base);
        s2 = (uint)((s2 + s2Gain) % Base);
    }
}
