using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhdx;

/// <summary>One of the two 4 KiB headers at 64 KiB and 128 KiB (MS-VHDX 2.2.2).</summary>
public sealed record VhdxHeader(
    ulong SequenceNumber,
    Guid FileWriteGuid,
    Guid DataWriteGuid,
    Guid LogGuid,
    ushort LogVersion,
    ushort Version,
    uint LogLength,
    ulong LogOffset)
{
    public const uint Signature = 0x64616568; // "head"
    private const int ChecksumOffset = 4;

    public bool HasLog => LogGuid != Guid.Empty;

    /// <summary>Parses a header, or returns null with the reason when the signature or CRC-32C is wrong.</summary>
    public static VhdxHeader? TryRead(ReadOnlySpan<byte> data, out string? problem)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Signature)
        {
            problem = "signature is not \"head\"";
            return null;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[ChecksumOffset..]);
        uint actual = Crc32C.ComputeWithZeroedField(data[..VhdxLayout.HeaderSize], ChecksumOffset);
        if (stored != actual)
        {
            problem = $"CRC-32C mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})";
            return null;
        }

        problem = null;
        return new VhdxHeader(
            BinaryPrimitives.ReadUInt64LittleEndian(data[8..]),
            new Guid(data.Slice(16, 16)),
            new Guid(data.Slice(32, 16)),
            new Guid(data.Slice(48, 16)),
            BinaryPrimitives.ReadUInt16LittleEndian(data[64..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[66..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[68..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[72..]));
    }

    public void Write(Span<byte> data)
    {
        data[..VhdxLayout.HeaderSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data, Signature);
        BinaryPrimitives.WriteUInt64LittleEndian(data[8..], SequenceNumber);
        FileWriteGuid.TryWriteBytes(data.Slice(16, 16));
        DataWriteGuid.TryWriteBytes(data.Slice(32, 16));
        LogGuid.TryWriteBytes(data.Slice(48, 16));
        BinaryPrimitives.WriteUInt16LittleEndian(data[64..], LogVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(data[66..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(data[68..], LogLength);
        BinaryPrimitives.WriteUInt64LittleEndian(data[72..], LogOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(data[ChecksumOffset..], Crc32C.ComputeWithZeroedField(data[..VhdxLayout.HeaderSize], ChecksumOffset));
    }
}
