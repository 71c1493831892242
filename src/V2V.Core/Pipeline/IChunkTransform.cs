namespace V2V.Core.Pipeline;

/// <summary>
/// A stage that may rewrite a chunk's bytes on its way from the source to the targets: the
/// worker calls it after the fill and before the zero check, the piece hash and the writes, so
/// what it leaves in the chunk is what every target receives and what the content digest
/// covers. Used to patch guest blocks while a disk is copied; set on
/// <see cref="PipelineOptions.Transform"/> (null, the default, copies bytes unchanged).
/// Only data chunks pass through it: a run the source knows to be zero or unallocated is never
/// read and reaches no transform, so a transform can patch only blocks the source stores.
/// Called concurrently by several workers, each chunk once.
/// </summary>
public interface IChunkTransform
{
    /// <summary>
    /// Rewrites <paramref name="chunk"/> in place: the disk's bytes at <paramref name="offset"/>
    /// (a multiple of <see cref="Chunk.Size"/>; the chunk is shorter only at the disk's end).
    /// Throwing fails the run.
    /// </summary>
    void Transform(long offset, Span<byte> chunk);
}
