namespace V2V.Core.Pipeline;

/// <summary>
/// The content digest of a virtual disk, independent of its container:
/// <c>H( H(piece₀) ‖ H(piece₁) ‖ … )</c> where the pieces are the disk's consecutive 1 MiB ranges
/// (the last may be short) and H is the <see cref="DigestAlgorithm"/> (default XXH3-128; SHA-256
/// or BLAKE3 on request). Piece hashes are computed in parallel by the workers that read them;
/// this class only strings them together in disk order, buffering the few that arrive early.
/// Zero runs cost a hash-sized append per MiB, never a read.
/// </summary>
public sealed class ContentDigest(DigestAlgorithm algorithm, bool keepPieces = false) : IDisposable
{
    private readonly DigestAlgorithm.IFold _hash = algorithm.CreateFold();
    private readonly PieceHashList? _pieces = keepPieces ? new PieceHashList(algorithm) : null;
    private readonly Dictionary<long, Arrival> _early = [];
    private long _nextSequence;
    private long _covered;

    private readonly record struct Arrival(long Offset, long Length, bool IsZero, PieceHash Hash);

    /// <summary>Bytes of the disk folded into the digest so far, in order.</summary>
    public long Covered => _covered;

    /// <summary>The piece hashes folded so far, when asked for at construction; null otherwise.</summary>
    public PieceHashList? Pieces => _pieces;

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

    /// <summary>
    /// Splits a printed digest, <c>NAME:HEX</c> (16–64 hex bytes), into its hash name and lower-case
    /// hex value; false for anything else. The name is not checked against the known algorithms,
    /// so a caller can say which hash a digest it cannot recompute was made with.
    /// </summary>
    public static bool TryParse(string text, out string name, out string hex)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        name = colon > 0 ? text[..colon] : "";
        hex = colon > 0 ? text[(colon + 1)..].ToLowerInvariant() : "";
        return name.Length is > 0 and <= 32 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && hex.Length is >= 32 and <= 128 && hex.Length % 2 == 0 && hex.All(char.IsAsciiHexDigitLower);
    }

    /// <summary>Returns "NAME:hex" (e.g. "xxh128-1m:…") once every block up to <paramref name="length"/> has been added.</summary>
    public string Finish(long length)
    {
        if (_early.Count != 0 || _covered != length)
        {
            throw new InvalidOperationException($"digest incomplete: {_covered} of {length} bytes, {_early.Count} blocks out of order");
        }

        Span<byte> digest = stackalloc byte[algorithm.HashLength];
        _hash.Finish(digest);
        return $"{algorithm.Name}:{Convert.ToHexStringLower(digest)}";
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
            _pieces?.AddZero(arrival.Offset, arrival.Length);
        }
        else
        {
            var pieceHash = arrival.Hash;
            _hash.Append(((ReadOnlySpan<byte>)pieceHash)[..algorithm.HashLength]);
            _pieces?.AddData(arrival.Offset, arrival.Length, pieceHash);
        }

        _covered += arrival.Length;
        _nextSequence++;
    }

    private void AppendZeroPieces(long length)
    {
        long fullPieces = length / Chunk.Size;
        if (fullPieces == 1)
        {
            _hash.Append(algorithm.ZeroPieceHash);
            fullPieces = 0;
        }

        while (fullPieces > 0)
        {
            var repeated = algorithm.ZeroPieceHashes;
            int batch = (int)Math.Min(fullPieces, repeated.Length / algorithm.HashLength);
            _hash.Append(repeated.AsSpan(0, batch * algorithm.HashLength));
            fullPieces -= batch;
        }

        int tail = (int)(length % Chunk.Size);
        if (tail != 0)
        {
            Span<byte> hash = stackalloc byte[algorithm.HashLength];
            algorithm.HashPiece(new byte[tail], hash);
            _hash.Append(hash);
        }
    }
}
