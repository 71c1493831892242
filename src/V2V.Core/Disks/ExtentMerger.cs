namespace V2V.Core.Disks;

/// <summary>Joins adjacent extents of the same kind so callers see few, long ranges.</summary>
public static class ExtentMerger
{
    public static IEnumerable<DiskExtent> Merge(IEnumerable<DiskExtent> extents)
    {
        DiskExtent? pending = null;
        foreach (var extent in extents)
        {
            if (extent.Length == 0)
            {
                continue;
            }

            if (pending is { } p && p.Kind == extent.Kind && p.End == extent.Offset)
            {
                pending = p with { Length = p.Length + extent.Length };
                continue;
            }

            if (pending is { } done)
            {
                yield return done;
            }

            pending = extent;
        }

        if (pending is { } last)
        {
            yield return last;
        }
    }
}
