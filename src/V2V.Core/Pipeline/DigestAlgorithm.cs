using System.IO.Hashing;
using System.Security.Cryptography;
using V2V.Core.Errors;

namespace V2V.Core.Pipeline;

/// <summary>
/// A hash the content digest is built from (see <see cref="ContentDigest"/>): it hashes each
/// 1 MiB piece, then hashes the concatenated piece hashes. The name, e.g. <c>xxh128-1m</c>, leads
/// every printed digest, so digests made with different hashes are never taken for different content.
/// </summary>
public abstract class DigestAlgorithm
{
    // Long zero runs are folded many piece hashes per call: every hash here is faster on large updates.
    private const int ZeroPiecesPerBatch = 32768;

    private readonly Lazy<byte[]> _zeroPieceHash;
    private readonly Lazy<byte[]> _zeroPieceHashes;

    private protected DigestAlgorithm(string name, int hashLength, bool cryptographic)
    {
        Name = name;
        HashLength = hashLength;
        Cryptographic = cryptographic;
        _zeroPieceHash = new(() => HashPiece(new byte[Chunk.Size]));
        _zeroPieceHashes = new(() =>
        {
            var repeated = new byte[HashLength * ZeroPiecesPerBatch];
            for (int i = 0; i < ZeroPiecesPerBatch; i++)
            {
                ZeroPieceHash.CopyTo(repeated, i * HashLength);
            }

            return repeated;
        });
    }

    /// <summary>
    /// XXH3-128 (xxHash's XXH128, canonical big-endian bytes): the default. Not cryptographic — it
    /// catches corruption, not deliberate tampering — but 7+ GiB/s per core on any x86-64, so the
    /// digest costs a fraction of the copy.
    /// </summary>
    public static DigestAlgorithm Xxh128 { get; } = new Xxh128Algorithm();

    /// <summary>SHA-256 through the platform's crypto library (OpenSSL: SHA extensions where the CPU has them).</summary>
    public static DigestAlgorithm Sha256 { get; } = new Sha256Algorithm();

    /// <summary>BLAKE3 (managed): the digest of V2V before xxh128-1m became the default.</summary>
    public static DigestAlgorithm Blake3 { get; } = new Blake3Algorithm();

    public static DigestAlgorithm Default => Xxh128;

    public static IReadOnlyList<DigestAlgorithm> All { get; } = [Xxh128, Sha256, Blake3];

    /// <summary>Name in printed digests and in <c>--digest</c>: hash and piece size, e.g. <c>sha256-1m</c>.</summary>
    public string Name { get; }

    /// <summary>Bytes of one hash (16 or 32); at most <see cref="PieceHash"/>'s 32.</summary>
    public int HashLength { get; }

    /// <summary>Whether finding two contents with the same digest is computationally infeasible.</summary>
    public bool Cryptographic { get; }

    /// <summary>The hash of a 1 MiB piece of zeros.</summary>
    internal byte[] ZeroPieceHash => _zeroPieceHash.Value;

    /// <summary><see cref="ZeroPieceHash"/> repeated 32768 times.</summary>
    internal byte[] ZeroPieceHashes => _zeroPieceHashes.Value;

    /// <summary>The algorithm called <paramref name="name"/>; a <see cref="UsageException"/> naming the known ones otherwise.</summary>
    public static DigestAlgorithm Parse(string name, string where) =>
        Find(name) ?? throw new UsageException($"{where}: unknown digest \"{name}\" (known: {string.Join(", ", All.Select(a => a.Name))})");

    public static DigestAlgorithm? Find(string name) => All.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.Ordinal));

    /// <summary>Hashes one piece into the first <see cref="HashLength"/> bytes of <paramref name="hash"/>.</summary>
    public abstract void HashPiece(ReadOnlySpan<byte> piece, Span<byte> hash);

    /// <summary>An incremental hash for the concatenated piece hashes.</summary>
    internal abstract IFold CreateFold();

    public override string ToString() => Name;

    private byte[] HashPiece(ReadOnlySpan<byte> piece)
    {
        var hash = new byte[HashLength];
        HashPiece(piece, hash);
        return hash;
    }

    internal interface IFold : IDisposable
    {
        void Append(ReadOnlySpan<byte> data);

        void Finish(Span<byte> hash);
    }

    private sealed class Xxh128Algorithm() : DigestAlgorithm("xxh128-1m", 16, cryptographic: false)
    {
        public override void HashPiece(ReadOnlySpan<byte> piece, Span<byte> hash) => XxHash128.Hash(piece, hash);

        internal override IFold CreateFold() => new XxhFold();

        private sealed class XxhFold : IFold
        {
            private readonly XxHash128 _hash = new();

            public void Append(ReadOnlySpan<byte> data) => _hash.Append(data);

            public void Finish(Span<byte> hash) => _hash.GetCurrentHash(hash);

            public void Dispose()
            {
            }
        }
    }

    private sealed class Sha256Algorithm() : DigestAlgorithm("sha256-1m", 32, cryptographic: true)
    {
        public override void HashPiece(ReadOnlySpan<byte> piece, Span<byte> hash) => SHA256.HashData(piece, hash);

        internal override IFold CreateFold() => new ShaFold();

        private sealed class ShaFold : IFold
        {
            private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

            public void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

            public void Finish(Span<byte> hash) => _hash.GetHashAndReset(hash);

            public void Dispose() => _hash.Dispose();
        }
    }

    private sealed class Blake3Algorithm() : DigestAlgorithm("blake3-1m", 32, cryptographic: true)
    {
        public override void HashPiece(ReadOnlySpan<byte> piece, Span<byte> hash) => global::Blake3.Hasher.Hash(piece, hash);

        internal override IFold CreateFold() => new Blake3Fold();

        private sealed class Blake3Fold : IFold
        {
            private global::Blake3.Hasher _hash = global::Blake3.Hasher.New();

            public void Append(ReadOnlySpan<byte> data) => _hash.Update(data);

            public void Finish(Span<byte> hash) => _hash.Finalize(hash);

            public void Dispose() => _hash.Dispose();
        }
    }
}
