using V2V.DiskFormats.Vhdx;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vhdx;

/// <summary>raw → VHDX (our writer) → our reader and qemu-img, for the shapes Hyper-V uses.</summary>
public class VhdxRoundTripTests
{
    private const long MiB = 1024 * 1024;

    [TestCase("dynamic", "1M", 512)]
    [TestCase("dynamic", "32M", 512)]
    [TestCase("dynamic", "2M", 4096)]
    [TestCase("fixed", "1M", 512)]
    [TestCase("fixed", "8M", 4096)]
    public void Raw_to_vhdx_reads_back_identically_and_passes_qemu_img(string subformat, string blockSize, int sectorSize)
    {
        using var folder = new TempFolder();
        long capacity = 45 * MiB + 3 * 4096; // not a multiple of any block size
        string raw = SparseImage.Create(folder.File("src.raw"), capacity,
        [
            new DataRun(0, 4096, RunFill.Random),
            new DataRun(3 * MiB - 100, 200, RunFill.Repeated, 0x5A),
            new DataRun(17 * MiB, (int)(2 * MiB), RunFill.Random),
            new DataRun(capacity - 4096, 4096, RunFill.Repeated, 0xEE),
        ]);
        string vhdx = folder.File("out.vhdx");

        var result = CliRunner.Run("convert", raw, vhdx, "--subformat", subformat, "--block-size", blockSize, "--sector-size", sectorSize.ToString(), "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        using (var reader = VhdxDisk.Open(vhdx))
        {
            Assert.Multiple(() =>
            {
                Assert.That(reader.Capacity, Is.EqualTo(capacity));
                Assert.That(reader.LogicalSectorSize, Is.EqualTo(sectorSize));
                Assert.That(reader.Image.IsFixed, Is.EqualTo(subformat == "fixed"));
                Assert.That(reader.Image.Parameters.PhysicalSectorSize, Is.EqualTo(4096));
                Bytes.AssertEqual(File.ReadAllBytes(raw), Bytes.ReadDisk(reader));
            });
        }

        if (sectorSize == 512) // qemu-img cannot open 4Kn VHDX files ("Operation not supported")
        {
            QemuImg.AssertChecks(vhdx, "vhdx");
            QemuImg.AssertIdentical(raw, "raw", vhdx, "vhdx");
        }
    }

    [Test]
    public void A_dynamic_vhdx_is_as_long_as_its_metadata_plus_the_blocks_holding_data()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 1024 * MiB, SparseImage.Scattered(1024 * MiB, 0.05, (int)MiB));
        string vhdx = folder.File("out.vhdx");

        Assert.That(CliRunner.Run("convert", raw, vhdx, "--block-size", "1M").ExitCode, Is.EqualTo(0));

        long data = 51 * MiB; // 5 % of 1 GiB in whole 1 MiB runs
        Assert.That(new FileInfo(vhdx).Length, Is.EqualTo(4 * MiB + data), "header 1 MiB + log 1 MiB + metadata 1 MiB + BAT 1 MiB + data");
        using var reader = VhdxDisk.Open(vhdx);
        for (long block = 0; block < reader.Image.BatLayout.PayloadBlocks; block++)
        {
            var entry = reader.Image.PayloadEntry(block);
            if (entry.State != VhdxBlockState.FullyPresent)
            {
                Assert.That(entry, Is.EqualTo(new VhdxBatEntry(VhdxBlockState.NotPresent, 0)), $"block {block}");
            }
        }
    }

    [Test]
    public void A_fixed_vhdx_reserves_every_block()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 10 * MiB, [new DataRun(MiB, 10, RunFill.Random)]);
        string vhdx = folder.File("out.vhdx");

        Assert.That(CliRunner.Run("convert", raw, vhdx, "--subformat", "fixed", "--block-size", "4M").ExitCode, Is.EqualTo(0));

        Assert.That(new FileInfo(vhdx).Length, Is.EqualTo(4 * MiB + 12 * MiB), "three 4 MiB blocks cover 10 MiB");
        using var reader = VhdxDisk.Open(vhdx);
        Assert.That(Enumerable.Range(0, 3).Select(b => reader.Image.PayloadEntry(b).State), Is.All.EqualTo(VhdxBlockState.FullyPresent));
    }

    [TestCase("dynamic", "1M")]
    [TestCase("dynamic", "8M")]
    [TestCase("dynamic", "32M")]
    [TestCase("fixed", "1M")]
    public void Vhdx_written_by_qemu_img_reads_back_identically(string subformat, string blockSize)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("src.raw"), 70 * MiB, SparseImage.Scattered(70 * MiB, 0.2, 65536, seed: 11));
        string vhdx = folder.File("qemu.vhdx");
        QemuImg.Convert(raw, "raw", vhdx, "vhdx", "-o", $"subformat={subformat},block_size={blockSize}");

        using var reader = VhdxDisk.Open(vhdx);

        Bytes.AssertEqual(File.ReadAllBytes(raw), Bytes.ReadDisk(reader));
        Assert.That(reader.Image.BlockSize, Is.EqualTo(V2V.Core.ByteSize.Parse(blockSize, "block")));
    }
}
