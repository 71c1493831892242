using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>
/// XXH64 with seed 0, the checksum current xapi writes beside every XVA chunk. Our own because
/// it runs over every byte of an export: System.IO.Hashing's version runs at about half this
/// speed in the native build, and the checksums would then cost more than the copy. The tests
/// hold it to System.IO.Hashing and to xxhsum.
/// </summary>
public static class Xxh64
{
    private const ulong Prime1 = 0x9E3779B185EBCA87UL;
    private const ulong Prime2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong Prime3 = 0x165667B19E3779F9UL;
    private const ulong Prime4 = 0x85EBCA77C2B2AE63UL;
    private const ulong Prime5 = 0x27D4EB2F165667C5UL;

    public static ulong Hash(ReadOnlySpan<byte> data)
    {
        int length = data.Length;
        int at = 0;
        ulong hash;
        if (length >= 32)
        {
            // Four independent lanes over 32-byte stripes.
            ulong v1 = unchecked(Prime1 + Prime2), v2 = Prime2, v3 = 0, v4 = unchecked(0UL - Prime1);
            ref ulong words = ref Unsafe.As<byte, ulong>(ref MemoryMarshal.GetReference(data));
            nint stripes = length / 32;
            for (nint s = 0; s < stripes; s++)
            {
                ref ulong stripe = ref Unsafe.Add(ref words, s * 4);
                v1 = Round(v1, LittleEndian(stripe));
                v2 = Round(v2, LittleEndian(Unsafe.Add(ref stripe, 1)));
                v3 = Round(v3, LittleEndian(Unsafe.Add(ref stripe, 2)));
                v4 = Round(v4, LittleEndian(Unsafe.Add(ref stripe, 3)));
            }

            at = (int)stripes * 32;
            hash = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            hash = Merge(hash, v1);
            hash = Merge(hash, v2);
            hash = Merge(hash, v3);
            hash = Merge(hash, v4);
        }
        else
        {
            hash = Prime5;
        }

        hash += (ulong)length;
        for (; at + 8 <= length; at += 8)
        {
            hash ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[at..]));
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
        }

        if (at + 4 <= length)
        {
            hash ^= BinaryPrimitives.ReadUInt32LittleEndian(data[at..]) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            at += 4;
        }

        for (; at < length; at++)
        {
            hash ^= data[at] * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
        }

        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong lane) => BitOperations.RotateLeft(accumulator + (lane * Prime2), 31) * Prime1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Merge(ulong hash, ulong lane) => ((hash ^ Round(0, lane)) * Prime1) + Prime4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LittleEndian(ulong word) => BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
}
