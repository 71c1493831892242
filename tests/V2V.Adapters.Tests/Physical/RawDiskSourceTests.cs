using V2V.Adapters.Physical;
using V2V.Core.Disks;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.Physical;

public class RawDiskSourceTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Holes_of_a_sparse_image_are_reported_unallocated()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("sparse.raw"), 64 * MiB,
            [new DataRun(8 * MiB, (int)MiB, RunFill.Random), new DataRun(40 * MiB, 4096, RunFill.Repeated, 3)]);

        using var source = RawDiskSource.Open(raw);
        var data = source.EnumerateRanges().Where(e => e.Kind == RangeKind.Data).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(source.Capacity, Is.EqualTo(64 * MiB));
            Assert.That(source.IsBlockDevice, Is.False);
            Assert.That(data.Sum(e => e.Length), Is.LessThanOrEqualTo(2 * MiB), "only the written ranges (filesystem blocks) are data");
            Assert.That(data.Any(e => e.Offset <= 8 * MiB && e.End >= 9 * MiB), Is.True);
            Assert.That(data.Any(e => e.Offset <= 40 * MiB && e.End >= 40 * MiB + 4096), Is.True);
            Assert.That(source.EnumerateRanges().Sum(e => e.Length), Is.EqualTo(64 * MiB), "extents cover the disk");
        });
    }

    [Test]
    public void A_four_tebibyte_sparse_image_converts_in_one_verified_pass()
    {
        using var folder = new TempFolder();
        long capacity = 4L << 40;
        var runs = Enumerable.Range(0, 64).Select(i => new DataRun(capacity / 64 * i + i * 4096, (int)MiB, i % 2 == 0 ? RunFill.Random : RunFill.Repeated, (byte)i)).ToList();
        string raw = SparseImage.Create(folder.File("huge.raw"), capacity, runs);
        string vhdx = folder.File("huge.vhdx");

        var result = CliRunner.Run("convert", raw, vhdx, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertChecks(vhdx, "vhdx");
        // qemu-img compare needs minutes at this size; the runs are compared here, the rest by --verify's digest.
        using var written = V2V.DiskFormats.Vhdx.VhdxDisk.Open(vhdx);
        using var original = RawDiskSource.Open(raw);
        var expected = new byte[MiB + 8192];
        var actual = new byte[MiB + 8192];
        foreach (var run in runs)
        {
            original.Read(Math.Max(0, run.Offset - 4096), expected);
            written.Read(Math.Max(0, run.Offset - 4096), actual);
            Bytes.AssertEqual(expected, actual, $"run at {run.Offset}");
        }
    }

    [Test]
    public void A_sparse_image_converts_identically_per_qemu_img()
    {
        using var folder = new TempFolder();
        long capacity = 4L << 30;
        var runs = Enumerable.Range(0, 32).Select(i => new DataRun(capacity / 32 * i + i * 65536, 256 * 1024, RunFill.Random)).ToList();
        string raw = SparseImage.Create(folder.File("sparse.raw"), capacity, runs);
        string vhdx = folder.File("sparse.vhdx");

        Assert.That(CliRunner.Run("convert", raw, vhdx, "--block-size", "1M").ExitCode, Is.EqualTo(0));

        QemuImg.AssertChecks(vhdx, "vhdx");
        QemuImg.AssertIdentical(raw, "raw", vhdx, "vhdx");
    }

    [Test]
    public void A_block_device_is_read_with_its_own_size()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Assert.Ignore("needs root to attach a loop device");
        }

        using var folder = new TempFolder();
        string backing = SparseImage.Create(folder.File("backing.raw"), 16 * MiB, [new DataRun(MiB, 4096, RunFill.Repeated, 0x77)]);
        var attach = ExternalTool.Run("losetup", "--find", "--show", "--read-only", backing);
        if (attach.ExitCode != 0)
        {
            Assert.Ignore("this machine gives no loop devices: " + attach.StdErr);
        }

        string device = attach.StdOut.Trim();
        try
        {
            using var source = RawDiskSource.Open(device);
            Assert.Multiple(() =>
            {
                Assert.That(source.IsBlockDevice, Is.True);
                Assert.That(source.Capacity, Is.EqualTo(16 * MiB), "fstat says 0 for devices; the size must come from the device");
                Assert.That(source.LogicalSectorSize, Is.EqualTo(512));
                var sector = new byte[4096];
                source.Read(MiB, sector);
                Assert.That(sector, Is.All.EqualTo(0x77));
            });
        }
        finally
        {
            ExternalTool.Run("losetup", "--detach", device);
        }
    }
}
