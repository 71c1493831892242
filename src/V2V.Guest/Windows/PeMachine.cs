using System.Buffers.Binary;

namespace V2V.Guest.Windows;

/// <summary>
/// The machine type of a PE image (Microsoft PE/COFF specification §2 and §3.3): "MZ", the PE
/// header offset at 0x3C, "PE\0\0", then the COFF header's Machine field.
/// </summary>
public static class PeMachine
{
    /// <summary>Bytes of a file's head read to find its PE header (e_lfanew is small in every real image).</summary>
    public const int HeadBytes = 4096;

    /// <summary>"x86", "x64", "ia64" or "arm64"; null when the bytes are no PE image or name another machine.</summary>
    public static string? Architecture(ReadOnlySpan<byte> head)
    {
        if (head.Length < 0x40 || head[0] != 'M' || head[1] != 'Z')
        {
            return null;
        }

        int pe = BinaryPrimitives.ReadInt32LittleEndian(head[0x3C..]);
        if (pe < 0x40 || pe > head.Length - 6 || !head.Slice(pe, 4).SequenceEqual("PE\0\0"u8))
        {
            return null;
        }

        return BinaryPrimitives.ReadUInt16LittleEndian(head[(pe + 4)..]) switch
        {
            0x014C => "x86",
            0x8664 => "x64",
            0x0200 => "ia64",
            0xAA64 => "arm64",
            _ => null,
        };
    }

    /// <summary>Windows' PROCESSOR_ARCHITECTURE names ("x86", "AMD64", "IA64", "ARM64") in V2V's terms.</summary>
    public static string? FromProcessorArchitecture(string? value) => value?.ToUpperInvariant() switch
    {
        "X86" => "x86",
        "AMD64" => "x64",
        "IA64" => "ia64",
        "ARM64" => "arm64",
        _ => null,
    };
}
