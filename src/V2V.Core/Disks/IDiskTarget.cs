namespace V2V.Core.Disks;

/// <summary>
/// A disk image being written by the pipeline. Chunks arrive in any order and from several
/// workers at once, so <see cref="Write"/> must be thread-safe (positional writes, allocation
/// under a lock); each chunk is written at most once, and only if it is not all zero, so ranges
/// never written must read as zero. It writes into the handle of an
/// <see cref="Output.AtomicOutputFile"/> its caller created, and removes on failure.
/// </summary>
public interface IDiskTarget : IDisposable
{
    /// <summary>Virtual size of the image being written (the source capacity, possibly rounded up).</summary>
    long Capacity { get; }

    /// <summary>
    /// Writes one chunk of non-zero data at a chunk-aligned offset of the virtual disk;
    /// <paramref name="data"/> is <see cref="Pipeline.Chunk.Size"/> bytes, shorter only at the
    /// disk's end. The span is the worker's buffer, reused once the call returns: keep a copy.
    /// </summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>
    /// Everything below <paramref name="offset"/> has been delivered (written, or known to be zero).
    /// Called from one thread after each chunk is folded into the digest, with offsets that never
    /// decrease (the same offset may come again). Formats that must lay data out in disk order
    /// (streamOptimized VMDK) append what they held back; the others ignore it.
    /// </summary>
    void Covered(long offset)
    {
    }

    /// <summary>
    /// Called once, after the pipeline delivered every chunk of the source: writes the remaining
    /// metadata (tables, footers); the caller flushes and renames.
    /// </summary>
    void Complete();
}
