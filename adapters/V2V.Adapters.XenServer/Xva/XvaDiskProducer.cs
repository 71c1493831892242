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

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, ChunkPool pool, CancellationToken cancellationToken)
    {
        long sequence = 0;
        long emitted = 0;
        await foreach (var chunk in _chunks.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (chunk.Offset > emitted)
            {
                await jobs.WriteAsync(new ChunkJob(sequence++, emitted, chunk.Offset - emitted, ChunkJobKind.Zero), cancellationToken).ConfigureAwait(false);
            }

            await jobs.WriteAsync(new ChunkJob(sequence++, chunk.Offset, chunk.Length, ChunkJobKind.Deferred, Fill: chunk), cancellationToken).ConfigureAwait(false);
            emitted = chunk.Offset + chunk.Length;
        }

        if (emitted < Length)
        {
            await jobs.WriteAsync(new ChunkJob(sequence, emitted, Length - emitted, ChunkJobKind.Zero), cancellationToken).ConfigureAwait(false);
        }
    }

    public void Read(long offset, Span<byte> destination) => throw new NotSupportedException("an XVA disk is read as it streams past");
}
