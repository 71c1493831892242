using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

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

    /// <summary>
    /// The current header (MS-VHDX 2.2.2.1): the valid one with the higher sequence number; a
    /// damaged one is a finding, both damaged an <see cref="InvalidImageException"/>.
    /// </summary>
    public static VhdxHeader ReadCurrent(ImageFile file, byte[] buffer, CheckFindings findings)
    {
        file.ReadExactly(VhdxLayout.Header1Offset, buffer.AsSpan(0, VhdxLayout.HeaderSize), "header 1");
        var first = TryRead(buffer, out var firstProblem);
        file.ReadExactly(VhdxLayout.Header2Offset, buffer.AsSpan(0, VhdxLayout.HeaderSize), "header 2");
        var second = TryRead(buffer, out var secondProblem);

        if (first is null && second is null)
        {
            throw new InvalidImageException(file.Path, $"no valid header: header 1 (64 KiB): {firstProblem}; header 2 (128 KiB): {secondProblem}");
        }

        if (first is null)
        {
            findings.Add(CheckSeverity.Problem, $"header 1 (64 KiB) is invalid: {firstProblem}");
            return second!;
        }

        if (second is null)
        {
            findings.Add(CheckSeverity.Problem, $"header 2 (128 KiB) is invalid: {secondProblem}");
            return first;
        }

        // Disk2vhd writes both headers with the same sequence number; either will do then.
        return second.SequenceNumber > first.SequenceNumber ? second : first;
    }
}
