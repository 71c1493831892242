using System.IO.Hashing;
using V2V.Adapters.XenServer.Xva;

namespace V2V.Adapters.Tests.XenServer;

/// <summary>Our XXH64 against System.IO.Hashing's, at every tail length and at xapi's 1 MiB chunk size (xxhsum checks it in the XVA tests).</summary>
public class Xxh64Tests
{
    [Test]
    public void Every_length_hashes_as_system_io_hashing_does()
    {
        var data = new byte[(1 << 20) + 37];
        new Random(64).NextBytes(data);
        foreach (int length in Enumerable.Range(0, 200).Concat([1023, 1024, 4095, 1 << 20, (1 << 20) + 37]))
        {
            var piece = data.AsSpan(0, length);
            Assert.That(Xxh64.Hash(piece), Is.EqualTo(XxHash64.HashToUInt64(piece)), $"{length} bytes");
        }
    }

    [Test]
    public void The_empty_input_has_the_published_value()
    {
        Assert.That(Xxh64.Hash([]), Is.EqualTo(0xEF46DB3751D8E999UL));
    }
}
