using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// A VHDX file parsed and validated: current header, regions, disk parameters, BAT, and the
/// replayed log. Everything read from the file is checked against the file's real size before
/// it is used, so hostile numbers end in an <see cref="InvalidImageException"/>, not a crash or a
/// huge allocation. Oddities a reader can live with are collected in <see cref="Findings"/>.
/// </summary>
public sealed class VhdxFile : IDisposable
{
    private readonly ulong[] _bat;
    private readonly VhdxLogOverlay _overlay;

    private VhdxFile(ImageFile file, VhdxFileIdentifier identifier, VhdxHeader header, VhdxDiskParameters parameters,
        VhdxBatLayout layout, ulong[] bat, VhdxLogOverlay overlay, int replayedEntries, CheckFindings findings)
    {
        File = file;
        Identifier = identifier;
        Header = header;
        Parameters = parameters;
        BatLayout = layout;
        _bat = bat;
        _overlay = overlay;
        ReplayedLogEntries = replayedEntries;
        Findings = findings.ToList();
    }

    public ImageFile File { get; }
    public VhdxFileIdentifier Identifier { get; }
    public VhdxHeader Header { get; }
    public VhdxDiskParameters Parameters { get; }
    public VhdxBatLayout BatLayout { get; }
    public int ReplayedLogEntries { get; }

    /// <summary>Things that are not as the spec wants but were tolerated (for <c>v2v check</c>).</summary>
    public IReadOnlyList<CheckFinding> Findings { get; }

    public long VirtualSize => (long)Parameters.VirtualDiskSize;
    public long BlockSize => Parameters.BlockSize;
    public bool IsFixed => Parameters.LeaveBlocksAllocated;

    public VhdxBatEntry PayloadEntry(long block) => VhdxBatEntry.FromRaw(_bat[BatLayout.PayloadEntryIndex(block)]);

    public static VhdxFile Open(string path)
    {
        var file = ImageFile.OpenRead(path);
        try
        {
            return Parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Parses an image already open (a package member viewed in place); the caller keeps it on failure.</summary>
    public static VhdxFile Open(ImageFile file) => Parse(file);

    /// <summary>Reads file bytes as they are after log replay.</summary>
    public void ReadFile(long fileOffset, Span<byte> destination)
    {
        File.ReadOrZero(fileOffset, destination, "payload block");
        _overlay.Apply(fileOffset, destination);
    }

    public void Dispose() => File.Dispose();

    private static VhdxFile Parse(ImageFile file)
    {
        string path = file.Path;
        var findings = new CheckFindings();
        if (file.Length < VhdxLayout.MinimumFileLength)
        {
            throw new InvalidImageException(path, $"truncated: {file.Length} bytes, a VHDX needs at least {VhdxLayout.MinimumFileLength} bytes of headers and region tables");
        }

        var buffer = new byte[VhdxLayout.RegionTableSize];
        file.ReadExactly(0, buffer.AsSpan(0, 4096), "file type identifier");
        if (!VhdxFileIdentifier.HasSignature(buffer))
        {
            throw new InvalidImageException(path, "file type identifier at offset 0 is not \"vhdxfile\"");
        }

        file.ReadExactly(0, buffer.AsSpan(0, 8 + 512), "file type identifier");
        var identifier = VhdxFileIdentifier.Read(buffer);

        var header = ChooseHeader(file, buffer, findings);
        if (header.Version != 1)
        {
            throw new UnsupportedFormatException(path, $"header Version {header.Version} (only version 1 exists)");
        }

        if (header.LogVersion != 0)
        {
            throw new UnsupportedFormatException(path, $"header LogVersion {header.LogVersion} (only version 0 exists)");
        }

        var overlay = VhdxLogReplay.Replay(file, header, out int replayed);
        if (replayed > 0)
        {
            findings.Add(CheckSeverity.Note, $"log holds {replayed} entries that were replayed in memory (the file was not closed cleanly)");
        }

        var regions = ReadRegions(file, buffer, findings);
        var metadataRegion = regions[VhdxGuids.MetadataRegion];
        var batRegion = regions[VhdxGuids.BatRegion];

        var parameters = ReadMetadata(file, overlay, metadataRegion, findings);
        if (parameters.HasParent)
        {
            throw new UnsupportedFormatException(path, "differencing VHDX (file parameters HasParent): merge it into its parent with Hyper-V first; differencing chains are not supported yet");
        }

        var layout = new VhdxBatLayout((long)parameters.VirtualDiskSize, parameters.BlockSize, (int)parameters.LogicalSectorSize, parameters.HasParent);
        if (layout.TotalEntries * 8 > batRegion.Length)
        {
            throw new InvalidImageException(path, $"BAT region is {batRegion.Length} bytes but {layout.TotalEntries} entries need {layout.TotalEntries * 8}");
        }

        var bat = new ulong[layout.TotalEntries];
        var raw = new byte[Math.Min(layout.TotalEntries * 8, 1024 * 1024)];
        long viewLength = Math.Max(file.Length, overlay.FileLength);
        var reserved = regions.Values.Select(r => (Start: r.FileOffset, End: r.FileOffset + r.Length))
            .Append((Start: 0L, End: VhdxLayout.HeaderSectionSize))
            .Append((Start: (long)header.LogOffset, End: (long)header.LogOffset + header.LogLength))
            .ToList();
        for (long index = 0; index < layout.TotalEntries; index += raw.Length / 8)
        {
            int count = (int)Math.Min(raw.Length / 8, layout.TotalEntries - index);
            var span = raw.AsSpan(0, count * 8);
            ReadThrough(file, overlay, batRegion.FileOffset + index * 8, span);
            for (int i = 0; i < count; i++)
            {
                bat[index + i] = BinaryPrimitives.ReadUInt64LittleEndian(span[(i * 8)..]);
            }
        }

        for (long block = 0; block < layout.PayloadBlocks; block++)
        {
            ValidatePayloadEntry(path, layout, bat, block, (long)parameters.VirtualDiskSize, viewLength, reserved, findings);
        }

        return new VhdxFile(file, identifier, header, parameters, layout, bat, overlay, replayed, findings);
    }

    private static void ReadThrough(ImageFile file, VhdxLogOverlay overlay, long offset, Span<byte> destination)
    {
        file.ReadOrZero(offset, destination);
        overlay.Apply(offset, destination);
    }

    private static VhdxHeader ChooseHeader(ImageFile file, byte[] buffer, CheckFindings findings)
    {
        file.ReadExactly(VhdxLayout.Header1Offset, buffer.AsSpan(0, VhdxLayout.HeaderSize), "header 1");
        var first = VhdxHeader.TryRead(buffer, out var firstProblem);
        file.ReadExactly(VhdxLayout.Header2Offset, buffer.AsSpan(0, VhdxLayout.HeaderSize), "header 2");
        var second = VhdxHeader.TryRead(buffer, out var secondProblem);

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

    private static Dictionary<Guid, VhdxRegionEntry> ReadRegions(ImageFile file, byte[] buffer, CheckFindings findings)
    {
        file.ReadExactly(VhdxLayout.RegionTable1Offset, buffer, "region table 1");
        var table = VhdxRegionTable.TryRead(buffer, out var problem1);
        if (table is null)
        {
            file.ReadExactly(VhdxLayout.RegionTable2Offset, buffer, "region table 2");
            table = VhdxRegionTable.TryRead(buffer, out var problem2)
                ?? throw new InvalidImageException(file.Path, $"no valid region table: table 1 (192 KiB): {problem1}; table 2 (256 KiB): {problem2}");
            findings.Add(CheckSeverity.Problem, $"region table 1 (192 KiB) is invalid: {problem1}");
        }

        var regions = new Dictionary<Guid, VhdxRegionEntry>();
        foreach (var entry in table.Entries)
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

    private static VhdxDiskParameters ReadMetadata(ImageFile file, VhdxLogOverlay overlay, VhdxRegionEntry region, CheckFindings findings)
    {
        string path = file.Path;
        if (region.Length < VhdxLayout.MetadataTableSize)
        {
            throw new InvalidImageException(path, $"metadata region of {region.Length} bytes cannot hold its 64 KiB table");
        }

        var tableBytes = new byte[VhdxLayout.MetadataTableSize];
        ReadThrough(file, overlay, region.FileOffset, tableBytes);
        var table = VhdxMetadataTable.TryRead(tableBytes, out var problem)
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
            ReadThrough(file, overlay, region.FileOffset + entry.Offset, value);
            if (!items.TryAdd(entry.ItemId, value))
            {
                throw new InvalidImageException(path, $"metadata item {entry.ItemId} is listed twice");
            }
        }

        byte[] Item(Guid id, string name) => items.TryGetValue(id, out var v)
            ? v
            : throw new InvalidImageException(path, $"metadata has no {name} item");

        var fileParameters = Item(VhdxGuids.FileParameters, "File Parameters");
        uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(fileParameters);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(fileParameters.AsSpan(4));
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(Item(VhdxGuids.VirtualDiskSize, "Virtual Disk Size"));
        uint logical = BinaryPrimitives.ReadUInt32LittleEndian(Item(VhdxGuids.LogicalSectorSize, "Logical Sector Size"));
        uint physical = BinaryPrimitives.ReadUInt32LittleEndian(Item(VhdxGuids.PhysicalSectorSize, "Physical Sector Size"));
        var page83 = items.TryGetValue(VhdxGuids.Page83Data, out var id83) ? new Guid(id83) : Guid.Empty;
        if (page83 == Guid.Empty)
        {
            findings.Add(CheckSeverity.Problem, "metadata has no Page 83 (virtual disk id) item");
        }

        if (blockSize < VhdxLayout.MinBlockSize || blockSize > VhdxLayout.MaxBlockSize || !Alignment.IsPowerOfTwo(blockSize))
        {
            throw new InvalidImageException(path, $"File Parameters BlockSize {blockSize} is not a power of two between 1 MiB and 256 MiB");
        }

        if (logical is not (512 or 4096))
        {
            throw new InvalidImageException(path, $"Logical Sector Size {logical} is neither 512 nor 4096");
        }

        if (physical is not (512 or 4096))
        {
            throw new InvalidImageException(path, $"Physical Sector Size {physical} is neither 512 nor 4096");
        }

        if (size == 0 || size > VhdxLayout.MaxVirtualDiskSize || size % logical != 0)
        {
            throw new InvalidImageException(path, $"Virtual Disk Size {size} is not a multiple of {logical} between 1 sector and 64 TiB");
        }

        bool hasParent = (flags & 2) != 0;
        if (hasParent != items.ContainsKey(VhdxGuids.ParentLocator))
        {
            findings.Add(CheckSeverity.Problem, hasParent ? "HasParent is set but there is no parent locator" : "parent locator present on a disk without HasParent");
        }

        return new VhdxDiskParameters(blockSize, (flags & 1) != 0, hasParent, size, page83, logical, physical);
    }

    private static void ValidatePayloadEntry(string path, VhdxBatLayout layout, ulong[] bat, long block, long virtualSize,
        long viewLength, List<(long Start, long End)> reserved, CheckFindings findings)
    {
        ulong raw = bat[layout.PayloadEntryIndex(block)];
        var entry = VhdxBatEntry.FromRaw(raw);
        switch (entry.State)
        {
            case VhdxBlockState.NotPresent or VhdxBlockState.Undefined or VhdxBlockState.Zero
                or VhdxBlockState.Unmapped or VhdxBlockState.UnmappedLegacy:
                if (entry.FileOffsetMB != 0)
                {
                    findings.Add(CheckSeverity.Problem, $"BAT entry for block {block} has state {entry.State} but a non-zero FileOffsetMB {entry.FileOffsetMB} (Hyper-V refuses such files)");
                }

                return;
            case VhdxBlockState.FullyPresent:
                break;
            default:
                throw new InvalidImageException(path, $"BAT entry for block {block} has state {(int)entry.State}, which a disk without a parent cannot have");
        }

        long start = entry.FileOffset;
        long needed = Math.Min(layout.BlockSize, virtualSize - block * layout.BlockSize);
        if (entry.FileOffsetMB > viewLength / (1024 * 1024) || start > viewLength - needed)
        {
            throw new InvalidImageException(path, $"BAT entry for block {block} points at file offset {start}, past the end of the file ({viewLength} bytes)");
        }

        foreach (var (rs, re) in reserved)
        {
            if (start < re && rs < start + needed)
            {
                throw new InvalidImageException(path, $"BAT entry for block {block} points at file offset {start}, inside the headers, log, BAT or metadata");
            }
        }

        if (VhdxBatEntry.HasReservedBits(raw))
        {
            findings.Add(CheckSeverity.Problem, $"BAT entry for block {block} has reserved bits set (0x{raw:X16})");
        }
    }
}
