using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhdx;

/// <summary>One region table entry: where a region (BAT, metadata, ...) lives in the file.</summary>
public readonly record struct VhdxRegionEntry(Guid Id, long FileOffset, uint Length, bool Required);

/// <summary>The 64 KiB region table at 192 KiB and its copy at 256 KiB (MS-VHDX 2.2.3).</summary>
public sealed record VhdxRegionTable(IReadOnlyList<VhdxRegionEntry> Entries)
{
    public const uint Signature = 0x69676572; // "regi"
    public const int MaxEntries = 2047;
    private const int ChecksumOffset = 4;
    private const int EntrySize = 32;
    private const int HeaderSize = 16;

    /// <summary>Parses a table, or returns null with the reason when it is not valid.</summary>
    public static VhdxRegionTable? TryRead(ReadOnlySpan<byte> data, out string? problem)
    {
        if (BinaryPrimitives.ReadUInt32LittleEndian(data) != Signature)
        {
            problem = "signature is not \"regi\"";
            return null;
        }

        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(data[ChecksumOffset..]);
        uint actual = Crc32C.ComputeWithZeroedField(data[..VhdxLayout.RegionTableSize], ChecksumOffset);
        if (stored != actual)
        {
            problem = $"CRC-32C mismatch (stored 0x{stored:X8}, computed 0x{actual:X8})";
            return null;
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        if (count > MaxEntries)
        {
            problem = $"EntryCount {count} exceeds {MaxEntries}";
            return null;
        }

        var entries = new VhdxRegionEntry[count];
        for (int i = 0; i < count; i++)
        {
            var e = data.Slice(HeaderSize + i * EntrySize, EntrySize);
            entries[i] = new VhdxRegionEntry(
                new Guid(e[..16]),
                (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(e[16..]), long.MaxValue),
                BinaryPrimitives.ReadUInt32LittleEndian(e[24..]),
                (BinaryPrimitives.ReadUInt32LittleEndian(e[28..]) & 1) != 0);
        }

        problem = null;
        return new VhdxRegionTable(entries);
    }

    public void Write(Span<byte> data)
    {
        data[..VhdxLayout.RegionTableSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data, Signature);
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], (uint)Entries.Count);
        for (int i = 0; i < Entries.Count; i++)
        {
            var e = data.Slice(HeaderSize + i * EntrySize, EntrySize);
            Entries[i].Id.TryWriteBytes(e);
            BinaryPrimitives.WriteUInt64LittleEndian(e[16..], (ulong)Entries[i].FileOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(e[24..], Entries[i].Length);
            BinaryPrimitives.WriteUInt32LittleEndian(e[28..], Entries[i].Required ? 1u : 0u);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(data[ChecksumOffset..], Crc32C.ComputeWithZeroedField(data[..VhdxLayout.RegionTableSize], ChecksumOffset));
    }
}
