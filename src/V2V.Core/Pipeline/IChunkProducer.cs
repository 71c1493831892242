using System.Threading.Channels;

namespace V2V.Core.Pipeline;

/// <summary>
/// Feeds the pipeline with jobs covering [0, Length) in disk order, written through a
/// <see cref="ChunkJobWriter"/>: every data job carries its own <see cref="IChunkFill"/>, which a
/// worker runs. A random-access source (<see cref="RandomAccessProducer"/>) plans its jobs from
/// the source's ranges and binds them to a fill that reads the source; a forward-only source (an
/// OVA or XVA read as a stream) reads in file order and hands over what it gathered per chunk.
/// </summary>
public interface IChunkProducer
{
    /// <summary>Bytes of the disk the jobs cover.</summary>
    long Length { get; }

    /// <summary>Bytes the data jobs will fill, when known in advance (for progress and ETA); null for a stream.</summary>
    long? DataBytes { get; }

    /// <summary>
    /// Writes every job to <paramref name="jobs"/> and returns; the pipeline completes the channel.
    /// Called once. Throws what the source's reader throws (a bad file fails the run).
    /// </summary>
    Task ProduceAsync(ChannelWriter<ChunkJob> jobs, CancellationToken cancellationToken);
}
