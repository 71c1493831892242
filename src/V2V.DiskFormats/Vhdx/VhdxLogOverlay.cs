using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// The result of replaying a VHDX log in memory: the 4 KiB sectors and zero ranges the log would
/// have written. Reads of the file go through it, so a dirty image reads as if replayed while
/// the file itself is never written. Later writes win over earlier ones, as in a real replay.
/// </summary>
public sealed class VhdxLogOverlay
{
    private const int SectorSize = VhdxLogEntry.SectorSize;
    private readonly Dictionary<long, byte[]> _sectors = [];
    private readonly List<(long Start, long End)> _zeroRanges = []; // sorted, disjoint

    public static VhdxLogOverlay Empty { get; } = new();

    public bool IsEmpty => _sectors.Count == 0 && _zeroRanges.Count == 0;

    /// <summary>The file length the replayed file would have (at least the physical length).</summary>
    public long FileLength { get; private set; }

    public int SectorCount => _sectors.Count;

    internal void SetFileLength(long length) => FileLength = Math.Max(FileLength, length);

    internal void WriteSector(long fileOffset, byte[] sector) => _sectors[fileOffset] = sector;

    internal void WriteZeros(long fileOffset, long length)
    {
        long end = fileOffset + length;
        if (_sectors.Count > 0)
        {
            if (length / SectorSize <= _sectors.Count)
            {
                for (long s = fileOffset; s < end; s += SectorSize)
                {
                    _sectors.Remove(s);
                }
            }
            else
            {
                foreach (var key in _sectors.Keys.Where(k => k >= fileOffset && k < end).ToList())
                {
                    _sectors.Remove(key);
                }
            }
        }

        // Merge into the sorted list of zero ranges.
        long start = fileOffset;
        int i = 0;
        while (i < _zeroRanges.Count && _zeroRanges[i].End < start)
        {
            i++;
        }

        while (i < _zeroRanges.Count && _zeroRanges[i].Start <= end)
        {
            start = Math.Min(start, _zeroRanges[i].Start);
            end = Math.Max(end, _zeroRanges[i].End);
            _zeroRanges.RemoveAt(i);
        }

        _zeroRanges.Insert(i, (start, end));
    }

    /// <summary>Reads file bytes as they are after replay: the file (zeros past its end), then the log's sectors over them.</summary>
    public void ReadThrough(ImageFile file, long fileOffset, Span<byte> destination)
    {
        file.ReadOrZero(fileOffset, destination);
        Apply(fileOffset, destination);
    }

    /// <summary>Applies the replayed writes to bytes just read from the file at <paramref name="fileOffset"/>.</summary>
    public void Apply(long fileOffset, Span<byte> buffer)
    {
        long end = fileOffset + buffer.Length;
        foreach (var (zs, ze) in _zeroRanges)
        {
            if (ze <= fileOffset)
            {
                continue;
            }

            if (zs >= end)
            {
                break;
            }

            long from = Math.Max(zs, fileOffset);
            long to = Math.Min(ze, end);
            buffer.Slice((int)(from - fileOffset), (int)(to - from)).Clear();
        }

        if (_sectors.Count == 0)
        {
            return;
        }

        for (long sector = fileOffset / SectorSize * SectorSize; sector < end; sector += SectorSize)
        {
            if (!_sectors.TryGetValue(sector, out var data))
            {
                continue;
            }

            long from = Math.Max(sector, fileOffset);
            long to = Math.Min(sector + SectorSize, end);
            data.AsSpan((int)(from - sector), (int)(to - from)).CopyTo(buffer[(int)(from - fileOffset)..]);
        }
    }
}
