namespace V2V.Core.Disks;

/// <summary>
/// A disk image being written. Chunks arrive in any order and from several pipeline workers at
/// once, so <see cref="Write"/> must be thread-safe (positional writes, allocation under a lock).
/// Ranges never written read as zero.
/// </summary>
public interface IDiskTarget : IDisposable
{
    /// <summary>Virtual size of the image being written (the source capacity, possibly rounded up).</summary>
    long Capacity { get; }

    /// <summary>Writes non-zero data at a chunk-aligned offset of the virtual disk.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>
    /// Everything below <paramref name="offset"/> has been delivered (written, or known to be zero).
    /// Formats that must lay data out in disk order (streamOptimized VMDK) append what they held back.
    /// </summary>
    void Covered(long offset)
    {
    }

    /// <summary>Writes the remaining metadata (tables, footers); the caller flushes and renames.</summary>
    void Complete();
}
