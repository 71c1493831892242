using System.Buffers.Binary;
using V2V.Guest.Registry;

namespace V2V.TestSupport.Fuzzing;

/// <summary>
/// Recomputes the two Marvin32 hashes of every HvLE entry of a Windows 8.1+ hive transaction log
/// (regf specification, "Log entries": Hash-1 over bytes 40..size at 24, Hash-2 over bytes 0..32 at
/// 32, with the registry's seed), so mutations of an entry reach its fields and pages. Entries are
/// walked from 512 by their size fields, as a reader walks them.
/// </summary>
public static class HiveLogChecksums
{
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
            BinaryPrimitives.WriteUInt64LittleEndian(entry[24..], Marvin32.Hash(entry[40..]));
            BinaryPrimitives.WriteUInt64LittleEndian(entry[32..], Marvin32.Hash(entry[..32]));
            at += (int)size;
        }

        return data;
    }
}
