namespace V2V.Core.Disks;

/// <summary>
/// A disk image being written. Blocks arrive in any order; each call comes from a single
/// writer task, so implementations need not be thread-safe. Holes never written read as zero.
/// </summary>
public interface IDiskTarget : IDisposable
{
    /// <summary>Virtual size of the image being written (the source capacity, possibly rounded up).</summary>
    long Capacity { get; }

    /// <summary>Writes non-zero data at a chunk-aligned offset of the virtual disk.</summary>
    void Write(long offset, ReadOnlySpan<byte> data);

    /// <summary>Writes the remaining metadata (tables, footers); the caller flushes and renames.</summary>
    void Complete();
}
