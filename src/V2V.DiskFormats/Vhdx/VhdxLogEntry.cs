using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhdx;

/// <summary>A "zero" or "desc" descriptor of a log entry (MS-VHDX 2.3.1.2–2.3.1.3).</summary>
public readonly record struct VhdxLogDescriptor(bool IsZero, long FileOffset, long ZeroLength, ulong LeadingBytes, uint TrailingBytes);

/// <summary>
/// One log entry (MS-VHDX 2.3.1): a 64-byte header, descriptors in the first sectors, then one
/// "data" sector per data descriptor. Parsed from a copy of the circular log.
/// </summary>
public sealed class VhdxLogEntry
{
    public const uint Signature = 0x65676F6C;      // "loge"
    private const uint ZeroSignature = 0x6F72657A;  // "zero"
    private const uint DataDescSignature = 0x63736564; // "desc"
    private const uint DataSectorSignature = 0x61746164; // "data"
    public const int SectorSize = 4096;
    private const int HeaderSize = 64;
    private const int DescriptorSize = 32;

    private VhdxLogEntry(long logPosition, uint entryLength, uint tail, ulong sequence, long flushedFileOffset, long lastFileOffset,
        IReadOnlyList<VhdxLogDescriptor> descriptors, IReadOnlyList<byte[]> dataSectors)
    {
        LogPosition = logPosition;
        EntryLength = entryLength;
        Tail = tail;
        SequenceNumber = sequence;
        FlushedFileOffset = flushedFileOffset;
        LastFileOffset = lastFileOffset;
        Descriptors = descriptors;
        DataSectors = dataSectors;
    }

    public long LogPosition { get; }
    public uint EntryLength { get; }
    public uint Tail { get; }
    public ulong SequenceNumber { get; }
    public long FlushedFileOffset { get; }
    public long LastFileOffset { get; }
    public IReadOnlyList<VhdxLogDescriptor> Descriptors { get; }

    /// <summary>The full 4 KiB sector each data descriptor restores, in descriptor order.</summary>
    public IReadOnlyList<byte[]> DataSectors { get; }

    /// <summary>
    /// Parses the entry starting at <paramref name="position"/> of the circular log, or returns null
    /// if what is there is not a valid entry of this log (wrong signature, GUID, CRC or layout).
    /// <paramref name="bytesChecked"/> grows by the length of every entry whose CRC was computed.
    /// </summary>
    public static VhdxLogEntry? TryRead(ReadOnlySpan<byte> log, long position, Guid logGuid, ref long bytesChecked)
    {
        var first = log.Slice((int)position, SectorSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(first) != Signature)
        {
            return null;
        }

        uint entryLength = BinaryPrimitives.ReadUInt32LittleEndian(first[8..]);
        uint tail = BinaryPrimitives.ReadUInt32LittleEndian(first[12..]);
        ulong sequence = BinaryPrimitives.ReadUInt64LittleEndian(first[16..]);
        uint descriptorCount = BinaryPrimitives.ReadUInt32LittleEndian(first[24..]);
        var entryGuid = new Guid(first.Slice(32, 16));
        ulong flushed = BinaryPrimitives.ReadUInt64LittleEndian(first[48..]);
        ulong last = BinaryPrimitives.ReadUInt64LittleEndian(first[56..]);

        if (entryLength == 0 || entryLength % SectorSize != 0 || entryLength > log.Length || sequence == 0
            || entryGuid != logGuid || tail % SectorSize != 0 || tail >= log.Length
            || flushed > long.MaxValue || last > long.MaxValue)
        {
            return null;
        }

        long descriptorSectors = (descriptorCount + 2L + 127) / 128;
        if (descriptorSectors * SectorSize > entryLength)
        {
            return null;
        }

        // The entry may wrap around the end of the circular log: gather it contiguously.
        bytesChecked += entryLength;
        var entry = new byte[entryLength];
        for (long done = 0; done < entryLength; done += SectorSize)
        {
            log.Slice((int)((position + done) % log.Length), SectorSize).CopyTo(entry.AsSpan((int)done));
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(entry.AsSpan(4));
        if (Crc32C.ComputeWithZeroedField(entry, 4) != stored)
        {
            return null;
        }

        var descriptors = new List<VhdxLogDescriptor>((int)Math.Min(descriptorCount, 4096));
        var dataSectors = new List<byte[]>();
        long nextDataSector = descriptorSectors * SectorSize;
        for (long i = 0; i < descriptorCount; i++)
        {
            var d = entry.AsSpan((int)(HeaderSize + i * DescriptorSize), DescriptorSize);
            uint signature = BinaryPrimitives.ReadUInt32LittleEndian(d);
            ulong fileOffset = BinaryPrimitives.ReadUInt64LittleEndian(d[16..]);
            if (BinaryPrimitives.ReadUInt64LittleEndian(d[24..]) != sequence || fileOffset % SectorSize != 0 || fileOffset > long.MaxValue)
            {
                return null;
            }

            if (signature == ZeroSignature)
            {
                ulong zeroLength = BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
                if (zeroLength % SectorSize != 0 || zeroLength > long.MaxValue - fileOffset)
                {
                    return null;
                }

                descriptors.Add(new VhdxLogDescriptor(true, (long)fileOffset, (long)zeroLength, 0, 0));
            }
            else if (signature == DataDescSignature)
            {
                if (nextDataSector + SectorSize > entryLength)
                {
                    return null;
                }

                var sector = entry.AsSpan((int)nextDataSector, SectorSize);
                nextDataSector += SectorSize;
                ulong sectorSequence = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(sector[4..]) << 32)
                    | BinaryPrimitives.ReadUInt32LittleEndian(sector[4092..]);
                if (BinaryPrimitives.ReadUInt32LittleEndian(sector) != DataSectorSignature || sectorSequence != sequence)
                {
                    return null;
                }

                ulong leading = BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
                uint trailing = BinaryPrimitives.ReadUInt32LittleEndian(d[4..]);
                var restored = new byte[SectorSize];
                BinaryPrimitives.WriteUInt64LittleEndian(restored, leading);
                sector.Slice(8, 4084).CopyTo(restored.AsSpan(8));
                BinaryPrimitives.WriteUInt32LittleEndian(restored.AsSpan(4092), trailing);
                descriptors.Add(new VhdxLogDescriptor(false, (long)fileOffset, SectorSize, leading, trailing));
                dataSectors.Add(restored);
            }
            else
            {
                return null;
            }
        }

        return new VhdxLogEntry(position, entryLength, tail, sequence, (long)flushed, (long)last, descriptors, dataSectors);
    }
}
