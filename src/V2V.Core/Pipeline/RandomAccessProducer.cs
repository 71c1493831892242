using System.Threading.Channels;
using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>Plans chunk jobs from a random-access source's ranges; workers read them in parallel.</summary>
public sealed class RandomAccessProducer : IChunkProducer
{
    private readonly IDiskSource _source;

    /// <param name="length">Bytes to cover, at most the source capacity (verification reads a prefix).</param>
    public RandomAccessProducer(IDiskSource source, long length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, source.Capacity);
        _source = source;
        Length = length;
        DataBytes = ChunkPlanner.DataBytes(source.EnumerateRanges(), length);
    }

    public long Length { get; }
    public long? DataBytes { get; }

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, ChunkPool pool, CancellationToken cancellationToken)
    {
        foreach (var job in ChunkPlanner.Plan(_source.EnumerateRanges(), Length))
        {
            await jobs.WriteAsync(job, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Read(long offset, Span<byte> destination) => _source.Read(offset, destination);
}
