using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>One region table entry: where a region (BAT, metadata, ...) lives in the file.</summary>
public readonly record struct VhdxRegionEntry(Guid Id, long FileOffset, uint Length, bool Required);

/// <summary>The 64 KiB region table at 192 KiB and its copy at 256 KiB (MS-VHDX 2.2.3).</summary>
public sealed record VhdxRegionTable(IReadOnlyList<VhdxRegionEntry> Entries)
{
    public const uint Signature = 0x69676572; // "regi"
    public const int MaxEntries = 2047;

    /// <summary>Entry flag: a reader that does not know the region must refuse the file.</summary>
    public const uint RequiredFlag = 1 << 0;
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
                (BinaryPrimitives.ReadUInt32LittleEndian(e[28..]) & RequiredFlag) != 0);
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
            BinaryPrimitives.WriteUInt32LittleEndian(e[28..], Entries[i].Required ? RequiredFlag : 0u);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(data[ChecksumOffset..], Crc32C.ComputeWithZeroedField(data[..VhdxLayout.RegionTableSize], ChecksumOffset));
    }

    /// <summary>
    /// Table 1, or its copy when table 1 is damaged (a finding); <paramref name="buffer"/> holds
    /// <see cref="VhdxLayout.RegionTableSize"/> bytes. Neither valid is an <see cref="InvalidImageException"/>.
    /// </summary>
    public static VhdxRegionTable ReadCurrent(ImageFile file, byte[] buffer, CheckFindings findings)
    {
        file.ReadExactly(VhdxLayout.RegionTable1Offset, buffer, "region table 1");
        var table = TryRead(buffer, out var problem1);
        if (table is null)
        {
            file.ReadExactly(VhdxLayout.RegionTable2Offset, buffer, "region table 2");
            table = TryRead(buffer, out var problem2)
                ?? throw new InvalidImageException(file.Path, $"no valid region table: table 1 (192 KiB): {problem1}; table 2 (256 KiB): {problem2}");
            findings.Add(CheckSeverity.Problem, $"region table 1 (192 KiB) is invalid: {problem1}");
        }

        return table;
    }

    /// <summary>
    /// The BAT and metadata regions, by id (MS-VHDX 2.2.3.1): each once, flagged required (a
    /// finding otherwise), 1 MiB-aligned above the header section, inside
    /// <paramref name="file"/>, not overlapping. An unknown required region is refused; an unknown
    /// optional one is ignored (a note).
    /// </summary>
    public Dictionary<Guid, VhdxRegionEntry> KnownRegions(ImageFile file, CheckFindings findings)
    {
        var regions = new Dictionary<Guid, VhdxRegionEntry>();
        foreach (var entry in Entries)
        {
            string name = entry.Id == VhdxGuids.BatRegion ? "BAT" : entry.Id == VhdxGuids.MetadataRegion ? "metadata" : $"region {entry.Id}";
            bool known = entry.Id == VhdxGuids.BatRegion || entry.Id == VhdxGuids.MetadataRegion;
            if (!known)
            {
                if (entry.Required)
                {
                    throw new UnsupportedFormatException(file.Path, $"required {name} is unknown to this reader");
                }

                findings.Add(CheckSeverity.Note, $"unknown optional {name} ignored");
                continue;
            }

            if (!entry.Required)
            {
                findings.Add(CheckSeverity.Note, $"{name} region is not flagged Required (written by an old qemu)");
            }

            if (entry.FileOffset % VhdxLayout.HeaderSectionSize != 0 || entry.FileOffset < VhdxLayout.HeaderSectionSize
                || entry.Length == 0 || entry.Length % VhdxLayout.HeaderSectionSize != 0)
            {
                throw new InvalidImageException(file.Path, $"{name} region at {entry.FileOffset} length {entry.Length} is not 1 MiB-aligned above the header section");
            }

            if (entry.FileOffset > file.Length - entry.Length)
            {
                throw new InvalidImageException(file.Path, $"{name} region at {entry.FileOffset} length {entry.Length} runs past the end of the file ({file.Length} bytes)");
            }

            if (!regions.TryAdd(entry.Id, entry))
            {
                throw new InvalidImageException(file.Path, $"region table lists the {name} region twice");
            }
        }

        foreach (var (id, name) in new[] { (VhdxGuids.BatRegion, "BAT"), (VhdxGuids.MetadataRegion, "metadata") })
        {
            if (!regions.ContainsKey(id))
            {
                throw new InvalidImageException(file.Path, $"region table has no {name} region");
            }
        }

        var bat = regions[VhdxGuids.BatRegion];
        var meta = regions[VhdxGuids.MetadataRegion];
        if (bat.FileOffset < meta.FileOffset + meta.Length && meta.FileOffset < bat.FileOffset + bat.Length)
        {
            throw new InvalidImageException(file.Path, $"BAT region ({bat.FileOffset}+{bat.Length}) overlaps the metadata region ({meta.FileOffset}+{meta.Length})");
        }

        return regions;
    }
}
