namespace V2V.Core.Pipeline;

/// <summary>
/// What a worker did with one job: a chunk of data with its hash, or a run of zeros. This small
/// record, not the data, is what travels to the digest, so buffers go back to the pool as soon as
/// the worker has written them.
/// </summary>
public readonly record struct ChunkOutcome(long Sequence, long Offset, long Length, bool IsZero, PieceHash Hash)
{
    public static ChunkOutcome Zero(long sequence, long offset, long length) => new(sequence, offset, length, true, default);
}
