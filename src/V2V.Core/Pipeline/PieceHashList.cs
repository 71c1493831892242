namespace V2V.Core.Pipeline;

/// <summary>
/// The piece hashes a <see cref="ContentDigest"/> folded, kept so a digest can be re-folded after
/// a few pieces changed without reading the disk again (a fixed target's digest). Data pieces
/// cost one hash each (16 or 32 bytes per MiB of data); zero runs are kept as runs.
/// </summary>
public sealed class PieceHashList(DigestAlgorithm algorithm)
{
    // Pieces in disk order: a run of consecutive data pieces, or a zero run of any length.
    private readonly List<Run> _runs = [];
    private readonly List<byte[]> _blocks = [];
    private long _hashes;
    private const int HashesPerBlock = 65536;

    private readonly record struct Run(long Offset, long Length, bool IsZero, long FirstHash);

    public DigestAlgorithm Algorithm => algorithm;

    /// <summary>Bytes of the disk covered so far.</summary>
    public long Length { get; private set; }

    internal void AddZero(long offset, long length) => Append(offset, length, isZero: true, ReadOnlySpan<byte>.Empty);

    internal void AddData(long offset, long length, ReadOnlySpan<byte> hash) => Append(offset, length, isZero: false, hash);

    /// <summary>
    /// The digest of the disk with the pieces of <paramref name="replaced"/> (keyed by their
    /// 1 MiB-aligned offset, each a piece's hash) in place of the ones folded; "NAME:hex".
    /// </summary>
    public string Refold(IReadOnlyDictionary<long, byte[]> replaced)
    {
        using var digest = new ContentDigest(algorithm);
        long sequence = 0;
        foreach (var run in _runs)
        {
            long end = run.Offset + run.Length;
            long offset = run.Offset;
            while (offset < end)
            {
                // The next replaced piece of a zero run splits it; data runs go piece by piece.
                long next = run.IsZero ? NextReplaced(replaced, offset, end) : Math.Min(end, offset + Chunk.Size);
                if (next > offset)
                {
                    var hash = default(PieceHash);
                    if (!run.IsZero)
                    {
                        HashAt(run.FirstHash + (offset - run.Offset) / Chunk.Size).CopyTo(hash);
                    }

                    if (!run.IsZero && replaced.TryGetValue(offset, out var newHash))
                    {
                        newHash.CopyTo(hash);
                    }

                    digest.Add(new ChunkOutcome(sequence++, offset, next - offset, run.IsZero, hash));
                    offset = next;
                }

                if (offset < end && run.IsZero && replaced.TryGetValue(offset, out var piece))
                {
                    var hash = default(PieceHash);
                    piece.CopyTo(hash);
                    long length = Math.Min(Chunk.Size, end - offset);
                    digest.Add(new ChunkOutcome(sequence++, offset, length, false, hash));
                    offset += length;
                }
            }
        }

        return digest.Finish(Length);
    }

    private static long NextReplaced(IReadOnlyDictionary<long, byte[]> replaced, long offset, long end)
    {
        long next = end;
        foreach (long key in replaced.Keys)
        {
            if (key >= offset && key < next)
            {
                next = key;
            }
        }

        return next;
    }

    private ReadOnlySpan<byte> HashAt(long index)
    {
        int size = algorithm.HashLength;
        return _blocks[(int)(index / HashesPerBlock)].AsSpan((int)(index % HashesPerBlock) * size, size);
    }

    private void Append(long offset, long length, bool isZero, ReadOnlySpan<byte> hash)
    {
        if (isZero && _runs.Count > 0 && _runs[^1].IsZero)
        {
            _runs[^1] = _runs[^1] with { Length = _runs[^1].Length + length };
        }
        else if (!isZero && _runs.Count > 0 && !_runs[^1].IsZero && _runs[^1].Length % Chunk.Size == 0)
        {
            _runs[^1] = _runs[^1] with { Length = _runs[^1].Length + length };
        }
        else
        {
            _runs.Add(new Run(offset, length, isZero, _hashes));
        }

        if (!isZero)
        {
            int size = algorithm.HashLength;
            if (_hashes % HashesPerBlock == 0)
            {
                _blocks.Add(new byte[HashesPerBlock * size]);
            }

            hash[..size].CopyTo(_blocks[^1].AsSpan((int)(_hashes % HashesPerBlock) * size));
            _hashes++;
        }

        Length = offset + length;
    }
}
