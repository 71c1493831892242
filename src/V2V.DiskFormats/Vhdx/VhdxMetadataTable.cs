using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhdx;

/// <summary>A metadata table entry: an item's id, where it sits in the metadata region, and its flags.</summary>
public readonly record struct VhdxMetadataEntry(Guid ItemId, uint Offset, uint Length, bool IsUser, bool IsVirtualDisk, bool IsRequired);

/// <summary>The 64 KiB table at the start of the metadata region (MS-VHDX 2.6.1).</summary>
public sealed record VhdxMetadataTable(IReadOnlyList<VhdxMetadataEntry> Entries)
{
    public const int MaxEntries = 2047;
    private const int HeaderSize = 32;
    private const int EntrySize = 32;

    public static ReadOnlySpan<byte> Signature => "metadata"u8;

    public static VhdxMetadataTable? TryRead(ReadOnlySpan<byte> data, out string? problem)
    {
        if (!data[..8].SequenceEqual(Signature))
        {
            problem = "signature is not \"metadata\"";
            return null;
        }

        int count = BinaryPrimitives.ReadUInt16LittleEndian(data[10..]);
        if (count > MaxEntries)
        {
            problem = $"EntryCount {count} exceeds {MaxEntries}";
            return null;
        }

        var entries = new VhdxMetadataEntry[count];
        for (int i = 0; i < count; i++)
        {
            var e = data.Slice(HeaderSize + i * EntrySize, EntrySize);
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(e[24..]);
            entries[i] = new VhdxMetadataEntry(
                new Guid(e[..16]),
                BinaryPrimitives.ReadUInt32LittleEndian(e[16..]),
                BinaryPrimitives.ReadUInt32LittleEndian(e[20..]),
                (flags & 1) != 0,
                (flags & 2) != 0,
                (flags & 4) != 0);
        }

        problem = null;
        return new VhdxMetadataTable(entries);
    }

    public void Write(Span<byte> data)
    {
        data[..VhdxLayout.MetadataTableSize].Clear();
        Signature.CopyTo(data);
        BinaryPrimitives.WriteUInt16LittleEndian(data[10..], (ushort)Entries.Count);
        for (int i = 0; i < Entries.Count; i++)
        {
            var entry = Entries[i];
            var e = data.Slice(HeaderSize + i * EntrySize, EntrySize);
            entry.ItemId.TryWriteBytes(e);
            BinaryPrimitives.WriteUInt32LittleEndian(e[16..], entry.Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(e[20..], entry.Length);
            uint flags = (entry.IsUser ? 1u : 0) | (entry.IsVirtualDisk ? 2u : 0) | (entry.IsRequired ? 4u : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(e[24..], flags);
        }
    }
}
