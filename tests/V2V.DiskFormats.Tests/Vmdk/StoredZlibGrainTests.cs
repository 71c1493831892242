using System.IO.Compression;
using System.Text;
using V2V.DiskFormats.Vmdk;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>The stored-block zlib streams the streamOptimized writer makes of grains that would not compress, and their Adler-32.</summary>
public class StoredZlibGrainTests
{
    [Test]
    public void Adler32_of_a_known_text_is_the_published_value()
    {
        Assert.That(Adler32.Update(1, Encoding.ASCII.GetBytes("Wikipedia")), Is.EqualTo(0x11E60398u));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(15)]
    [TestCase(16)]
    [TestCase(5535)]
    [TestCase(5536)]
    [TestCase(5537)]
    [TestCase(65536)]
    [TestCase(300_001)]
    public void Adler32_matches_its_definition_on_random_and_all_ones_bytes(int length)
    {
        var random = new byte[length];
        new Random(length).NextBytes(random);
        var ones = Enumerable.Repeat((byte)0xFF, length).ToArray(); // the largest sums: any overflow shows here
        Assert.Multiple(() =>
        {
            Assert.That(Adler32.Update(1, random), Is.EqualTo(ByDefinition(random)));
            Assert.That(Adler32.Update(1, ones), Is.EqualTo(ByDefinition(ones)));
            Assert.That(Adler32.Update(Adler32.Update(1, random.AsSpan(0, length / 3)), random.AsSpan(length / 3)), Is.EqualTo(ByDefinition(random)), "continued");
        });
    }

    [TestCase(65536)]
    [TestCase(65535)]
    [TestCase(65537)]
    [TestCase(1)]
    public void A_stored_grain_inflates_through_zlib_to_its_bytes(int length)
    {
        var data = new byte[length];
        new Random(7).NextBytes(data);
        var spool = new GrainSpool(new GrainSpoolSegments());
        spool.Append([0xAA, 0xBB, 0xCC]); // the stream starts anywhere in the spool
        int written = StoredZlibGrain.Append(data, spool);

        var all = ReadSpool(spool);
        using var zlib = new ZLibStream(new MemoryStream(all, 3, written), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        zlib.CopyTo(inflated);
        Assert.That(inflated.ToArray(), Is.EqualTo(data));
        Assert.That(written, Is.EqualTo(2 + ((length + 65534) / 65535 * 5) + length + 4));
    }

    [Test]
    public void A_stored_grain_with_a_wrong_checksum_is_refused_by_zlib()
    {
        var data = new byte[4096];
        new Random(3).NextBytes(data);
        var spool = new GrainSpool(new GrainSpoolSegments());
        int written = StoredZlibGrain.Append(data, spool);
        var all = ReadSpool(spool);
        all[written - 1] ^= 1;

        using var zlib = new ZLibStream(new MemoryStream(all, 0, written), CompressionMode.Decompress);
        Assert.That(() => zlib.CopyTo(Stream.Null), Throws.InstanceOf<InvalidDataException>());
    }

    private static uint ByDefinition(byte[] data)
    {
        ulong a = 1, b = 0;
        foreach (byte x in data)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }

        return (uint)(b << 16 | a);
    }

    private static byte[] ReadSpool(GrainSpool spool)
    {
        string path = Path.GetTempFileName();
        try
        {
            using (var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write))
            {
                spool.WriteTo(handle, 0);
            }

            return File.ReadAllBytes(path)[..spool.Length];
        }
        finally
        {
            File.Delete(path);
        }
    }
}
