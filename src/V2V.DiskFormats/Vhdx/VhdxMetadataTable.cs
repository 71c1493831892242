using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>A metadata table entry: an item's id, where it sits in the metadata region, and its flags.</summary>
public readonly record struct VhdxMetadataEntry(Guid ItemId, uint Offset, uint Length, bool IsUser, bool IsVirtualDisk, bool IsRequired);

/// <summary>The 64 KiB table at the start of the metadata region (MS-VHDX 2.6.1).</summary>
public sealed record VhdxMetadataTable(IReadOnlyList<VhdxMetadataEntry> Entries)
{
    public const int MaxEntries = 2047;

    /// <summary>Entry flag: a user item (set by the virtual disk's user), not a system one.</summary>
    public const uint IsUserFlag = 1 << 0;

    /// <summary>Entry flag: the item describes the virtual disk (and is per file of a chain otherwise).</summary>
    public const uint IsVirtualDiskFlag = 1 << 1;

    /// <summary>Entry flag: a reader that does not know the item must refuse the file.</summary>
    public const uint IsRequiredFlag = 1 << 2;
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
                (flags & IsUserFlag) != 0,
                (flags & IsVirtualDiskFlag) != 0,
                (flags & IsRequiredFlag) != 0);
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
            uint flags = (entry.IsUser ? IsUserFlag : 0) | (entry.IsVirtualDisk ? IsVirtualDiskFlag : 0) | (entry.IsRequired ? IsRequiredFlag : 0);
            BinaryPrimitives.WriteUInt32LittleEndian(e[24..], flags);
        }
    }

    /// <summary>
    /// Reads the table at the start of the metadata <paramref name="region"/> and the known items it
    /// lists (as they are after log replay), each bounded by the region and of the length the spec
    /// fixes (<see cref="VhdxDiskParameters.ItemLength"/>); a parent locator is noted with no bytes.
    /// An unknown required item is refused, an unknown optional one ignored (a note).
    /// </summary>
    public static Dictionary<Guid, byte[]> ReadItems(ImageFile file, VhdxLogOverlay overlay, VhdxRegionEntry region, CheckFindings findings)
    {
        string path = file.Path;
        if (region.Length < VhdxLayout.MetadataTableSize)
        {
            throw new InvalidImageException(path, $"metadata region of {region.Length} bytes cannot hold its 64 KiB table");
        }

        var tableBytes = new byte[VhdxLayout.MetadataTableSize];
        overlay.ReadThrough(file, region.FileOffset, tableBytes);
        var table = TryRead(tableBytes, out var problem)
            ?? throw new InvalidImageException(path, $"metadata table: {problem}");

        var items = new Dictionary<Guid, byte[]>();
        foreach (var entry in table.Entries)
        {
            if (entry.Length == 0)
            {
                continue;
            }

            if (entry.Offset < VhdxLayout.MetadataTableSize || entry.Offset > region.Length - (long)entry.Length)
            {
                throw new InvalidImageException(path, $"metadata item {entry.ItemId} claims {entry.Length} bytes at offset {entry.Offset}, outside the {region.Length}-byte metadata region");
            }

            int expected = VhdxDiskParameters.ItemLength(entry.ItemId);
            if (expected < 0)
            {
                if (entry.ItemId == VhdxGuids.ParentLocator)
                {
                    items[entry.ItemId] = [];
                    continue;
                }

                if (entry.IsRequired)
                {
                    throw new UnsupportedFormatException(path, $"required metadata item {entry.ItemId} is unknown to this reader");
                }

                findings.Add(CheckSeverity.Note, $"unknown optional metadata item {entry.ItemId} ignored");
                continue;
            }

            if (entry.Length != expected)
            {
                throw new InvalidImageException(path, $"metadata item {entry.ItemId} is {entry.Length} bytes, expected {expected}");
            }

            var value = new byte[expected];
            overlay.ReadThrough(file, region.FileOffset + entry.Offset, value);
            if (!items.TryAdd(entry.ItemId, value))
            {
                throw new InvalidImageException(path, $"metadata item {entry.ItemId} is listed twice");
            }
        }

        return items;
    }
}
