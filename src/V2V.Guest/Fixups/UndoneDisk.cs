using V2V.Core.Disks;

namespace V2V.Guest.Fixups;

/// <summary>
/// A fixed disk read as it was before its fixups: reads of <paramref name="fixedDisk"/> with the
/// journal's original bytes put back, and the journaled ranges reported as data even where the
/// fixed disk stores nothing, so a comparison or a copy reads them. Does not own the disk.
/// </summary>
public sealed class UndoneDisk(IDiskSource fixedDisk, JournalRanges ranges) : IDiskSource
{
    public string Path => fixedDisk.Path;
    public IReadOnlyList<string> Files => fixedDisk.Files;
    public long Capacity => fixedDisk.Capacity;
    public int LogicalSectorSize => fixedDisk.LogicalSectorSize;

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        var journaled = ranges.Ranges;
        int next = 0;
        foreach (var range in fixedDisk.EnumerateRanges())
        {
            if (range.Kind == RangeKind.Data)
            {
                yield return range;
                continue;
            }

            // A zero or unallocated range is cut where journaled ranges cross it; those parts become data.
            long position = range.Offset;
            while (next < journaled.Count && journaled[next].End <= position)
            {
                next++;
            }

            for (int i = next; i < journaled.Count && journaled[i].Offset < range.End; i++)
            {
                long start = Math.Max(journaled[i].Offset, position);
                long stop = Math.Min(journaled[i].End, range.End);
                if (start > position)
                {
                    yield return range with { Offset = position, Length = start - position };
                }

                yield return new DiskRange(start, stop - start, RangeKind.Data);
                position = stop;
            }

            if (position < range.End)
            {
                yield return range with { Offset = position, Length = range.End - position };
            }
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        fixedDisk.Read(offset, destination);
        ranges.Restore(offset, destination);
    }

    public SourceDescription Describe() => fixedDisk.Describe();

    public void Dispose()
    {
    }
}
