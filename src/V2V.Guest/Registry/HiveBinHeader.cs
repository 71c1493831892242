using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// The 32-byte header of a hive bin ("Hive bin" in the regf specification): <c>hbin</c>, the bin's
/// offset from the start of the hive bins data (u32 at 4) and its size in bytes (u32 at 8, a
/// multiple of 4096). Cells fill the rest of the bin.
/// </summary>
internal readonly record struct HiveBinHeader(uint Offset, uint Size)
{
    public const int Length = 32;
    public const int Alignment = 4096;

    /// <summary>
    /// Reads the bin that must start at <paramref name="expectedOffset"/> (relative to the hive bins
    /// data); returns the reason it is unusable, or null.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> bin, uint expectedOffset, long binsDataSize, out HiveBinHeader header)
    {
        header = default;
        string at = $"hbin at 0x{expectedOffset:X}";
        if (bin.Length < Length)
        {
            return $"{at} is cut short by the end of the file";
        }

        if (!bin[..4].SequenceEqual("hbin"u8))
        {
            return $"{at} has signature {Convert.ToHexString(bin[..4])}, not 'hbin'";
        }

        header = new HiveBinHeader(BinaryPrimitives.ReadUInt32LittleEndian(bin[4..]), BinaryPrimitives.ReadUInt32LittleEndian(bin[8..]));
        if (header.Offset != expectedOffset)
        {
            return $"{at} says it is at 0x{header.Offset:X}";
        }

        if (header.Size == 0 || header.Size % Alignment != 0)
        {
            return $"{at} has size {header.Size} (not a non-zero multiple of 4096)";
        }

        return expectedOffset + (long)header.Size > binsDataSize
            ? $"{at} has size 0x{header.Size:X}, past the end of the hive bins data (0x{binsDataSize:X} bytes)"
            : null;
    }
}
