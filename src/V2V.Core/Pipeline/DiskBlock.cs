namespace V2V.Core.Pipeline;

/// <summary>
/// A processed range of the disk: either one chunk of non-zero data (with its pooled buffer and
/// SHA-256) or a run of zeros. Whoever receives a data block releases its buffer once.
/// </summary>
public readonly struct DiskBlock
{
    private DiskBlock(long sequence, long offset, long length, ChunkBuffer? buffer, in Sha256Hash hash)
    {
        Sequence = sequence;
        Offset = offset;
        Length = length;
        Buffer = buffer;
        Hash = hash;
    }

    public long Sequence { get; }
    public long Offset { get; }
    public long Length { get; }

    /// <summary>The data, or null for a zero run.</summary>
    public ChunkBuffer? Buffer { get; }

    public bool IsZero => Buffer is null;

    public ReadOnlySpan<byte> Span => Buffer is null ? default : Buffer.Data.AsSpan(0, (int)Length);

    /// <summary>SHA-256 of the chunk's bytes (default for zero runs).</summary>
    public Sha256Hash Hash { get; }

    public static DiskBlock Zero(long sequence, long offset, long length) =>
        new(sequence, offset, length, null, default);

    public static DiskBlock Data(long sequence, long offset, int length, ChunkBuffer buffer, in Sha256Hash hash) =>
        new(sequence, offset, length, buffer, hash);
}
