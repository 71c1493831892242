namespace V2V.Core.Pipeline;

/// <summary>A 1 MiB buffer lent by a <see cref="ChunkPool"/>; whoever holds it last gives it back.</summary>
internal sealed class ChunkBuffer
{
    private readonly ChunkPool _owner;

    internal ChunkBuffer(ChunkPool owner)
    {
        _owner = owner;
        Data = GC.AllocateUninitializedArray<byte>(Chunk.Size);
    }

    public byte[] Data { get; }

    public void Release() => _owner.Return(this);
}
