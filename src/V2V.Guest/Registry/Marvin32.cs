using System.Buffers.Binary;
using System.Numerics;

namespace V2V.Guest.Registry;

/// <summary>
/// The Marvin32 hash (Microsoft's seeded 64-bit hash) that guards HvLE log entries; the registry
/// uses the 64-bit seed 0x82EF4D887A4E55C5 (the spec's "82 EF 4D 88 7A 4E 55 C5" read as one
/// number; checked against the hashes in real SYSTEM.LOG1/LOG2 files) — "Log entries" notes in the
/// regf specification.
/// </summary>
internal static class Marvin32
{
    public const ulong RegistrySeed = 0x82EF4D887A4E55C5;

    /// <summary>The 64-bit result as the registry stores it (a little-endian u64: high word p1, low word p0).</summary>
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = RegistrySeed)
    {
        uint p0 = (uint)seed;
        uint p1 = (uint)(seed >> 32);
        int whole = data.Length & ~3;
        for (int i = 0; i < whole; i += 4)
        {
            p0 += BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            Mix(ref p0, ref p1);
        }

        // The 0-3 trailing bytes, then a 0x80 terminator byte, padded with zeros to a dword.
        uint last = 0x80;
        for (int i = data.Length - 1; i >= whole; i--)
        {
            last = (last << 8) | data[i];
        }

        p0 += last;
        Mix(ref p0, ref p1);
        Mix(ref p0, ref p1);
        return ((ulong)p1 << 32) | p0;
    }

    private static void Mix(ref uint p0, ref uint p1)
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
