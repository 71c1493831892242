using V2V.Core.Disks;

namespace V2V.DiskFormats.Common;

/// <summary>
/// The extents of a snapshot chain (VMDK deltas, differencing VHDs): a range holds data when any
/// layer stores data there; the rest is unallocated. Layers' extents are merged as they stream.
/// </summary>
public static class ChainExtents
{
    public static IEnumerable<DiskExtent> UnionOfData(IEnumerable<IEnumerable<DiskExtent>> layers, long capacity)
    {
        var queue = new PriorityQueue<IEnumerator<DiskExtent>, long>();
        foreach (var layer in layers)
        {
            var data = layer.Where(e => e.Kind == ExtentKind.Data).GetEnumerator();
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
                yield return new DiskExtent(runStart, runEnd - runStart, ExtentKind.Data);
                position = runEnd;
            }

            if (extent.Offset > position)
            {
                yield return new DiskExtent(position, extent.Offset - position, ExtentKind.Unallocated);
            }

            runStart = extent.Offset;
            runEnd = extent.End;
        }

        if (runStart >= 0)
        {
            yield return new DiskExtent(runStart, runEnd - runStart, ExtentKind.Data);
            position = runEnd;
        }

        if (position < capacity)
        {
            yield return new DiskExtent(position, capacity - position, ExtentKind.Unallocated);
        }
    }
}
