using System.Security.Cryptography;

namespace V2V.Core.Pipeline;

/// <summary>
/// The content digest of a virtual disk, independent of its container:
/// <c>SHA-256( SHA-256(piece₀) ‖ SHA-256(piece₁) ‖ … )</c> where the pieces are the disk's
/// consecutive 1 MiB ranges (the last may be short). Piece hashes are computed in parallel by
/// the workers that read them; this class only strings them together in disk order, buffering
/// the few that arrive early. Zero runs cost a 32-byte append per MiB, never a read.
/// </summary>
public sealed class ContentDigest : IDisposable
{
    public const string Algorithm = "sha256-1m";

    private static readonly byte[] FullZeroPieceHash = SHA256.HashData(new byte[Chunk.Size]);
    private static readonly byte[] ZeroHashRepeated = BuildRepeated(FullZeroPieceHash, 1024);

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Dictionary<long, Arrival> _early = [];
    private long _nextSequence;
    private long _covered;

    private readonly record struct Arrival(long Offset, long Length, bool IsZero, Sha256Hash Hash);

    /// <summary>Bytes of the disk folded into the digest so far, in order.</summary>
    public long Covered => _covered;

    public void Add(in DiskBlock block)
    {
        var arrival = new Arrival(block.Offset, block.Length, block.IsZero, block.Hash);
        if (block.Sequence != _nextSequence)
        {
            _early.Add(block.Sequence, arrival);
            return;
        }

        Fold(arrival);
        while (_early.Remove(_nextSequence, out var next))
        {
            Fold(next);
        }
    }

    /// <summary>Returns "sha256-1m:hex" once every block up to <paramref name="length"/> has been added.</summary>
    public string Finish(long length)
    {
        if (_early.Count != 0 || _covered != length)
        {
            throw new InvalidOperationException($"digest incomplete: {_covered} of {length} bytes, {_early.Count} blocks out of order");
        }

        return $"{Algorithm}:{Convert.ToHexStringLower(_hash.GetHashAndReset())}";
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
            _hash.AppendData(pieceHash);
        }

        _covered += arrival.Length;
        _nextSequence++;
    }

    private void AppendZeroPieces(long length)
    {
        long fullPieces = length / Chunk.Size;
        while (fullPieces > 0)
        {
            int batch = (int)Math.Min(fullPieces, ZeroHashRepeated.Length / 32);
            _hash.AppendData(ZeroHashRepeated, 0, batch * 32);
            fullPieces -= batch;
        }

        int tail = (int)(length % Chunk.Size);
        if (tail != 0)
        {
            _hash.AppendData(SHA256.HashData(new byte[tail]));
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
