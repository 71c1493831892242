using System.Threading.Channels;
using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// Plans chunk jobs from a random-access source's ranges; every data job's fill reads the source
/// at the chunk's offset, so the workers read in parallel.
/// </summary>
public sealed class RandomAccessProducer : IChunkProducer
{
    private readonly IDiskSource _source;
    private readonly SourceFill _fill;

    /// <param name="length">Bytes to cover, at most the source capacity (verification reads a prefix).</param>
    public RandomAccessProducer(IDiskSource source, long length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, source.Capacity);
        _source = source;
        _fill = new SourceFill(source);
        Length = length;
        DataBytes = ChunkPlanner.DataBytes(source.EnumerateRanges(), length);
    }

    public long Length { get; }
    public long? DataBytes { get; }

    /// <summary>The source the fills read: a caller that needs positional reads (guest inspection) reads it directly.</summary>
    public IDiskSource Source => _source;

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, CancellationToken cancellationToken)
    {
        var writer = new ChunkJobWriter(jobs, Length);
        foreach (long offset in ChunkPlanner.DataChunks(_source.EnumerateRanges(), Length))
        {
            await writer.WriteAsync(offset, _fill, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A positional read of the source; sources allow concurrent reads.</summary>
    private sealed class SourceFill(IDiskSource source) : IChunkFill
    {
        public void Fill(long offset, Span<byte> chunk) => source.Read(offset, chunk);
    }
}
