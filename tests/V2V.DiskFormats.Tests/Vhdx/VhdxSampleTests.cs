using System.Security.Cryptography;
using V2V.Core.Disks;
using V2V.DiskFormats.Vhdx;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vhdx;

/// <summary>VHDX files made by Hyper-V, Disk2vhd and an old qemu, read as the samples' MANIFEST says.</summary>
public class VhdxSampleTests
{
    private const long MiB = 1024 * 1024;

    private static void AssertFilled(VhdxDisk reader, long from, long to, byte value)
    {
        var buffer = new byte[MiB];
        for (long offset = from; offset < to; offset += MiB)
        {
            int length = (int)Math.Min(MiB, to - offset);
            reader.Read(offset, buffer.AsSpan(0, length));
            int wrong = buffer.AsSpan(0, length).IndexOfAnyExcept(value);
            Assert.That(wrong, Is.EqualTo(-1), $"byte at {offset + wrong} should be 0x{value:X2}");
        }
    }

    [Test]
    public void Hyper_v_2012_dynamic_disk_holds_the_expected_patterns()
    {
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/iotest-dynamic-1G.vhdx.bz2"), folder);
        using var reader = VhdxDisk.Open(path);

        Assert.Multiple(() =>
        {
            Assert.That(reader.Capacity, Is.EqualTo(1L << 30));
            Assert.That(reader.Image.BlockSize, Is.EqualTo(32 * MiB));
            Assert.That(reader.LogicalSectorSize, Is.EqualTo(512));
            Assert.That(reader.Image.Parameters.PhysicalSectorSize, Is.EqualTo(4096));
            Assert.That(reader.Image.Identifier.Creator, Does.StartWith("Microsoft Windows 6.2.9200"));
        });
        AssertFilled(reader, 0, 33 * MiB, 0xA5);
        AssertFilled(reader, 33 * MiB, 66 * MiB, 0x96);
        AssertFilled(reader, 66 * MiB, reader.Capacity, 0x00);
    }

    [Test]
    public void Disk2vhd_file_with_identical_headers_opens()
    {
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/test-disk2vhd.vhdx.bz2"), folder);
        using var reader = VhdxDisk.Open(path);

        Assert.Multiple(() =>
        {
            Assert.That(reader.Capacity, Is.EqualTo(256 * MiB));
            Assert.That(reader.Image.BlockSize, Is.EqualTo(2 * MiB));
            Assert.That(reader.Image.Identifier.Creator, Is.EqualTo("d2v"));
            Assert.That(reader.Image.Header.SequenceNumber, Is.EqualTo(1));
        });
    }

    [Test]
    public void Dirty_log_is_replayed_in_memory_and_the_file_is_not_written()
    {
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/iotest-dirtylog-10G-4M.vhdx.bz2"), folder);
        byte[] before = SHA256.HashData(File.ReadAllBytes(path));
        var written = File.GetLastWriteTimeUtc(path);

        using (var reader = VhdxDisk.Open(path))
        {
            Assert.That(reader.Image.ReplayedLogEntries, Is.GreaterThan(0));
            Assert.That(reader.Capacity, Is.EqualTo(10L << 30));
            Assert.That(reader.Image.BlockSize, Is.EqualTo(MiB));
            AssertFilled(reader, 0, 18 * MiB, 0xA5);
            Assert.That(reader.EnumerateRanges().Where(e => e.Kind == RangeKind.Data).Sum(e => e.Length), Is.EqualTo(18 * MiB));
        }

        Assert.That(SHA256.HashData(File.ReadAllBytes(path)), Is.EqualTo(before));
        Assert.That(File.GetLastWriteTimeUtc(path), Is.EqualTo(written));
    }

    [Test]
    public void A_log_whose_every_sector_claims_an_entry_of_the_whole_log_is_refused()
    {
        // The dirty-log sample with each log sector made an entry header (right GUID, wrong CRC)
        // claiming the whole log: checking them all would cost log length squared.
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/iotest-dirtylog-10G-4M.vhdx.bz2"), folder);
        var image = File.ReadAllBytes(path);
        var header = new[] { 64 * 1024, 128 * 1024 }.Select(at => VhdxHeader.TryRead(image.AsSpan(at, 4096), out _))
            .OfType<VhdxHeader>().MaxBy(h => h.SequenceNumber)!;
        Assert.That(header.HasLog, Is.True);
        for (long at = (long)header.LogOffset; at < (long)header.LogOffset + header.LogLength; at += VhdxLogEntry.SectorSize)
        {
            var sector = image.AsSpan((int)at, VhdxLogEntry.SectorSize);
            sector.Clear();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(sector, VhdxLogEntry.Signature);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(sector[4..], 0xBAD0BAD0);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(sector[8..], header.LogLength);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(sector[16..], 1);
            header.LogGuid.TryWriteBytes(sector.Slice(32, 16));
        }

        File.WriteAllBytes(path, image);
        CliRunner.Run("convert", path, folder.File("out.vhdx")).AssertRejected(path, "log entry headers claim more than");
    }

    [Test]
    public void Dirty_log_replay_agrees_with_qemu_img_repair()
    {
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/iotest-dirtylog-10G-4M.vhdx.bz2"), folder);
        string repaired = folder.File("repaired.vhdx");
        File.Copy(path, repaired);
        ExternalTool.Run("qemu-img", "check", "-r", "all", "-f", "vhdx", repaired);
        string theirs = folder.File("theirs.raw");
        QemuImg.Convert(repaired, "vhdx", theirs, "raw");
        string ours = folder.File("ours.raw");

        Assert.That(CliRunner.Run("convert", path, ours).ExitCode, Is.EqualTo(0));

        // raw against raw: qemu-img compares sparse raw files by their data regions, in milliseconds.
        QemuImg.AssertIdentical(ours, "raw", theirs, "raw");
    }

    [TestCase("iotest-dynamic-1G.vhdx.bz2")]
    [TestCase("test-disk2vhd.vhdx.bz2")]
    public void Real_product_vhdx_converts_to_a_vhdx_qemu_img_accepts(string sample)
    {
        using var folder = new TempFolder();
        string path = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/" + sample), folder);
        string output = folder.File("converted.vhdx");

        var result = CliRunner.Run("convert", path, output, "--block-size", "1M", "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertChecks(output, "vhdx");
        QemuImg.AssertIdentical(path, "vhdx", output, "vhdx");
    }
}
