using V2V.DiskFormats.Vmdk;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>VMDKs made by VMware (and a fuzzed one), read as the samples' MANIFEST says.</summary>
public class VmdkSampleTests
{
    [Test]
    public void The_vmware_streamoptimized_export_holds_its_hundred_patterns()
    {
        using var disk = VmdkDisk.Open(RepositoryPaths.Sample("qemu-iotests/iotest-version3.vmdk"), Core.Formats.SourceOptions.Default);
        var sparse = (HostedSparseExtent)disk.Chain[0].Extents[0];

        Assert.Multiple(() =>
        {
            Assert.That(disk.Capacity, Is.EqualTo(16L << 30));
            Assert.That(disk.Describe().Subformat, Is.EqualTo("streamOptimized"));
            Assert.That(sparse.Header.Version, Is.EqualTo(3));
            Assert.That(sparse.Header.Flags, Is.EqualTo(0x30001));
            Assert.That(disk.Chain[0].Descriptor.Get("ddb.virtualHWVersion"), Is.EqualTo("8"));
        });

        var sector = new byte[512];
        for (int i = 0; i < 100; i++)
        {
            disk.Read(i * 655360L + i * 512, sector);
            Assert.That(sector, Is.All.EqualTo((byte)(0x30 + i % 10)), $"pattern {i}");
        }

        var between = new byte[4096];
        disk.Read(655360 + 512 + 512, between);
        Assert.That(between, Is.All.EqualTo(0));
    }

    [Test]
    public void The_vmware_export_converts_identically_per_qemu_img()
    {
        using var folder = new TempFolder();
        string sample = RepositoryPaths.Sample("qemu-iotests/iotest-version3.vmdk");
        string vhdx = folder.File("out.vhdx");

        Assert.That(CliRunner.Run("convert", sample, vhdx, "--verify", "--block-size", "1M").ExitCode, Is.EqualTo(0));

        QemuImg.AssertChecks(vhdx, "vhdx");
        QemuImg.AssertIdentical(sample, "vmdk", vhdx, "vhdx");
    }

    [Test]
    public void The_fuzzed_vmdk_is_rejected_cleanly()
    {
        string sample = RepositoryPaths.Sample("qemu-iotests/afl9.vmdk");
        using var folder = new TempFolder();

        CliRunner.Run("convert", sample, folder.File("out.vhdx")).AssertRejected("afl9.vmdk");
        Assert.That(folder.FileNames(), Is.Empty);
    }
}
