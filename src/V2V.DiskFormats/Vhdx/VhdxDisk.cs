using V2V.Core.Disks;

namespace V2V.DiskFormats.Vhdx;

/// <summary>A VHDX file (dynamic or fixed, dirty log replayed in memory) read as a virtual disk.</summary>
public sealed class VhdxDisk : IDiskSource
{
    private readonly VhdxFile _image;

    public VhdxDisk(VhdxFile image) => _image = image;

    public static VhdxDisk Open(string path) => new(VhdxFile.Open(path));

    public string Path => _image.File.Path;
    public IReadOnlyList<string> Files => [Path];
    public long Capacity => _image.VirtualSize;
    public int LogicalSectorSize => (int)_image.Parameters.LogicalSectorSize;
    public VhdxFile Image => _image;

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        var layout = _image.BatLayout;
        return RangeMerger.Merge(Blocks());

        IEnumerable<DiskRange> Blocks()
        {
            for (long block = 0; block < layout.PayloadBlocks; block++)
            {
                long offset = block * layout.BlockSize;
                long length = Math.Min(layout.BlockSize, Capacity - offset);
                var kind = _image.PayloadEntry(block).State switch
                {
                    VhdxBlockState.FullyPresent => RangeKind.Data,
                    VhdxBlockState.Zero or VhdxBlockState.Unmapped or VhdxBlockState.UnmappedLegacy => RangeKind.Zero,
                    _ => RangeKind.Unallocated,
                };
                yield return new DiskRange(offset, length, kind);
            }
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        long blockSize = _image.BlockSize;
        while (!destination.IsEmpty)
        {
            long block = offset / blockSize;
            long inBlock = offset % blockSize;
            int length = (int)Math.Min(destination.Length, blockSize - inBlock);
            var entry = _image.PayloadEntry(block);
            if (entry.State == VhdxBlockState.FullyPresent)
            {
                _image.ReadFile(entry.FileOffset + inBlock, destination[..length]);
            }
            else
            {
                destination[..length].Clear();
            }

            offset += length;
            destination = destination[length..];
        }
    }

    public SourceDescription Describe()
    {
        var p = _image.Parameters;
        var properties = new List<KeyValuePair<string, string>>
        {
            new("block size", p.BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("logical sector size", p.LogicalSectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("physical sector size", p.PhysicalSectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("creator", _image.Identifier.Creator),
            new("virtual disk id", p.Page83Id.ToString()),
            new("log", _image.ReplayedLogEntries > 0 ? $"dirty: {_image.ReplayedLogEntries} entries replayed in memory" : "clean"),
        };
        return new SourceDescription("vhdx", _image.IsFixed ? "fixed" : "dynamic", [Path], properties);
    }

    public void Dispose() => _image.Dispose();
}
