using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// Turns a source's extents into chunk jobs: every chunk that touches a data extent is read,
/// every run of chunks that touches none becomes one zero job. Holes are never read.
/// </summary>
public static class ChunkPlanner
{
    public static IEnumerable<BlockJob> Plan(IEnumerable<DiskExtent> extents, long length)
    {
        long sequence = 0;
        long nextChunk = 0;
        long chunkCount = Chunk.CountFor(length);
        long previousEnd = 0;

        foreach (var extent in extents)
        {
            if (extent.Offset < previousEnd || extent.Length < 0)
            {
                throw new InvalidOperationException($"source extents out of order at offset {extent.Offset}");
            }

            previousEnd = extent.End;
            if (extent.Kind != ExtentKind.Data || extent.Length == 0 || extent.Offset >= length)
            {
                continue;
            }

            long first = Math.Max(extent.Offset / Chunk.Size, nextChunk);
            long last = Math.Min(Chunk.CountFor(Math.Min(extent.End, length)), chunkCount);
            if (last <= first)
            {
                continue;
            }

            if (first > nextChunk)
            {
                yield return new BlockJob(sequence++, nextChunk * Chunk.Size, (first - nextChunk) * Chunk.Size, BlockJobKind.Zero);
            }

            for (long chunk = first; chunk < last; chunk++)
            {
                long offset = chunk * Chunk.Size;
                yield return new BlockJob(sequence++, offset, Math.Min(Chunk.Size, length - offset), BlockJobKind.Read);
            }

            nextChunk = last;
        }

        if (nextChunk < chunkCount)
        {
            long offset = nextChunk * Chunk.Size;
            yield return new BlockJob(sequence, offset, length - offset, BlockJobKind.Zero);
        }
    }

    /// <summary>Bytes the plan will read (for progress and ETA).</summary>
    public static long DataBytes(IEnumerable<DiskExtent> extents, long length)
    {
        long total = 0;
        foreach (var job in Plan(extents, length))
        {
            if (job.Kind == BlockJobKind.Read)
            {
                total += job.Length;
            }
        }

        return total;
    }
}
