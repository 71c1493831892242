using V2V.Core.Pipeline;

namespace V2V.Core.Tests.Pipeline;

/// <summary>Re-folding kept piece hashes with a few pieces replaced gives the digest of the changed disk, computed the plain way.</summary>
public class PieceHashListTests
{
    [TestCase("xxh128-1m")]
    [TestCase("sha256-1m")]
    public void A_refold_with_changed_pieces_equals_the_plain_digest_of_the_changed_disk(string name)
    {
        var algorithm = DigestAlgorithm.Find(name)!;
        // 9.5 MiB: data at 0-2 MiB, a zero run 2-6 MiB (one zero job), data at 6-7 MiB, zeros to a short tail.
        long length = 9 * (long)Chunk.Size + Chunk.Size / 2;
        var disk = new byte[length];
        new Random(7).NextBytes(disk.AsSpan(0, 2 * Chunk.Size));
        new Random(8).NextBytes(disk.AsSpan(6 * Chunk.Size, Chunk.Size));

        using var digest = new ContentDigest(algorithm, keepPieces: true);
        long sequence = 0;
        void Data(long offset)
        {
            var piece = disk.AsSpan((int)offset, (int)Math.Min(Chunk.Size, length - offset));
            var hash = default(PieceHash);
            algorithm.HashPiece(piece, hash);
            digest.Add(new ChunkOutcome(sequence++, offset, piece.Length, false, hash));
        }

        Data(0);
        Data(Chunk.Size);
        digest.Add(ChunkOutcome.Zero(sequence++, 2L * Chunk.Size, 4L * Chunk.Size));
        Data(6L * Chunk.Size);
        digest.Add(ChunkOutcome.Zero(sequence++, 7L * Chunk.Size, length - 7L * Chunk.Size));
        string original = digest.Finish(length);
        Assert.That(original, Is.EqualTo(ContentDigestTests.Reference(disk, name)));
        Assert.That(digest.Pieces!.Refold(new Dictionary<long, byte[]>()), Is.EqualTo(original));

        // Change a data piece, a piece inside the zero run and the short tail.
        var changed = new Dictionary<long, byte[]>();
        foreach (long offset in new[] { Chunk.Size, 4L * Chunk.Size, 9L * Chunk.Size })
        {
            disk[offset + 100] ^= 0x5A;
            var piece = disk.AsSpan((int)offset, (int)Math.Min(Chunk.Size, length - offset));
            var hash = new byte[algorithm.HashLength];
            algorithm.HashPiece(piece, hash);
            changed[offset] = hash;
        }

        Assert.That(digest.Pieces.Refold(changed), Is.EqualTo(ContentDigestTests.Reference(disk, name)));
    }
}
