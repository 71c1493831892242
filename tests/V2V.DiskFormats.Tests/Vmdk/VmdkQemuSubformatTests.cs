using V2V.DiskFormats.Vmdk;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>Every VMDK subformat qemu-img writes, converted to VHDX and checked by qemu-img.</summary>
public class VmdkQemuSubformatTests
{
    private const long MiB = 1024 * 1024;

    [TestCase("monolithicSparse")]
    [TestCase("monolithicFlat")]
    [TestCase("twoGbMaxExtentSparse")]
    [TestCase("twoGbMaxExtentFlat")]
    [TestCase("streamOptimized")]
    public void Subformat_converts_to_an_identical_vhdx(string subformat)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 96 * MiB + 65536,
            [.. SparseImage.Scattered(96 * MiB, 0.1, 65536, seed: 3), new DataRun(96 * MiB, 65536, RunFill.Random)]);
        string vmdk = folder.File("disk.vmdk");
        QemuImg.Convert(raw, "raw", vmdk, "vmdk", "-o", $"subformat={subformat}");
        string vhdx = folder.File("disk.vhdx");

        var result = CliRunner.Run("convert", vmdk, vhdx, "--verify", "--block-size", "1M");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertChecks(vhdx, "vhdx");
        QemuImg.AssertIdentical(raw, "raw", vhdx, "vhdx");
        using var disk = VmdkDisk.Open(vmdk, Core.Formats.SourceOptions.Default);
        Assert.That(disk.Describe().Subformat, Is.EqualTo(subformat));
    }

    [Test]
    public void Only_the_grains_qemu_allocated_are_read()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 64 * MiB, [new DataRun(10 * MiB, 65536, RunFill.Random)]);
        string vmdk = folder.File("disk.vmdk");
        QemuImg.Convert(raw, "raw", vmdk, "vmdk", "-o", "subformat=monolithicSparse");

        using var disk = VmdkDisk.Open(vmdk, Core.Formats.SourceOptions.Default);
        var data = disk.EnumerateRanges().Where(e => e.Kind == Core.Disks.RangeKind.Data).ToList();

        Assert.That(data, Has.Count.EqualTo(1));
        Assert.That(data[0], Is.EqualTo(new Core.Disks.DiskRange(10 * MiB, 65536, Core.Disks.RangeKind.Data)));
    }

    [Test]
    public void A_snapshot_chain_with_zero_writes_over_parent_data_flattens_exactly()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("base.raw"), 32 * MiB,
            [new DataRun(0, (int)(4 * MiB), RunFill.Random), new DataRun(20 * MiB, (int)MiB, RunFill.Repeated, 0x11)]);
        string baseVmdk = folder.File("base.vmdk");
        QemuImg.Convert(raw, "raw", baseVmdk, "vmdk", "-o", "subformat=monolithicSparse");
        string delta1 = folder.File("delta1.vmdk");
        string delta2 = folder.File("delta2.vmdk");
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", delta1);
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x77 1M 64k", "-c", "write -z 2M 128k", "-c", "write -P 0x66 30M 4k", delta1);
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "delta1.vmdk", "-F", "vmdk", delta2);
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -z 20M 64k", "-c", "write -P 0x55 1M 4k", delta2);
        string flat = folder.File("flat.raw");

        var result = CliRunner.Run("convert", delta2, flat, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(delta2, "vmdk", flat, "raw");
        using var disk = VmdkDisk.Open(delta2, Core.Formats.SourceOptions.Default);
        Assert.That(disk.Describe().Chain, Has.Count.EqualTo(3));
    }
}
