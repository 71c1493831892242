using V2V.DiskFormats.Vmdk;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>ESXi shapes: thin vmfs disks with -flat extents, ZERO extents, COWD and seSparse snapshot deltas.</summary>
public class VmdkEsxTests
{
    private const long MiB = 1024 * 1024;
    private const long Sectors = 16 * MiB / 512;

    private static byte[] Pattern(byte value, int length) => Enumerable.Repeat(value, length).ToArray();

    /// <summary>A thin ESXi base disk: descriptor + sparse -flat file, 16 MiB, data at 1 MiB and 8 MiB.</summary>
    private static byte[] WriteBase(TempFolder folder)
    {
        var content = new byte[16 * MiB];
        new Random(8).NextBytes(content.AsSpan((int)MiB, 65536));
        content.AsSpan((int)(8 * MiB), 4096).Fill(0x42);
        SparseImage.Create(folder.File("base-flat.vmdk"), 16 * MiB,
            [new DataRun(MiB, 65536, RunFill.Random), new DataRun(8 * MiB, 4096, RunFill.Repeated, 0x42)], seed: 8);
        Bytes.AssertEqual(content, File.ReadAllBytes(folder.File("base-flat.vmdk")), "fixture");
        File.WriteAllText(folder.File("base.vmdk"), HandMadeVmdk.Descriptor("vmfs", 0x11111111, 0xffffffff, null, $"RW {Sectors} VMFS \"base-flat.vmdk\""));
        return content;
    }

    [Test]
    public void A_thin_vmfs_disk_reads_its_flat_extent_and_skips_its_holes()
    {
        using var folder = new TempFolder();
        var content = WriteBase(folder);

        using var disk = VmdkDisk.Open(folder.File("base.vmdk"), Core.Formats.SourceOptions.Default);

        Bytes.AssertEqual(content, Bytes.ReadDisk(disk));
        Assert.That(disk.EnumerateRanges().Where(e => e.Kind == Core.Disks.RangeKind.Data).Sum(e => e.Length), Is.LessThan(MiB));
        Assert.That(disk.Describe().Properties.Any(p => p.Key == "thin provisioned"), Is.True);
        QemuImg.AssertIdentical(folder.File("base.vmdk"), "vmdk", folder.File("base-flat.vmdk"), "raw");
    }

    [Test]
    public void A_zero_extent_reads_as_zeros_between_flat_extents()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("a.bin"), Pattern(0xAA, (int)MiB));
        File.WriteAllBytes(folder.File("b.bin"), Pattern(0xBB, (int)(2 * MiB)));
        File.WriteAllText(folder.File("z.vmdk"), HandMadeVmdk.Descriptor("custom", 1, 0xffffffff, null,
            "RW 2048 FLAT \"a.bin\" 0", "RW 4096 ZERO", "RW 2048 FLAT \"b.bin\" 2048"));

        using var disk = VmdkDisk.Open(folder.File("z.vmdk"), Core.Formats.SourceOptions.Default);
        var content = Bytes.ReadDisk(disk);

        Assert.Multiple(() =>
        {
            Assert.That(disk.Capacity, Is.EqualTo(4 * MiB));
            Assert.That(content.AsSpan(0, (int)MiB).ToArray(), Is.All.EqualTo(0xAA));
            Assert.That(content.AsSpan((int)MiB, (int)(2 * MiB)).ContainsAnyExcept((byte)0), Is.False);
            Assert.That(content.AsSpan((int)(3 * MiB)).ToArray(), Is.All.EqualTo(0xBB), "FLAT offset 2048 sectors skips the first MiB of b.bin");
        });
    }

    [Test]
    public void A_cowd_snapshot_delta_flattens_onto_its_base()
    {
        using var folder = new TempFolder();
        var expected = WriteBase(folder);
        var grains = new Dictionary<long, byte[]>
        {
            [0] = Pattern(0x01, 512),
            [2048 + 10] = Pattern(0x02, 512),      // inside the base's data at 1 MiB
            [Sectors - 1] = Pattern(0x03, 512),     // the last sector
            [8 * 2048] = new byte[512],             // zeros written over base data at 8 MiB
        };
        File.WriteAllBytes(folder.File("base-000001-delta.vmdk"), HandMadeVmdk.Cowd(Sectors, grains));
        File.WriteAllText(folder.File("base-000001.vmdk"), HandMadeVmdk.Descriptor("vmfsSparse", 0x22222222, 0x11111111,
            "/vmfs/volumes/5a1b2c3d-datastore1/web01/base.vmdk", $"RW {Sectors} VMFSSPARSE \"base-000001-delta.vmdk\""));
        foreach (var (sector, data) in grains)
        {
            data.CopyTo(expected, sector * 512);
        }

        using var disk = VmdkDisk.Open(folder.File("base-000001.vmdk"), Core.Formats.SourceOptions.Default);

        Bytes.AssertEqual(expected, Bytes.ReadDisk(disk));
        Assert.That(disk.Chain, Has.Count.EqualTo(2), "the absolute ESXi parent hint is found beside the delta");
        string flat = folder.File("flat.raw");
        Assert.That(CliRunner.Run("convert", folder.File("base-000001.vmdk"), flat, "--verify").ExitCode, Is.EqualTo(0));
        // qemu-img follows the hint literally, so it gets a copy of the descriptor with a relative one.
        File.WriteAllText(folder.File("for-qemu.vmdk"), HandMadeVmdk.Descriptor("vmfsSparse", 0x22222222, 0x11111111,
            "base.vmdk", $"RW {Sectors} VMFSSPARSE \"base-000001-delta.vmdk\""));
        QemuImg.AssertIdentical(folder.File("for-qemu.vmdk"), "vmdk", flat, "raw");
    }

    [Test]
    public void An_sesparse_snapshot_delta_flattens_onto_its_base()
    {
        using var folder = new TempFolder();
        var expected = WriteBase(folder);
        var grains = new Dictionary<long, (HandMadeVmdk.SeGrain, byte[]?)>
        {
            [3] = (HandMadeVmdk.SeGrain.Data, Pattern(0x31, 4096)),
            [256] = (HandMadeVmdk.SeGrain.Zero, null),      // 1 MiB: hides the base's random data
            [257] = (HandMadeVmdk.SeGrain.Unmapped, null),
            [2048] = (HandMadeVmdk.SeGrain.Data, Pattern(0x32, 4096)), // 8 MiB: replaces the base's 0x42
            [4095] = (HandMadeVmdk.SeGrain.Data, Pattern(0x33, 4096)),
        };
        File.WriteAllBytes(folder.File("base-000002-sesparse.vmdk"), HandMadeVmdk.SeSparse(Sectors, grains));
        File.WriteAllText(folder.File("base-000002.vmdk"), HandMadeVmdk.Descriptor("seSparse", 0x33333333, 0x11111111,
            "base.vmdk", $"RW {Sectors} SESPARSE \"base-000002-sesparse.vmdk\""));
        foreach (var (grain, (kind, data)) in grains)
        {
            var target = expected.AsSpan((int)(grain * 4096), 4096);
            if (data is null)
            {
                target.Clear();
            }
            else
            {
                data.CopyTo(target);
            }
        }

        using var disk = VmdkDisk.Open(folder.File("base-000002.vmdk"), Core.Formats.SourceOptions.Default);

        Bytes.AssertEqual(expected, Bytes.ReadDisk(disk));
        string flat = folder.File("flat.raw");
        Assert.That(CliRunner.Run("convert", folder.File("base-000002.vmdk"), flat).ExitCode, Is.EqualTo(0));
        QemuImg.AssertIdentical(folder.File("base-000002.vmdk"), "vmdk", flat, "raw");
    }
}
