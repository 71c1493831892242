using System.Text;
using V2V.DiskFormats.Vhdx;

namespace V2V.DiskFormats.Tests.Vhdx;

public class Crc32CTests
{
    // Test vectors of RFC 3720 (iSCSI) appendix B.4 and the usual check value.
    [TestCase("123456789", 0xE3069283u)]
    [TestCase("", 0x00000000u)]
    public void Text_vectors(string text, uint expected) =>
        Assert.That(Crc32C.Compute(Encoding.ASCII.GetBytes(text)), Is.EqualTo(expected));

    [Test]
    public void Rfc3720_vectors()
    {
        Assert.That(Crc32C.Compute(new byte[32]), Is.EqualTo(0x8A9136AAu));
        Assert.That(Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()), Is.EqualTo(0x62A8AB43u));
        Assert.That(Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()), Is.EqualTo(0x46DD794Eu));
        Assert.That(Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()), Is.EqualTo(0x113FDB5Cu));
    }

    [Test]
    public void A_zeroed_checksum_field_is_the_same_as_computing_over_zeros()
    {
        var data = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray();
        uint withField = Crc32C.ComputeWithZeroedField(data, 4);
        data.AsSpan(4, 4).Clear();

        Assert.That(withField, Is.EqualTo(Crc32C.Compute(data)));
    }
}
