namespace V2V.Core.Disks;

/// <summary>
/// A virtual disk that can be read at any offset, a chain (differencing VHD, VMDK snapshots)
/// already flattened into one disk. Implementations must allow concurrent <see cref="Read"/>
/// calls from several threads (positional reads, no shared file position); the pipeline reads
/// only the chunks <see cref="EnumerateRanges"/> says hold data, through
/// <see cref="Pipeline.RandomAccessProducer"/>. The source is never written.
/// </summary>
public interface IDiskSource : IDisposable
{
    /// <summary>The file or device this disk was opened from, for messages.</summary>
    string Path { get; }

    /// <summary>
    /// Every file this disk reads: the opened file, descriptors, extents, parents. No output of a
    /// run may be one of them (<see cref="Output.FilesRead"/>).
    /// </summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>Virtual size in bytes.</summary>
    long Capacity { get; }

    /// <summary>Logical sector size the guest sees (512 or 4096).</summary>
    int LogicalSectorSize { get; }

    /// <summary>
    /// Ordered, non-overlapping ranges that together cover [0, Capacity), adjacent ranges of one
    /// kind preferably merged (<see cref="RangeMerger"/>). Cheap: answered from allocation tables
    /// (or SEEK_DATA), never by reading payload; may be enumerated more than once (the producer
    /// sizes its plan, then walks it). A <see cref="RangeKind.Data"/> range may still read as zeros.
    /// </summary>
    IEnumerable<DiskRange> EnumerateRanges();

    /// <summary>
    /// Reads destination.Length bytes at offset; offset + length must not pass Capacity. Ranges
    /// that are not data read as zeros. A file found cut short or damaged while reading throws
    /// <see cref="Errors.InvalidImageException"/> (exit 2), never leaves zeros in its place.
    /// </summary>
    void Read(long offset, Span<byte> destination);

    /// <summary>Format facts for <c>v2v info</c>.</summary>
    SourceDescription Describe();
}
