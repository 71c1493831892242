using V2V.Core.Pipeline;
using V2V.TestSupport;

namespace V2V.Core.Tests;

public class ContentDigestTests
{
    /// <summary>The definition, computed the plain way: BLAKE3 over the concatenated BLAKE3 of every 1 MiB piece.</summary>
    internal static string Reference(byte[] disk)
    {
        var pieces = new List<byte>();
        for (int offset = 0; offset < disk.Length; offset += Chunk.Size)
        {
            pieces.AddRange(Blake3.Hasher.Hash(disk.AsSpan(offset, Math.Min(Chunk.Size, disk.Length - offset))).AsSpan().ToArray());
        }

        return "blake3-1m:" + Convert.ToHexStringLower(Blake3.Hasher.Hash(pieces.ToArray()).AsSpan());
    }

    [Test]
    public void The_hash_is_blake3_per_its_published_test_vectors()
    {
        // BLAKE3 reference test vectors (official test_vectors.json): empty input, and 1 byte 0x00.
        Assert.That(Convert.ToHexStringLower(Blake3.Hasher.Hash([]).AsSpan()), Is.EqualTo("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"));
        Assert.That(Convert.ToHexStringLower(Blake3.Hasher.Hash([0]).AsSpan()), Is.EqualTo("2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"));
    }

    [Test]
    public async Task Pipeline_digest_matches_the_definition_for_data_zeros_and_holes()
    {
        long capacity = 9 * Chunk.Size + 1536;
        var bytes = new byte[capacity];
        new Random(3).NextBytes(bytes.AsSpan(Chunk.Size, 2 * Chunk.Size));
        bytes[(int)(6 * Chunk.Size + 17)] = 0x42;
        new Random(4).NextBytes(bytes.AsSpan((int)(capacity - 1000)));
        var disk = new MemoryDisk(capacity);
        disk.Fill(0, bytes);

        var result = await BlockPipeline.DigestAsync(disk, capacity, new PipelineOptions(), null, CancellationToken.None);

        Assert.That(result.Digest, Is.EqualTo(Reference(bytes)));
    }

    [Test]
    public void Blocks_arriving_out_of_order_give_the_same_digest()
    {
        var data = new byte[Chunk.Size];
        new Random(5).NextBytes(data);
        PieceHash hash = default;
        ContentDigest.HashPiece(data, hash);
        using var digest = new ContentDigest();
        digest.Add(ChunkOutcome.Zero(2, 2 * Chunk.Size, 3 * Chunk.Size));
        digest.Add(new ChunkOutcome(1, Chunk.Size, Chunk.Size, false, hash));
        digest.Add(ChunkOutcome.Zero(0, 0, Chunk.Size));

        var expected = new byte[5 * Chunk.Size];
        data.CopyTo(expected, Chunk.Size);
        Assert.That(digest.Finish(5 * Chunk.Size), Is.EqualTo(Reference(expected)));
    }

    [Test]
    public void Finishing_with_a_gap_is_refused()
    {
        using var digest = new ContentDigest();
        digest.Add(ChunkOutcome.Zero(1, Chunk.Size, Chunk.Size));

        Assert.Throws<InvalidOperationException>(() => digest.Finish(2 * Chunk.Size));
    }
}
