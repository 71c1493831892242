using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace V2V.DiskFormats.Vhdx;

/// <summary>CRC-32C (Castagnoli), the checksum of every VHDX header, region table and log entry.</summary>
public static class Crc32C
{
    private const uint Polynomial = 0x82F63B78; // reflected 0x1EDC6F41

    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFFFFFF, data);

    /// <summary>
    /// The CRC of a structure whose own 4-byte checksum field at <paramref name="checksumOffset"/>
    /// counts as zero, as MS-VHDX defines every checksum.
    /// </summary>
    public static uint ComputeWithZeroedField(ReadOnlySpan<byte> data, int checksumOffset)
    {
        uint crc = Append(0xFFFFFFFF, data[..checksumOffset]);
        crc = Append(crc, [0, 0, 0, 0]);
        return ~Append(crc, data[(checksumOffset + 4)..]);
    }

    private static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        if (Sse42.X64.IsSupported)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            crc = (uint)wide;
        }

        foreach (byte b in data)
        {
            crc = Sse42.IsSupported ? Sse42.Crc32(crc, b) : Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ Polynomial : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
