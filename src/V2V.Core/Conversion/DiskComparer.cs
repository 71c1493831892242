using System.Buffers;
using V2V.Core.Disks;
using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>Content comparison of two disks, skipping ranges neither of them stores.</summary>
public static class DiskComparer
{
    private const int ChunksPerWindow = 32;

    /// <summary>
    /// The first byte offset at which the two disks differ, or null when they are identical. Where
    /// capacities differ, the longer disk must read as zeros past the shorter one's end (as
    /// qemu-img compare does without --strict).
    /// </summary>
    public static long? FirstDifference(IDiskSource a, IDiskSource b, CancellationToken cancellationToken = default)
    {
        long common = Math.Min(a.Capacity, b.Capacity);
        foreach (var window in MergeOrdered(StoredChunks(a, common), StoredChunks(b, common)).Chunk(ChunksPerWindow))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var firsts = new long?[window.Length];
            Parallel.For(0, window.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                long offset = window[i] * Chunk.Size;
                int length = (int)Math.Min(Chunk.Size, common - offset);
                byte[] left = ArrayPool<byte>.Shared.Rent(length);
                byte[] right = ArrayPool<byte>.Shared.Rent(length);
                try
                {
                    a.Read(offset, left.AsSpan(0, length));
                    b.Read(offset, right.AsSpan(0, length));
                    int at = left.AsSpan(0, length).CommonPrefixLength(right.AsSpan(0, length));
                    firsts[i] = at < length ? offset + at : null;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(left);
                    ArrayPool<byte>.Shared.Return(right);
                }
            });

            if (firsts.FirstOrDefault(f => f is not null) is { } found)
            {
                return found;
            }
        }

        return a.Capacity > common ? FirstNonZero(a, common, a.Capacity) : FirstNonZero(b, common, b.Capacity);
    }

    /// <summary>The first non-zero byte of <paramref name="disk"/> in [from, to), or null.</summary>
    public static long? FirstNonZero(IDiskSource disk, long from, long to)
    {
        var buffer = new byte[Chunk.Size];
        foreach (var extent in disk.EnumerateRanges())
        {
            if (extent.Kind != RangeKind.Data || extent.End <= from || extent.Offset >= to)
            {
                continue;
            }

            for (long offset = Math.Max(from, extent.Offset); offset < Math.Min(to, extent.End); offset += buffer.Length)
            {
                int length = (int)Math.Min(buffer.Length, Math.Min(to, extent.End) - offset);
                disk.Read(offset, buffer.AsSpan(0, length));
                int at = buffer.AsSpan(0, length).IndexOfAnyExcept((byte)0);
                if (at >= 0)
                {
                    return offset + at;
                }
            }
        }

        return null;
    }

    /// <summary>The union of two ascending sequences, ascending, without duplicates.</summary>
    private static IEnumerable<long> MergeOrdered(IEnumerable<long> first, IEnumerable<long> second)
    {
        using var a = first.GetEnumerator();
        using var b = second.GetEnumerator();
        bool hasA = a.MoveNext();
        bool hasB = b.MoveNext();
        while (hasA || hasB)
        {
            if (!hasB || (hasA && a.Current < b.Current))
            {
                yield return a.Current;
                hasA = a.MoveNext();
            }
            else if (!hasA || b.Current < a.Current)
            {
                yield return b.Current;
                hasB = b.MoveNext();
            }
            else
            {
                yield return a.Current;
                hasA = a.MoveNext();
                hasB = b.MoveNext();
            }
        }
    }

    private static IEnumerable<long> StoredChunks(IDiskSource disk, long length) =>
        ChunkPlanner.DataChunks(disk.EnumerateRanges(), length).Select(offset => offset / Chunk.Size);
}
