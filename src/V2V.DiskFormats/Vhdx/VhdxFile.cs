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
    private readonly VhdxBat _bat;
    private readonly VhdxLogOverlay _overlay;

    private VhdxFile(ImageFile file, VhdxFileIdentifier identifier, VhdxHeader header, VhdxDiskParameters parameters,
        VhdxBat bat, VhdxLogOverlay overlay, int replayedEntries, CheckFindings findings)
    {
        File = file;
        Identifier = identifier;
        Header = header;
        Parameters = parameters;
        _bat = bat;
        _overlay = overlay;
        ReplayedLogEntries = replayedEntries;
        Findings = findings.ToList();
    }

    public ImageFile File { get; }
    public VhdxFileIdentifier Identifier { get; }
    public VhdxHeader Header { get; }
    public VhdxDiskParameters Parameters { get; }
    public VhdxBatLayout BatLayout => _bat.Layout;
    public int ReplayedLogEntries { get; }

    /// <summary>Things that are not as the spec wants but were tolerated (for <c>v2v check</c>).</summary>
    public IReadOnlyList<CheckFinding> Findings { get; }

    public long VirtualSize => (long)Parameters.VirtualDiskSize;
    public long BlockSize => Parameters.BlockSize;
    public bool IsFixed => Parameters.LeaveBlocksAllocated;

    public VhdxBatEntry PayloadEntry(long block) => _bat.PayloadEntry(block);

    public static VhdxFile Open(string path) => ImageFile.OpenAndParse(path, Parse);

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

        var header = VhdxHeader.ReadCurrent(file, buffer, findings);
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

        var regions = VhdxRegionTable.ReadCurrent(file, buffer, findings).KnownRegions(file, findings);
        var metadataRegion = regions[VhdxGuids.MetadataRegion];
        var batRegion = regions[VhdxGuids.BatRegion];

        var parameters = VhdxDiskParameters.Decode(path, VhdxMetadataTable.ReadItems(file, overlay, metadataRegion, findings), findings);
        if (parameters.HasParent)
        {
            throw new UnsupportedFormatException(path, "differencing VHDX (file parameters HasParent): merge it into its parent with Hyper-V first; differencing chains are not supported yet");
        }

        var layout = new VhdxBatLayout((long)parameters.VirtualDiskSize, parameters.BlockSize, (int)parameters.LogicalSectorSize, parameters.HasParent);
        var reserved = regions.Values.Select(r => (Start: r.FileOffset, End: r.FileOffset + r.Length))
            .Append((Start: 0L, End: VhdxLayout.HeaderSectionSize))
            .Append((Start: (long)header.LogOffset, End: (long)header.LogOffset + header.LogLength))
            .ToList();
        var bat = VhdxBat.Load(file, overlay, batRegion, layout, (long)parameters.VirtualDiskSize, reserved, findings);
        return new VhdxFile(file, identifier, header, parameters, bat, overlay, replayed, findings);
    }
}
