using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// Which chunks of a random-access source must be read: every chunk that touches a data range.
/// The rest (holes, zero ranges) is never read; <see cref="ChunkJobWriter"/> turns it into zero jobs.
/// </summary>
public static class ChunkPlanner
{
    /// <summary>
    /// Offsets of the chunks touching a <see cref="RangeKind.Data"/> range below
    /// <paramref name="length"/>, ascending, each once. Ranges must be ordered and not overlap
    /// (the <see cref="IDiskSource.EnumerateRanges"/> contract); anything else is a bug
    /// (<see cref="InvalidOperationException"/>).
    /// </summary>
    public static IEnumerable<long> DataChunks(IEnumerable<DiskRange> ranges, long length)
    {
        long nextChunk = 0;
        long chunkCount = Chunk.CountFor(length);
        long previousEnd = 0;

        foreach (var range in ranges)
        {
            if (range.Offset < previousEnd || range.Length < 0)
            {
                throw new InvalidOperationException($"source ranges out of order at offset {range.Offset}");
            }

            previousEnd = range.End;
            if (range.Kind != RangeKind.Data || range.Length == 0 || range.Offset >= length)
            {
                continue;
            }

            long first = Math.Max(range.Offset / Chunk.Size, nextChunk);
            long last = Math.Min(Chunk.CountFor(Math.Min(range.End, length)), chunkCount);
            for (long chunk = first; chunk < last; chunk++)
            {
                yield return chunk * Chunk.Size;
            }

            nextChunk = Math.Max(nextChunk, last);
        }
    }

    /// <summary>Bytes the planned chunks hold (for progress and ETA).</summary>
    public static long DataBytes(IEnumerable<DiskRange> ranges, long length)
    {
        long total = 0;
        foreach (long offset in DataChunks(ranges, length))
        {
            total += Math.Min(Chunk.Size, length - offset);
        }

        return total;
    }
}
