namespace V2V.Core.Disks;

/// <summary>Joins adjacent ranges of the same kind so callers see few, long ranges.</summary>
public static class RangeMerger
{
    public static IEnumerable<DiskRange> Merge(IEnumerable<DiskRange> ranges)
    {
        DiskRange? pending = null;
        foreach (var range in ranges)
        {
            if (range.Length == 0)
            {
                continue;
            }

            if (pending is { } p && p.Kind == range.Kind && p.End == range.Offset)
            {
                pending = p with { Length = p.Length + range.Length };
                continue;
            }

            if (pending is { } done)
            {
                yield return done;
            }

            pending = range;
        }

        if (pending is { } last)
        {
            yield return last;
        }
    }
}
