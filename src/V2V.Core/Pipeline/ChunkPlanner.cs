using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// Turns a source's ranges into chunk jobs: every chunk that touches a data range is read,
/// every run of chunks that touches none becomes one zero job. Holes are never read.
/// </summary>
public static class ChunkPlanner
{
    public static IEnumerable<ChunkJob> Plan(IEnumerable<DiskRange> ranges, long length)
    {
        long sequence = 0;
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
            if (last <= first)
            {
                continue;
            }

            if (first > nextChunk)
            {
                yield return new ChunkJob(sequence++, nextChunk * Chunk.Size, (first - nextChunk) * Chunk.Size, ChunkJobKind.Zero);
            }

            for (long chunk = first; chunk < last; chunk++)
            {
                long offset = chunk * Chunk.Size;
                yield return new ChunkJob(sequence++, offset, Math.Min(Chunk.Size, length - offset), ChunkJobKind.Read);
            }

            nextChunk = last;
        }

        if (nextChunk < chunkCount)
        {
            long offset = nextChunk * Chunk.Size;
            yield return new ChunkJob(sequence, offset, length - offset, ChunkJobKind.Zero);
        }
    }

    /// <summary>Bytes the plan will read (for progress and ETA).</summary>
    public static long DataBytes(IEnumerable<DiskRange> ranges, long length)
    {
        long total = 0;
        foreach (var job in Plan(ranges, length))
        {
            if (job.Kind == ChunkJobKind.Read)
            {
                total += job.Length;
            }
        }

        return total;
    }
}
