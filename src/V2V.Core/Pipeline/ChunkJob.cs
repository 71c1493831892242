namespace V2V.Core.Pipeline;

/// <summary>
/// How a data job's chunk gets its bytes. A random-access source's fill reads the source at the
/// chunk's offset (one fill bound to the source serves every job and is called concurrently);
/// a forward-only producer hands over what it gathered (an XVA chunk, the compressed grains of a
/// streamOptimized VMDK), so the expensive part (reading, inflating, checking) runs on the
/// workers while the producer reads on. A fill that holds rented buffers belongs to one job and
/// gives them back when called.
/// </summary>
public interface IChunkFill
{
    /// <summary>
    /// Writes all of <paramref name="chunk"/>: the job's <c>Length</c> bytes of the disk at
    /// <paramref name="offset"/>. Throws the reader's exception (a bad file, a checksum
    /// mismatch, an I/O error) to fail the run.
    /// </summary>
    void Fill(long offset, Span<byte> chunk);
}

/// <summary>
/// A unit of pipeline work, numbered in disk order so the digest can be assembled in order:
/// one chunk to fill (<see cref="Fill"/> set, <see cref="Length"/> at most <see cref="Chunk.Size"/>),
/// or a run of whole chunks known to be zero or unallocated (<see cref="Fill"/> null: nothing to
/// read, any length). Producers emit them through a <see cref="ChunkJobWriter"/>.
/// </summary>
public readonly record struct ChunkJob(long Sequence, long Offset, long Length, IChunkFill? Fill)
{
    public bool IsZero => Fill is null;
}
