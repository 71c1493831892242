using System.Threading.Channels;

namespace V2V.Core.Pipeline;

/// <summary>
/// Feeds the pipeline with jobs covering [0, Length) in disk order. A random-access source
/// emits Read and Zero jobs that the parallel workers carry out; a forward-only source (an
/// OVA or XVA read as a stream) fills chunks itself, in file order, and emits Filled jobs.
/// </summary>
public interface IChunkProducer
{
    /// <summary>Bytes of the disk the jobs cover.</summary>
    long Length { get; }

    /// <summary>Bytes that will be read, when known in advance (for progress and ETA).</summary>
    long? DataBytes { get; }

    Task ProduceAsync(ChannelWriter<ChunkJob> jobs, ChunkPool pool, CancellationToken cancellationToken);

    /// <summary>Carries out a Read job; called concurrently by several workers.</summary>
    void Read(long offset, Span<byte> destination);
}
