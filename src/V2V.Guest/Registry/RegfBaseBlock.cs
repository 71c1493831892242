using System.Buffers.Binary;
using System.Text;

namespace V2V.Guest.Registry;

/// <summary>
/// The regf base block (file header): the first 4096 bytes of a primary hive file and the first
/// 512 bytes of its transaction logs. Offsets follow the "Windows registry file format
/// specification" (M. Suhanov), section "Base block"; all numbers little-endian.
/// </summary>
public sealed record RegfBaseBlock(
    uint PrimarySequence,
    uint SecondarySequence,
    long LastWritten,
    uint MajorVersion,
    uint MinorVersion,
    uint FileType,
    uint FileFormat,
    uint RootCellOffset,
    uint HiveBinsDataSize,
    uint ClusteringFactor,
    string FileName,
    uint Flags,
    uint Checksum,
    bool ChecksumValid)
{
    /// <summary>Size of the base block in a primary file.</summary>
    public const int Size = 4096;

    /// <summary>Bytes covered by the checksum (the 127 dwords before it), also the part a log's first sector copies.</summary>
    public const int ChecksummedBytes = 508;

    /// <summary>File type 0: a primary file.</summary>
    public const uint PrimaryFileType = 0;

    /// <summary>File type 6: a transaction log in the Windows 8.1+ format (HvLE entries).</summary>
    public const uint NewLogFileType = 6;

    /// <summary>A hive needs its logs replayed when its checksum is wrong or a write did not finish.</summary>
    public bool IsDirty => !ChecksumValid || PrimarySequence != SecondarySequence;

    /// <summary>True when <paramref name="bytes"/> starts with the <c>regf</c> signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length >= 4 && bytes[..4].SequenceEqual("regf"u8);

    /// <summary>Parses the first 512 bytes of <paramref name="bytes"/>; null when they are too short or lack <c>regf</c>.</summary>
    public static RegfBaseBlock? TryRead(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 512 || !HasSignature(bytes))
        {
            return null;
        }

        uint stored = U32(bytes, 508);
        return new RegfBaseBlock(
            U32(bytes, 4), U32(bytes, 8), BinaryPrimitives.ReadInt64LittleEndian(bytes[12..]),
            U32(bytes, 20), U32(bytes, 24), U32(bytes, 28), U32(bytes, 32), U32(bytes, 36), U32(bytes, 40), U32(bytes, 44),
            DecodeFileName(bytes.Slice(48, 64)), U32(bytes, 144), stored, stored == ComputeChecksum(bytes));
    }

    /// <summary>XOR of the first 127 dwords; Windows never stores 0 or 0xFFFFFFFF (they become 1 and 0xFFFFFFFE).</summary>
    public static uint ComputeChecksum(ReadOnlySpan<byte> bytes)
    {
        uint sum = 0;
        for (int i = 0; i < ChecksummedBytes; i += 4)
        {
            sum ^= U32(bytes, i);
        }

        return sum switch { 0xFFFFFFFF => 0xFFFFFFFE, 0 => 1, _ => sum };
    }

    private static string DecodeFileName(ReadOnlySpan<byte> field)
    {
        string name = Encoding.Unicode.GetString(field);
        int nul = name.IndexOf('\0', StringComparison.Ordinal);
        return nul >= 0 ? name[..nul] : name;
    }

    private static uint U32(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
}
