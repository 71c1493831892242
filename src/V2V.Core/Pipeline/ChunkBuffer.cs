namespace V2V.Core.Pipeline;

/// <summary>
/// A 1 MiB buffer lent by a <see cref="ChunkPool"/>. It goes back to the pool when the last of its
/// holders (one per target writer) releases it.
/// </summary>
public sealed class ChunkBuffer
{
    private readonly ChunkPool _owner;
    private int _holders;

    internal ChunkBuffer(ChunkPool owner)
    {
        _owner = owner;
        Data = GC.AllocateUninitializedArray<byte>(Chunk.Size);
    }

    public byte[] Data { get; }

    internal void SetHolders(int count) => Volatile.Write(ref _holders, count);

    /// <summary>Gives up one hold; the last one returns the buffer to the pool.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            _owner.Return(this);
        }
    }
}
