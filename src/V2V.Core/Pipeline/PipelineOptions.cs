namespace V2V.Core.Pipeline;

/// <summary>Tuning knobs of one pipeline run; the defaults suit a 2-core machine.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Parallel workers that read (and inflate), hash and write chunks. One more than the cores, so
    /// a worker waiting on I/O does not leave a core idle.
    /// </summary>
    public int Workers { get; init; } = Math.Max(3, Environment.ProcessorCount + 1);

    /// <summary>
    /// Chunk buffers in flight: the pipeline's memory bound is this × 1 MiB. Also how many chunks
    /// may be started ahead of the first one not yet done.
    /// </summary>
    public int BuffersInFlight { get; init; } = 32;

    /// <summary>The hash the content digest is built from (<c>--digest</c>).</summary>
    public DigestAlgorithm Digest { get; init; } = DigestAlgorithm.Default;

    /// <summary>
    /// Rewrites data chunks after they are filled and before they are zero-checked, hashed and
    /// written (see <see cref="IChunkTransform"/>); null copies bytes unchanged.
    /// </summary>
    public IChunkTransform? Transform { get; init; }

    /// <summary>
    /// Keep every piece hash (<see cref="PipelineResult.Pieces"/>): 16–32 bytes per MiB of data, so
    /// a stage that changes a few pieces after the copy can re-fold the digest without a re-read.
    /// </summary>
    public bool KeepPieceHashes { get; init; }

    /// <summary>Shortest time between two progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
