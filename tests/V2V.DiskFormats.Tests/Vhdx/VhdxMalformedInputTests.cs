using System.Buffers.Binary;
using V2V.DiskFormats.Vhdx;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vhdx;

/// <summary>
/// Damaged and hostile VHDX files: each must give exit 2 and one "error:" line that names the file
/// and the field, leave no target behind, and make <c>v2v check</c> report a problem.
/// </summary>
public class VhdxMalformedInputTests
{
    private const int MiB = 1024 * 1024;
    private const int BatOffset = 3 * MiB;      // where our writer puts the BAT
    private const int MetadataOffset = 2 * MiB; // and the metadata region

    private static byte[] ValidImage(TempFolder folder)
    {
        string raw = SparseImage.Create(folder.File("seed.raw"), 8 * MiB, [new DataRun(MiB, MiB, RunFill.Random)]);
        string vhdx = folder.File("seed.vhdx");
        Assert.That(CliRunner.Run("convert", raw, vhdx, "--block-size", "1M").ExitCode, Is.EqualTo(0));
        return File.ReadAllBytes(vhdx);
    }

    private static void FixRegionTables(byte[] image)
    {
        foreach (int offset in new[] { 192 * 1024, 256 * 1024 })
        {
            var table = image.AsSpan(offset, 65536);
            BinaryPrimitives.WriteUInt32LittleEndian(table[4..], Crc32C.ComputeWithZeroedField(table, 4));
        }
    }

    private static int MetadataItemEntry(byte[] image, Guid item)
    {
        for (int i = 0; i < 5; i++)
        {
            int entry = MetadataOffset + 32 + i * 32;
            if (new Guid(image.AsSpan(entry, 16)) == item)
            {
                return entry;
            }
        }

        throw new InvalidOperationException("item not found");
    }

    public static IEnumerable<TestCaseData> Damages()
    {
        yield return Case("truncated inside the headers", "truncated", image => image[..(100 * 1024)]);
        yield return Case("truncated after the metadata", "past the end of the file", image => image[..(MiB * 3 + 4096)]);
        yield return Case("wrong magic", "signature", image => { image[0] = (byte)'X'; return image; });
        yield return Case("both header CRCs wrong", "no valid header", image => { image[64 * 1024 + 200] ^= 1; image[128 * 1024 + 200] ^= 1; return image; });
        yield return Case("both region table CRCs wrong", "no valid region table", image => { image[192 * 1024 + 20] ^= 1; image[256 * 1024 + 20] ^= 1; return image; });
        yield return Case("region table entry count absurd", "EntryCount", image =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(192 * 1024 + 8), 1_000_000);
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(256 * 1024 + 8), 1_000_000);
            FixRegionTables(image);
            return image;
        });
        yield return Case("BAT region length past the end", "BAT region", image =>
        {
            foreach (int table in new[] { 192 * 1024, 256 * 1024 })
            {
                BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(table + 16 + 24), 0xFFF00000);
            }

            FixRegionTables(image);
            return image;
        });
        yield return Case("BAT overlapping metadata", "overlaps", image =>
        {
            foreach (int table in new[] { 192 * 1024, 256 * 1024 })
            {
                BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(table + 16 + 16), MetadataOffset);
            }

            FixRegionTables(image);
            return image;
        });
        yield return Case("BAT entry past the end of the file", "past the end", image =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(BatOffset), (1_000_000UL << 20) | 6);
            return image;
        });
        yield return Case("BAT entry pointing into the metadata", "inside the headers, log, BAT or metadata", image =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(BatOffset), (2UL << 20) | 6);
            return image;
        });
        yield return Case("BAT entry with a differencing-only state", "state 7", image =>
        {
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(BatOffset), (4UL << 20) | 7);
            return image;
        });
        yield return Case("metadata item claiming 4 GiB", "outside the", image =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(MetadataItemEntry(image, VhdxGuids.VirtualDiskSize) + 20), uint.MaxValue);
            return image;
        });
        yield return Case("virtual disk size of 2^60 bytes", "Virtual Disk Size", image =>
        {
            int entry = MetadataItemEntry(image, VhdxGuids.VirtualDiskSize);
            BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(MetadataOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(entry + 16))), 1UL << 60);
            return image;
        });
        yield return Case("block size not a power of two", "BlockSize", image =>
        {
            int entry = MetadataItemEntry(image, VhdxGuids.FileParameters);
            BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(MetadataOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(entry + 16))), 3 * MiB);
            return image;
        });
        yield return Case("metadata table signature gone", "metadata table", image => { image[MetadataOffset] = 0; return image; });
        yield return Case("garbage after the signature", "no valid header", image =>
        {
            var garbage = new byte[image.Length - 8];
            new Random(99).NextBytes(garbage);
            garbage.CopyTo(image, 8);
            return image;
        });

        static TestCaseData Case(string name, string mentioning, Func<byte[], byte[]> damage) =>
            new TestCaseData(damage, mentioning).SetName("Damaged VHDX is rejected: " + name);
    }

    [TestCaseSource(nameof(Damages))]
    public void Damaged_file_is_rejected_with_exit_2_and_leaves_nothing(Func<byte[], byte[]> damage, string mentioning)
    {
        using var folder = new TempFolder();
        string bad = folder.File("bad.vhdx");
        File.WriteAllBytes(bad, damage(ValidImage(folder)));
        string target = folder.File("out.vhdx");

        CliRunner.Run("convert", bad, target).AssertRejected(bad, mentioning);
        CliRunner.Run("info", bad).AssertRejected(bad, mentioning);
        Assert.That(folder.FileNames(), Does.Not.Contain("out.vhdx").And.Not.Contain("out.vhdx.partial"));

        var check = CliRunner.Run("check", bad);
        Assert.That(check.ExitCode, Is.EqualTo(1), check.StdOut + check.StdErr);
        Assert.That(check.StdOut, Does.Contain("problem:"));
    }

    [Test]
    public void Garbage_named_vhdx_is_not_taken_for_a_raw_disk()
    {
        using var folder = new TempFolder();
        string bad = folder.File("garbage.vhdx");
        var bytes = new byte[MiB];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(bad, bytes);

        CliRunner.Run("convert", bad, folder.File("out.vhdx")).AssertRejected(bad, "no vhdx signature");
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "garbage.vhdx" }));
    }

    [Test]
    public void A_tolerated_oddity_is_a_note_not_a_problem()
    {
        using var folder = new TempFolder();
        var image = ValidImage(folder);
        image[64 * 1024 + 300] ^= 1; // header 1 damaged, header 2 still good
        string odd = folder.File("odd.vhdx");
        File.WriteAllBytes(odd, image);

        Assert.That(CliRunner.Run("convert", odd, folder.File("out.raw")).ExitCode, Is.EqualTo(0));
        var check = CliRunner.Run("check", odd);
        Assert.That(check.ExitCode, Is.EqualTo(1), "a damaged header copy is a problem worth reporting");
        Assert.That(check.StdOut, Does.Contain("header 1"));
    }
}
