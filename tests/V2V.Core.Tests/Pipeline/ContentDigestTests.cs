using V2V.Core.Pipeline;
using V2V.TestSupport;

namespace V2V.Core.Tests.Pipeline;

public class ContentDigestTests
{
    private static readonly Dictionary<string, Func<byte[], byte[]>> PlainHashes = new()
    {
        ["xxh128-1m"] = System.IO.Hashing.XxHash128.Hash,
        ["sha256-1m"] = System.Security.Cryptography.SHA256.HashData,
        ["blake3-1m"] = b => Blake3.Hasher.Hash(b).AsSpan().ToArray(),
    };

    private static IEnumerable<string> Names => DigestAlgorithm.All.Select(a => a.Name);

    /// <summary>The definition, computed the plain way: H over the concatenated H of every 1 MiB piece.</summary>
    internal static string Reference(byte[] disk, string name = "xxh128-1m")
    {
        var hash = PlainHashes[name];
        var pieces = new List<byte>();
        for (int offset = 0; offset < disk.Length; offset += Chunk.Size)
        {
            pieces.AddRange(hash(disk.AsSpan(offset, Math.Min(Chunk.Size, disk.Length - offset)).ToArray()));
        }

        return name + ":" + Convert.ToHexStringLower(hash([.. pieces]));
    }

    [Test]
    public void The_default_is_xxh128_and_every_algorithm_is_known_by_its_name()
    {
        Assert.That(DigestAlgorithm.Default.Name, Is.EqualTo("xxh128-1m"));
        Assert.That(Names, Is.EquivalentTo(PlainHashes.Keys));
        Assert.That(DigestAlgorithm.All.Where(a => a.Cryptographic).Select(a => a.Name), Is.EquivalentTo(new[] { "sha256-1m", "blake3-1m" }));
        Assert.That(DigestAlgorithm.Find("md5-1m"), Is.Null);
    }

    [Test]
    public void The_hashes_match_their_published_test_vectors()
    {
        // XXH128 of the empty input (xxHash's sanity tests, seed 0) and SHA-256 of "abc" (FIPS 180-2).
        Assert.That(Convert.ToHexStringLower(System.IO.Hashing.XxHash128.Hash([])), Is.EqualTo("99aa06d3014798d86001c324468d497f"));
        Assert.That(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("abc"u8)), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    [Test]
    public void The_hash_is_blake3_per_its_published_test_vectors()
    {
        // BLAKE3 reference test vectors (official test_vectors.json): empty input, and 1 byte 0x00.
        Assert.That(Convert.ToHexStringLower(Blake3.Hasher.Hash([]).AsSpan()), Is.EqualTo("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"));
        Assert.That(Convert.ToHexStringLower(Blake3.Hasher.Hash([0]).AsSpan()), Is.EqualTo("2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"));
    }

    [TestCaseSource(nameof(Names))]
    public async Task Pipeline_digest_matches_the_definition_for_data_zeros_and_holes(string name)
    {
        long capacity = 9 * Chunk.Size + 1536;
        var bytes = new byte[capacity];
        new Random(3).NextBytes(bytes.AsSpan(Chunk.Size, 2 * Chunk.Size));
        bytes[(int)(6 * Chunk.Size + 17)] = 0x42;
        new Random(4).NextBytes(bytes.AsSpan((int)(capacity - 1000)));
        var disk = new MemoryDisk(capacity);
        disk.Fill(0, bytes);

        var result = await BlockPipeline.DigestAsync(disk, capacity, new PipelineOptions { Digest = DigestAlgorithm.Find(name)! }, null, CancellationToken.None);

        Assert.That(result.Digest, Is.EqualTo(Reference(bytes, name)));
    }

    [TestCaseSource(nameof(Names))]
    public void Blocks_arriving_out_of_order_give_the_same_digest(string name)
    {
        var algorithm = DigestAlgorithm.Find(name)!;
        var data = new byte[Chunk.Size];
        new Random(5).NextBytes(data);
        PieceHash hash = default;
        algorithm.HashPiece(data, hash);
        using var digest = new ContentDigest(algorithm);
        digest.Add(ChunkOutcome.Zero(2, 2 * Chunk.Size, 3 * Chunk.Size));
        digest.Add(new ChunkOutcome(1, Chunk.Size, Chunk.Size, false, hash));
        digest.Add(ChunkOutcome.Zero(0, 0, Chunk.Size));

        var expected = new byte[5 * Chunk.Size];
        data.CopyTo(expected, Chunk.Size);
        Assert.That(digest.Finish(5 * Chunk.Size), Is.EqualTo(Reference(expected, name)));
    }

    [TestCase("xxh128-1m:99aa06d3014798d86001c324468d497f", true)]
    [TestCase("blake3-1m:AF1349B9F5F9A1A6A0404DEA36DCC9499BCB25C9ADC112B7CC9A93CAE41F3262", true)]
    [TestCase("md5-1m:d41d8cd98f00b204e9800998ecf8427e", true)]
    [TestCase("disk.raw", false)]
    [TestCase("C:0123456789abcdef0123456789abcdef", false)]
    [TestCase("xxh128-1m:99aa06d3014798d8", false)]
    [TestCase("Xxh128-1m:99aa06d3014798d86001c324468d497f", false)]
    [TestCase("xxh128-1m:99aa06d3014798d86001c324468d497g", false)]
    public void Printed_digests_are_told_from_other_text(string text, bool isDigest) =>
        Assert.That(ContentDigest.TryParse(text, out _, out _), Is.EqualTo(isDigest));

    [Test]
    public void Finishing_with_a_gap_is_refused()
    {
        using var digest = new ContentDigest(DigestAlgorithm.Default);
        digest.Add(ChunkOutcome.Zero(1, Chunk.Size, Chunk.Size));

        Assert.Throws<InvalidOperationException>(() => digest.Finish(2 * Chunk.Size));
    }
}
