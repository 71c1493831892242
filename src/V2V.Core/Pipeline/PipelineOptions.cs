namespace V2V.Core.Pipeline;

/// <summary>Tuning knobs of one pipeline run; the defaults suit a 2-core machine.</summary>
public sealed record PipelineOptions
{
    /// <summary>Parallel workers reading (and inflating) chunks and hashing them.</summary>
    public int Workers { get; init; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Chunk buffers in flight: the pipeline's memory bound is this × 1 MiB.</summary>
    public int BuffersInFlight { get; init; } = 32;

    /// <summary>Shortest time between two progress reports.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
