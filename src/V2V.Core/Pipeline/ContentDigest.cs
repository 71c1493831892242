using Blake3;

namespace V2V.Core.Pipeline;

/// <summary>
/// The content digest of a virtual disk, independent of its container:
/// <c>BLAKE3( BLAKE3(piece₀) ‖ BLAKE3(piece₁) ‖ … )</c> where the pieces are the disk's
/// consecutive 1 MiB ranges (the last may be short) and every hash is 32 bytes. BLAKE3 is a
/// cryptographic hash several times faster than SHA-256, which keeps the digest off the copy's
/// critical path. Piece hashes are computed in parallel by the workers that read them; this
/// class only strings them together in disk order, buffering the few that arrive early. Zero
/// runs cost a 32-byte append per MiB, never a read.
/// </summary>
public sealed class ContentDigest : IDisposable
{
    public const string Algorithm = "blake3-1m";

    private static readonly byte[] FullZeroPieceHash = HashPiece(new byte[Chunk.Size]);
    // Long zero runs are folded 32768 piece hashes (1 MiB) per call: BLAKE3 is several times
    // faster on large updates than on many small ones.
    private static readonly Lazy<byte[]> ZeroHashRepeated = new(() => BuildRepeated(FullZeroPieceHash, 32768));

    private Hasher _hash = Hasher.New();
    private readonly Dictionary<long, Arrival> _early = [];
    private long _nextSequence;
    private long _covered;

    private readonly record struct Arrival(long Offset, long Length, bool IsZero, PieceHash Hash);

    /// <summary>Bytes of the disk folded into the digest so far, in order.</summary>
    public long Covered => _covered;

    /// <summary>Chunks folded so far, in order (the next sequence number expected).</summary>
    public long Folded => _nextSequence;

    public void Add(in ChunkOutcome outcome)
    {
        var arrival = new Arrival(outcome.Offset, outcome.Length, outcome.IsZero, outcome.Hash);
        if (outcome.Sequence != _nextSequence)
        {
            _early.Add(outcome.Sequence, arrival);
            return;
        }

        Fold(arrival);
        while (_early.Remove(_nextSequence, out var next))
        {
            Fold(next);
        }
    }

    /// <summary>Returns "blake3-1m:hex" once every block up to <paramref name="length"/> has been added.</summary>
    public string Finish(long length)
    {
        if (_early.Count != 0 || _covered != length)
        {
            throw new InvalidOperationException($"digest incomplete: {_covered} of {length} bytes, {_early.Count} blocks out of order");
        }

        Span<byte> digest = stackalloc byte[32];
        _hash.Finalize(digest);
        return $"{Algorithm}:{Convert.ToHexStringLower(digest)}";
    }

    /// <summary>The hash of one piece, as the workers compute it.</summary>
    public static void HashPiece(ReadOnlySpan<byte> piece, Span<byte> hash) => Hasher.Hash(piece, hash);

    private static byte[] HashPiece(ReadOnlySpan<byte> piece)
    {
        var hash = new byte[32];
        HashPiece(piece, hash);
        return hash;
    }

    public void Dispose() => _hash.Dispose();

    private void Fold(in Arrival arrival)
    {
        if (arrival.Offset != _covered)
        {
            throw new InvalidOperationException($"digest gap at offset {_covered} (next block at {arrival.Offset})");
        }

        if (arrival.IsZero)
        {
            AppendZeroPieces(arrival.Length);
        }
        else
        {
            var pieceHash = arrival.Hash;
            _hash.Update(pieceHash);
        }

        _covered += arrival.Length;
        _nextSequence++;
    }

    private void AppendZeroPieces(long length)
    {
        long fullPieces = length / Chunk.Size;
        if (fullPieces == 1)
        {
            _hash.Update(FullZeroPieceHash);
            fullPieces = 0;
        }

        while (fullPieces > 0)
        {
            var repeated = ZeroHashRepeated.Value;
            int batch = (int)Math.Min(fullPieces, repeated.Length / 32);
            _hash.Update(repeated.AsSpan(0, batch * 32));
            fullPieces -= batch;
        }

        int tail = (int)(length % Chunk.Size);
        if (tail != 0)
        {
            _hash.Update(HashPiece(new byte[tail]));
        }
    }

    private static byte[] BuildRepeated(byte[] value, int count)
    {
        var result = new byte[value.Length * count];
        for (int i = 0; i < count; i++)
        {
            value.CopyTo(result, i * value.Length);
        }

        return result;
    }
}
