using V2V.Core.Disks;

namespace V2V.DiskFormats.Common;

/// <summary>
/// The ranges of a snapshot chain (VMDK deltas, differencing VHDs): a range holds data when any
/// layer stores data there; the rest is unallocated. Layers' ranges are merged as they stream.
/// </summary>
public static class ChainRanges
{
    public static IEnumerable<DiskRange> UnionOfData(IEnumerable<IEnumerable<DiskRange>> layers, long capacity)
    {
        var queue = new PriorityQueue<IEnumerator<DiskRange>, long>();
        foreach (var layer in layers)
        {
            var data = layer.Where(e => e.Kind == RangeKind.Data).GetEnumerator();
            if (data.MoveNext())
            {
                queue.Enqueue(data, data.Current.Offset);
            }
        }

        long position = 0;
        long runStart = -1;
        long runEnd = -1;
        while (queue.TryDequeue(out var layer, out _))
        {
            var extent = layer.Current;
            if (layer.MoveNext())
            {
                queue.Enqueue(layer, layer.Current.Offset);
            }
            else
            {
                layer.Dispose();
            }

            if (runStart >= 0 && extent.Offset <= runEnd)
            {
                runEnd = Math.Max(runEnd, extent.End);
                continue;
            }

            if (runStart >= 0)
            {
                yield return new DiskRange(runStart, runEnd - runStart, RangeKind.Data);
                position = runEnd;
            }

            if (extent.Offset > position)
            {
                yield return new DiskRange(position, extent.Offset - position, RangeKind.Unallocated);
            }

            runStart = extent.Offset;
            runEnd = extent.End;
        }

        if (runStart >= 0)
        {
            yield return new DiskRange(runStart, runEnd - runStart, RangeKind.Data);
            position = runEnd;
        }

        if (position < capacity)
        {
            yield return new DiskRange(position, capacity - position, RangeKind.Unallocated);
        }
    }
}
