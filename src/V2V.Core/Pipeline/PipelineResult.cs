namespace V2V.Core.Pipeline;

/// <summary>What one pass over a disk did.</summary>
/// <param name="Digest">The content digest of the covered range (see <see cref="ContentDigest"/>).</param>
/// <param name="Length">Bytes of the disk covered.</param>
/// <param name="DataBytesRead">Bytes read from the source.</param>
/// <param name="ZeroBytesDropped">Bytes read that were all zero (after any transform) and were not written.</param>
/// <param name="Elapsed">Wall-clock time of the pass.</param>
public sealed record PipelineResult(string Digest, long Length, long DataBytesRead, long ZeroBytesDropped, TimeSpan Elapsed)
{
    /// <summary>The piece hashes of the pass when <see cref="PipelineOptions.KeepPieceHashes"/> was set; null otherwise.</summary>
    public PieceHashList? Pieces { get; init; }
}
