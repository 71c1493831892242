using V2V.DiskFormats.Vmdk;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>The VMDKs V2V writes, checked by qemu-img and read back through both of V2V's readers.</summary>
public class VmdkWriterTests
{
    private const long MiB = 1024 * 1024;

    [TestCase("streamOptimized", 40 * 1024 * 1024L)]
    [TestCase("streamOptimized", 40 * 1024 * 1024L + 3 * 512)]
    [TestCase("monolithicSparse", 40 * 1024 * 1024L)]
    [TestCase("monolithicSparse", 40 * 1024 * 1024L + 7 * 512)]
    public void Written_vmdk_passes_qemu_img_and_holds_the_source(string subformat, long capacity)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), capacity,
            [.. SparseImage.Scattered(capacity - MiB, 0.2, 65536, seed: 9), new DataRun(capacity - 512, 512, RunFill.Repeated, 0xEE)]);
        string vmdk = folder.File("out.vmdk");

        var result = CliRunner.Run("convert", raw, vmdk, "--subformat", subformat, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertChecks(vmdk, "vmdk");
        QemuImg.AssertIdentical(raw, "raw", vmdk, "vmdk");
        using var disk = VmdkDisk.Open(vmdk, Core.Formats.SourceOptions.Default);
        Assert.That(disk.Describe().Subformat, Is.EqualTo(subformat));
        Assert.That(disk.Chain[0].Descriptor.Extents[0].FileName, Is.EqualTo("out.vmdk"), "the descriptor names the final file, not the partial one");
    }

    [Test]
    public void Written_streamoptimized_vmdk_has_vmware_layout_and_streams_in_disk_order()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 64 * MiB, SparseImage.Scattered(64 * MiB, 0.3, 65536, seed: 12));
        string vmdk = folder.File("so.vmdk");
        Assert.That(CliRunner.Run("convert", raw, vmdk).ExitCode, Is.EqualTo(0));

        var head = SparseExtentHeader.Read(File.ReadAllBytes(vmdk).AsSpan(0, 512));
        Assert.Multiple(() =>
        {
            Assert.That(head.Version, Is.EqualTo(3), "ESXi refuses streamOptimized below version 3");
            Assert.That(head.GdOffset, Is.EqualTo(SparseExtentHeader.GdAtEnd));
            Assert.That(head.Flags, Is.EqualTo(0x30001));
        });

        // The forward-only reader refuses grains out of order: reading it front to back proves the order.
        using var stream = File.OpenRead(vmdk);
        var producer = StreamOptimizedProducer.Start(new BufferedStream(stream), vmdk);
        var disk = new MemoryDisk(producer.Length);
        var outcome = Core.Pipeline.BlockPipeline.RunAsync(producer, [disk], new Core.Pipeline.PipelineOptions(), null, CancellationToken.None).GetAwaiter().GetResult();
        Assert.That(outcome.Length, Is.EqualTo(64 * MiB));
        Bytes.AssertEqual(File.ReadAllBytes(raw), disk.ReadAll(0, (int)(64 * MiB)));
    }

    [Test]
    public void A_disk_over_2_tib_is_refused_as_a_sparse_vmdk()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("big.raw"), 3L << 40, [new DataRun(0, 512, RunFill.Random)]);

        var result = CliRunner.Run("convert", raw, folder.File("big.vmdk"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("2 TiB"));
    }

    [Test]
    public void A_stream_that_would_outgrow_32_bit_sector_numbers_is_refused()
    {
        // Incompressible grains are stored at 129 sectors each, so near 2 TiB of such data the
        // file would pass 2^32 sectors; the limit is lowered to 2 MiB of file here.
        using var folder = new TempFolder();
        using var file = File.OpenHandle(folder.File("out.vmdk"), FileMode.CreateNew, FileAccess.ReadWrite);
        using var writer = new StreamOptimizedWriter(file, 8 * MiB, "out.vmdk", "lsilogic") { MaxSector = 4096 };
        var data = new byte[MiB];
        Random.Shared.NextBytes(data);
        var error = Assert.Throws<V2V.Core.Errors.UnsupportedFormatException>(() =>
        {
            for (long offset = 0; offset < 8 * MiB; offset += MiB)
            {
                writer.Write(offset, data);
                writer.Covered(offset + MiB);
            }
        });
        Assert.That(error!.Message, Does.Contain("out.vmdk").And.Contain("2 TiB"));
    }

    [Test]
    public void The_largest_sparse_vmdk_keeps_its_last_grain_within_32_bit_sectors()
    {
        using var folder = new TempFolder();
        using var file = File.OpenHandle(folder.File("out.vmdk"), FileMode.CreateNew, FileAccess.ReadWrite);
        Assert.DoesNotThrow(() => new MonolithicSparseWriter(file, V2V.Adapters.VMware.VmdkTargetFormat.MaxCapacity, "out.vmdk", "lsilogic").Dispose());
        Assert.Throws<ArgumentOutOfRangeException>(() => new MonolithicSparseWriter(file, 0xFFFFFFFFL * 512 - 64 * MiB, "out.vmdk", "lsilogic"));
    }
}
