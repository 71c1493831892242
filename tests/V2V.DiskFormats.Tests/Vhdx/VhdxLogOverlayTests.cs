using V2V.DiskFormats.Vhdx;

namespace V2V.DiskFormats.Tests.Vhdx;

public class VhdxLogOverlayTests
{
    [Test]
    public void Later_writes_win_over_earlier_ones()
    {
        var overlay = new VhdxLogOverlay();
        var ones = Enumerable.Repeat((byte)1, 4096).ToArray();
        var twos = Enumerable.Repeat((byte)2, 4096).ToArray();

        overlay.WriteSector(1 << 20, ones);
        overlay.WriteZeros(1 << 20, 8192);       // zeroes the sector written before
        overlay.WriteSector((1 << 20) + 4096, twos); // then data over part of the zero range

        var buffer = Enumerable.Repeat((byte)9, 3 * 4096).ToArray();
        overlay.Apply(1 << 20, buffer);

        Assert.Multiple(() =>
        {
            Assert.That(buffer.Take(4096), Is.All.EqualTo(0));
            Assert.That(buffer.Skip(4096).Take(4096), Is.All.EqualTo(2));
            Assert.That(buffer.Skip(8192), Is.All.EqualTo(9), "beyond the log's writes the file shows through");
        });
    }

    [Test]
    public void Unaligned_reads_see_the_right_slice()
    {
        var overlay = new VhdxLogOverlay();
        overlay.WriteSector(8192, Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray());

        var buffer = new byte[10];
        overlay.Apply(8192 + 100, buffer);

        Assert.That(buffer, Is.EqualTo(Enumerable.Range(100, 10).Select(i => (byte)i).ToArray()));
    }
}
