using System.Threading.Channels;
using V2V.Core.Pipeline;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>
/// Feeds one disk's pipeline with the chunks the XVA reader hands it, in disk order, and zero jobs
/// for the ranges between them (xapi omits all-zero chunks). Several of these run at once when an
/// export interleaves its disks.
/// </summary>
public sealed class XvaDiskProducer(long length) : IChunkProducer
{
    private readonly Channel<XvaChunk> _chunks = Channel.CreateBounded<XvaChunk>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });

    public long Length => length;
    public long? DataBytes => null;

    /// <summary>True once the reader has handed over at least one chunk (xapi always writes the first).</summary>
    public bool SawData { get; private set; }

    public ValueTask PostAsync(XvaChunk chunk, CancellationToken cancellationToken)
    {
        SawData = true;
        return _chunks.Writer.WriteAsync(chunk, cancellationToken);
    }

    public void Complete(Exception? error = null) => _chunks.Writer.TryComplete(error);

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, CancellationToken cancellationToken)
    {
        var writer = new ChunkJobWriter(jobs, Length);
        await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await writer.WriteAsync(chunk.Offset, chunk, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
