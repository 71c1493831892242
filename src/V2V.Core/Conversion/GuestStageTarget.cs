using System.Buffers;
using V2V.Core.Disks;
using V2V.Core.Output;
using V2V.Core.Pipeline;

namespace V2V.Core.Conversion;

/// <summary>
/// A partial target as a disk the guest stage reads and writes at any offset and length. Writes go
/// straight through <see cref="IDiskTarget.Write"/> (split at 1 MiB chunk boundaries, so none
/// crosses a block of the dynamic formats); what they overwrote is kept, so <see cref="Discard"/>
/// can put it back. The digest of the changed disk is the copy's piece hashes re-folded with the
/// changed chunks read back and re-hashed one at a time, so the target is never read whole again
/// and no chunk is held in memory.
/// </summary>
public sealed class GuestStageTarget
{
    private readonly IReadBackTarget _target;
    private readonly PieceHashList _pieces;
    private readonly SortedSet<long> _changed = [];
    private readonly List<(long Offset, byte[] Original)> _overwritten = [];
    private readonly long _allocationMark;
    private string? _digest;

    internal GuestStageTarget(IReadBackTarget target, TargetPlan plan, string finalPath, string sourceName, long length, string sourceDigest, PieceHashList pieces, OutputSet outputs)
    {
        _target = target;
        _pieces = pieces;
        _allocationMark = target.AllocationMark;
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
        _target.ReadBack(offset, destination);
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        Check(offset, source.Length);
        _digest = null;
        while (!source.IsEmpty)
        {
            long chunk = offset / Chunk.Size * Chunk.Size;
            int length = Math.Min(source.Length, ChunkLength(chunk) - (int)(offset - chunk));
            var original = new byte[length];
            _target.ReadBack(offset, original);
            _overwritten.Add((offset, original));
            _target.Write(offset, source[..length]);
            _changed.Add(chunk);
            offset += length;
            source = source[length..];
        }
    }

    /// <summary>
    /// Puts back every byte written (latest write first), then lets the target take back the blocks
    /// those writes allocated (<see cref="IReadBackTarget.ReleaseSince"/>): the target holds the
    /// copy's bytes again, in the blocks the copy allocated.
    /// </summary>
    public void Discard()
    {
        for (int i = _overwritten.Count - 1; i >= 0; i--)
        {
            _target.Write(_overwritten[i].Offset, _overwritten[i].Original);
        }

        _target.ReleaseSince(_allocationMark);

        _overwritten.Clear();
        _changed.Clear();
        _digest = null;
    }

    /// <summary>The content digest of the disk as it now is (the source's when nothing changed).</summary>
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
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk.Size);
        try
        {
            foreach (long chunk in _changed)
            {
                var data = buffer.AsSpan(0, ChunkLength(chunk));
                _target.ReadBack(chunk, data);
                var hash = new byte[_pieces.Algorithm.HashLength];
                _pieces.Algorithm.HashPiece(data, hash);
                hashes[chunk] = hash;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
