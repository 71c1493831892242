using System.Threading.Channels;

namespace V2V.Core.Pipeline;

/// <summary>
/// A fixed number of chunk buffers. Renting waits while all are in flight: this is what bounds
/// the pipeline's memory to <c>capacity × 1 MiB</c> whatever the disk size.
/// </summary>
internal sealed class ChunkPool
{
    private readonly Channel<ChunkBuffer> _free;
    private readonly int _capacity;
    private int _created;

    public ChunkPool(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _free = Channel.CreateBounded<ChunkBuffer>(capacity);
    }

    public async ValueTask<ChunkBuffer> RentAsync(CancellationToken cancellationToken)
    {
        if (!_free.Reader.TryRead(out var buffer))
        {
            // Buffers are created on first need, so a small disk never allocates the whole pool.
            buffer = Interlocked.Increment(ref _created) <= _capacity
                ? new ChunkBuffer(this)
                : await _free.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        return buffer;
    }

    internal void Return(ChunkBuffer buffer) => _free.Writer.TryWrite(buffer);
}
