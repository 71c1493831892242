using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// A FLAT or VMFS extent: the disk's bytes stored as they are, from a sector offset of a file.
/// A thin file on a filesystem with holes is read sparsely (SEEK_DATA); its holes are zeros, not
/// windows onto a parent. A file without a local handle (a datastore file read over HTTP, which
/// reports no holes) is data up to its end.
/// </summary>
public sealed class FlatExtent : VmdkExtent
{
    private readonly ImageFile _file;
    private readonly long _start;

    public FlatExtent(ImageFile file, long startSector, long length)
    {
        _file = file;
        _start = startSector * 512;
        Length = length;
        if (_start > file.Length)
        {
            throw new InvalidImageException(file.Path, $"flat extent starts at sector {startSector}, past the end of the file ({file.Length} bytes)");
        }
    }

    public override long Length { get; }

    public override IEnumerable<DiskRange> EnumerateRanges()
    {
        // Bytes past the file's end read as zero: ESXi thin -flat files can be shorter than the extent.
        long stored = Math.Clamp(_file.Length - _start, 0, Length);
        long position = 0;
        if (!_file.HasHandle && stored > 0)
        {
            yield return new DiskRange(0, stored, RangeKind.Data);
            position = stored;
        }

        while (position < stored)
        {
            // _file may be a slice of a package (an OVA member read in place): offsets in the
            // underlying file are shifted by its Start.
            long found = FileRanges.NextData(_file.Handle, _file.Start + _start + position, _file.Start + _start + stored);
            long data = found - _file.Start;
            if (found < 0 || data - _start >= stored)
            {
                PositionalRead.EnsureLength(_file.Handle, _file.Path, _start + stored);
                break;
            }

            long hole = FileRanges.NextHole(_file.Handle, _file.Start + data, _file.Start + _start + stored) - _file.Start;
            if (data - _start > position)
            {
                yield return new DiskRange(position, data - _start - position, RangeKind.Zero);
            }

            long end = Math.Max(hole, data + 1) - _start;
            yield return new DiskRange(data - _start, end - (data - _start), RangeKind.Data);
            position = end;
        }

        if (position < Length)
        {
            yield return new DiskRange(position, Length - position, RangeKind.Zero);
        }
    }

    public override void Read(long offset, Span<byte> destination, long virtualOffset, ILayerBacking below) =>
        _file.ReadOrZero(_start + offset, destination, "flat extent data");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
