namespace V2V.Core.Pipeline;

/// <summary>What a pipeline worker is asked to do with one range of the disk.</summary>
public enum ChunkJobKind
{
    /// <summary>Read one chunk from a random-access source.</summary>
    Read,

    /// <summary>A chunk a forward-only source has already filled.</summary>
    Filled,

    /// <summary>A run of chunks known to be zero or unallocated: nothing to read.</summary>
    Zero,

    /// <summary>A chunk whose bytes a worker produces from data the producer gathered (compressed grains).</summary>
    Deferred,
}

/// <summary>
/// Work a forward-only producer hands to a worker so the expensive part (inflating grains) runs
/// in parallel while the producer reads on. Called once; it releases what it holds.
/// </summary>
public interface IChunkFill
{
    void Fill(Span<byte> chunk);
}

/// <summary>A unit of work, numbered in disk order so the digest can be assembled in order.</summary>
public readonly record struct ChunkJob(long Sequence, long Offset, long Length, ChunkJobKind Kind, ChunkBuffer? Buffer = null, IChunkFill? Fill = null);
