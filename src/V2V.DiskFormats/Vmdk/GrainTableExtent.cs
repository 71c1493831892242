using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// A sparse VMDK extent addressed through a grain directory of grain tables (hosted sparse
/// "KDMV", seSparse, COWD): the walk over tables and grains is here once; each layout decodes
/// its own entries (<typeparamref name="TEntry"/>) and reads its own grains. A table that is not
/// allocated, and an entry that says so, read the layer below.
/// </summary>
public abstract class GrainTableExtent<TEntry> : VmdkExtent
    where TEntry : unmanaged
{
    private readonly long _grainBytes;
    private readonly long _tableCover;
    private readonly long _tableCount;

    /// <param name="grainBytes">Bytes of one grain.</param>
    /// <param name="entriesPerTable">Grains one table maps.</param>
    /// <param name="tableCount">Tables the directory holds for this extent's <paramref name="length"/>.</param>
    protected GrainTableExtent(ImageFile file, long grainBytes, int entriesPerTable, long tableCount, long length)
    {
        File = file;
        _grainBytes = grainBytes;
        _tableCover = grainBytes * entriesPerTable;
        _tableCount = tableCount;
        Length = length;
    }

    public override long Length { get; }

    /// <summary>The extent file; the extent disposes it.</summary>
    protected ImageFile File { get; }

    /// <summary>The table at <paramref name="index"/>, or null when the directory allocates none there.</summary>
    protected abstract TEntry[]? Table(long index);

    /// <summary>What an entry says: unallocated (read below), zero, or data; throws on an entry that is invalid.</summary>
    protected abstract RangeKind KindOf(TEntry entry);

    /// <summary>Reads from the data grain <paramref name="entry"/> points at, starting <paramref name="inGrain"/> bytes in.</summary>
    /// <param name="grainStart">The grain's offset inside the extent.</param>
    protected abstract void ReadGrain(TEntry entry, long grainStart, int inGrain, Span<byte> destination);

    /// <summary>Merged a table at a time, so memory does not grow with the disk (a 2 TiB seSparse delta has 512 Mi grains).</summary>
    public sealed override IEnumerable<DiskRange> EnumerateRanges()
    {
        var grains = new List<DiskRange>();
        for (long t = 0; t < _tableCount; t++)
        {
            long tableStart = t * _tableCover;
            if (Table(t) is not { } entries)
            {
                yield return new DiskRange(tableStart, Math.Min(_tableCover, Length - tableStart), RangeKind.Unallocated);
                continue;
            }

            grains.Clear();
            for (int i = 0; i < entries.Length && tableStart + i * _grainBytes < Length; i++)
            {
                long offset = tableStart + i * _grainBytes;
                grains.Add(new DiskRange(offset, Math.Min(_grainBytes, Length - offset), KindOf(entries[i])));
            }

            foreach (var extent in RangeMerger.Merge(grains))
            {
                yield return extent;
            }
        }
    }

    public sealed override void Read(long offset, Span<byte> destination, long virtualOffset, ILayerBacking below)
    {
        while (!destination.IsEmpty)
        {
            long grainStart = offset / _grainBytes * _grainBytes;
            int inGrain = (int)(offset - grainStart);
            int length = (int)Math.Min(destination.Length, _grainBytes - inGrain);
            var part = destination[..length];
            var entries = Table(offset / _tableCover);
            if (entries is null)
            {
                below.Read(virtualOffset, part);
            }
            else
            {
                var entry = entries[offset % _tableCover / _grainBytes];
                switch (KindOf(entry))
                {
                    case RangeKind.Unallocated:
                        below.Read(virtualOffset, part);
                        break;
                    case RangeKind.Zero:
                        part.Clear();
                        break;
                    default:
                        ReadGrain(entry, grainStart, inGrain, part);
                        break;
                }
            }

            offset += length;
            virtualOffset += length;
            destination = destination[length..];
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            File.Dispose();
        }

        base.Dispose(disposing);
    }
}
