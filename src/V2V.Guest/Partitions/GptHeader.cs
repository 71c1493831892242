using System.Buffers.Binary;
using System.IO.Hashing;

namespace V2V.Guest.Partitions;

/// <summary>
/// A GPT header (UEFI 2.10 §5.3.2), primary at LBA 1 or backup at the last LBA: signature
/// "EFI PART", header CRC-32 over HeaderSize bytes with the CRC field zeroed, the LBAs of itself
/// and its twin, the usable range, the disk GUID and where the partition entry array is.
/// </summary>
public sealed record GptHeader(
    long MyLba,
    long AlternateLba,
    long FirstUsableLba,
    long LastUsableLba,
    Guid DiskGuid,
    long PartitionEntryLba,
    int NumberOfPartitionEntries,
    int SizeOfPartitionEntry,
    uint PartitionEntryArrayCrc32)
{
    /// <summary>Bounds that keep a hostile header from asking for a huge entry array (1 MiB at most).</summary>
    public const int MaxEntries = 4096;
    public const int MaxEntryArrayBytes = 1 << 20;

    public int EntryArrayBytes => NumberOfPartitionEntries * SizeOfPartitionEntry;

    /// <summary>Parses and checks a header sector; null with the reason when it is not a valid header.</summary>
    public static GptHeader? TryRead(ReadOnlySpan<byte> sector, long lba, long diskSectors, out string? problem)
    {
        if (!sector[..8].SequenceEqual("EFI PART"u8))
        {
            problem = "no \"EFI PART\" signature";
            return null;
        }

        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(sector[12..]);
        if (headerSize < 92 || headerSize > sector.Length)
        {
            problem = $"header size {headerSize} is out of range";
            return null;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(sector[16..]);
        var copy = sector[..headerSize].ToArray();
        copy.AsSpan(16, 4).Clear();
        uint actual = Crc32.HashToUInt32(copy);
        if (stored != actual)
        {
            problem = $"header CRC-32 is 0x{stored:X8}, computed 0x{actual:X8}";
            return null;
        }

        var header = new GptHeader(
            BinaryPrimitives.ReadInt64LittleEndian(sector[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(sector[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(sector[40..]),
            BinaryPrimitives.ReadInt64LittleEndian(sector[48..]),
            new Guid(sector.Slice(56, 16)),
            BinaryPrimitives.ReadInt64LittleEndian(sector[72..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[80..]),
            BinaryPrimitives.ReadInt32LittleEndian(sector[84..]),
            BinaryPrimitives.ReadUInt32LittleEndian(sector[88..]));
        problem = header.Check(lba, diskSectors);
        return problem is null ? header : null;
    }

    private string? Check(long lba, long diskSectors)
    {
        if (MyLba != lba)
        {
            return $"header says it is at LBA {MyLba}, found at LBA {lba}";
        }

        if (NumberOfPartitionEntries is <= 0 or > MaxEntries || SizeOfPartitionEntry < 128 || SizeOfPartitionEntry % 128 != 0
            || (long)NumberOfPartitionEntries * SizeOfPartitionEntry > MaxEntryArrayBytes)
        {
            return $"partition entry array of {NumberOfPartitionEntries} x {SizeOfPartitionEntry} bytes is out of range";
        }

        if (FirstUsableLba < 2 || LastUsableLba < FirstUsableLba || LastUsableLba >= diskSectors)
        {
            return $"usable range LBA {FirstUsableLba}-{LastUsableLba} does not fit a disk of {diskSectors} sectors";
        }

        if (PartitionEntryLba < 2 || PartitionEntryLba >= diskSectors)
        {
            return $"partition entry array LBA {PartitionEntryLba} is outside the disk";
        }

        return null;
    }
}
