using System.Buffers.Binary;
using System.Numerics;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// Recomputes the two Marvin32 hashes of every HvLE entry of a Windows 8.1+ hive transaction log
/// (regf specification, "Log entries": Hash-1 over bytes 40..size at 24, Hash-2 over bytes 0..32 at
/// 32, seed 0x82EF4D887A4E55C5), so mutations of an entry reach its fields and pages. Entries are
/// walked from 512 by their size fields, as a reader walks them.
/// </summary>
public static class HiveLogChecksums
{
    private const ulong RegistrySeed = 0x82EF4D887A4E55C5;

    public static byte[] Fix(byte[] log)
    {
        var data = (byte[])log.Clone();
        int at = 512;
        while (at + 40 <= data.Length && data.AsSpan(at, 4).SequenceEqual("HvLE"u8))
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4));
            if (size < 40 || size % 512 != 0 || size > data.Length - at)
            {
                break;
            }

            var entry = data.AsSpan(at, (int)size);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[24..], Marvin32(entry[40..]));
            BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], Marvin32(entry[..32]));
            at += (int)size;
        }

        return data;
    }

    /// <summary>Marvin32 (as .NET's string hashing and the registry's logs use it): two 32-bit lanes, 4-byte blocks, 0x80 padding.</summary>
    public static ulong Marvin32(ReadOnlySpan<byte> data, ulong seed = RegistrySeed)
    {
        uint p0 = (uint)seed;
        uint p1 = (uint)(seed >> 32);
        while (data.Length >= 4)
        {
            p0 += BinaryPrimitives.ReadUInt32LittleEndian(data);
            Block(ref p0, ref p1);
            data = data[4..];
        }

        uint last = 0x80;
        for (int i = data.Length - 1; i >= 0; i--)
        {
            last = (last << 8) | data[i];
        }

        p0 += last;
        Block(ref p0, ref p1);
        Block(ref p0, ref p1);
        return ((ulong)p1 << 32) | p0;
    }

    private static void Block(ref uint p0, ref uint p1)
    {
        p1 ^= p0;
        p0 = BitOperations.RotateLeft(p0, 20);
        p0 += p1;
        p1 = BitOperations.RotateLeft(p1, 9);
        p1 ^= p0;
        p0 = BitOperations.RotateLeft(p0, 27);
        p0 += p1;
        p1 = BitOperations.RotateLeft(p1, 19);
    }
}
