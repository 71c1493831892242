using V2V.Core.Disks;
using V2V.Core.Output;
using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>
/// A partial target as a disk the guest stage reads and writes at any offset and length. Writes
/// are read-modify-write of whole 1 MiB chunks held in memory (only the chunks changed) and reach
/// the target through <see cref="IDiskTarget.Write"/> at <see cref="Flush"/>; the digest of the
/// changed disk is the copy's piece hashes re-folded with those chunks re-hashed, so the target is
/// never read whole again.
/// </summary>
public sealed class GuestStageTarget
{
    private readonly IReadBackTarget _target;
    private readonly PieceHashList _pieces;
    private readonly Dictionary<long, byte[]> _changed = [];
    private string? _digest;

    internal GuestStageTarget(IReadBackTarget target, TargetPlan plan, string finalPath, string sourceName, long length, string sourceDigest, PieceHashList pieces, OutputSet outputs)
    {
        _target = target;
        _pieces = pieces;
        Plan = plan;
        FinalPath = finalPath;
        SourceName = sourceName;
        Capacity = length;
        SourceDigest = sourceDigest;
        Outputs = outputs;
    }

    public TargetPlan Plan { get; }

    /// <summary>Where the target will be once the conversion commits (journals go beside it).</summary>
    public string FinalPath { get; }

    public string SourceName { get; }

    /// <summary>The source's size in bytes: the disk the guest sees (a rounded-up tail is not part of it).</summary>
    public long Capacity { get; }

    /// <summary>The content digest of the copy (the source's).</summary>
    public string SourceDigest { get; }

    /// <summary>The conversion's output set: extra outputs created here are committed with the target, or deleted with it.</summary>
    public OutputSet Outputs { get; }

    /// <summary>True once anything was written.</summary>
    public bool Changed => _changed.Count > 0;

    public void Read(long offset, Span<byte> destination)
    {
        Check(offset, destination.Length);
        while (!destination.IsEmpty)
        {
            long chunk = offset / Chunk.Size * Chunk.Size;
            int inChunk = (int)(offset - chunk);
            int length = Math.Min(destination.Length, ChunkLength(chunk) - inChunk);
            if (_changed.TryGetValue(chunk, out var held))
            {
                held.AsSpan(inChunk, length).CopyTo(destination);
            }
            else
            {
                _target.ReadBack(offset, destination[..length]);
            }

            offset += length;
            destination = destination[length..];
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        Check(offset, source.Length);
        _digest = null;
        while (!source.IsEmpty)
        {
            long chunk = offset / Chunk.Size * Chunk.Size;
            int inChunk = (int)(offset - chunk);
            int length = Math.Min(source.Length, ChunkLength(chunk) - inChunk);
            if (!_changed.TryGetValue(chunk, out var held))
            {
                held = new byte[ChunkLength(chunk)];
                _target.ReadBack(chunk, held);
                _changed[chunk] = held;
            }

            source[..length].CopyTo(held.AsSpan(inChunk));
            offset += length;
            source = source[length..];
        }
    }

    /// <summary>Forgets every change not yet flushed: the target keeps the copy's bytes.</summary>
    public void Discard()
    {
        _changed.Clear();
        _digest = null;
    }

    /// <summary>Writes every changed chunk through the target and returns the content digest of the disk as it now is.</summary>
    public string Flush()
    {
        if (_digest is not null)
        {
            return _digest;
        }

        if (_changed.Count == 0)
        {
            return _digest = SourceDigest;
        }

        var hashes = new Dictionary<long, byte[]>();
        foreach (var (offset, data) in _changed)
        {
            _target.Write(offset, data);
            var hash = new byte[_pieces.Algorithm.HashLength];
            _pieces.Algorithm.HashPiece(data, hash);
            hashes[offset] = hash;
        }

        return _digest = _pieces.Refold(hashes);
    }

    private int ChunkLength(long chunk) => (int)Math.Min(Chunk.Size, Capacity - chunk);

    private void Check(long offset, int length)
    {
        if (offset < 0 || offset > Capacity - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{FinalPath}: {length} bytes at {offset} are outside the {Capacity}-byte disk");
        }
    }
}
