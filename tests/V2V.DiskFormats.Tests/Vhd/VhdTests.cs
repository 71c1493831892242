using System.Buffers.Binary;
using V2V.DiskFormats.Vhd;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vhd;

public class VhdTests
{
    private const long MiB = 1024 * 1024;

    private static string Raw(TempFolder folder, long capacity = 20 * MiB) =>
        SparseImage.Create(folder.File("src.raw"), capacity, [new DataRun(0, 4096, RunFill.Random), new DataRun(5 * MiB + 512, 3000, RunFill.Random), new DataRun(capacity - 512, 512, RunFill.Repeated, 9)]);

    [TestCase("dynamic")]
    [TestCase("fixed")]
    public void Vhd_written_by_qemu_img_reads_back_identically(string subformat)
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        string vhd = folder.File("qemu.vhd");
        QemuImg.Convert(raw, "raw", vhd, "vpc", "-o", $"subformat={subformat},force_size=on");

        using var disk = VhdDisk.Open(vhd, Core.Formats.SourceOptions.Default);

        Assert.That(disk.Capacity, Is.EqualTo(20 * MiB));
        Bytes.AssertEqual(File.ReadAllBytes(raw), Bytes.ReadDisk(disk));
    }

    [TestCase("dynamic", 20 * 1024 * 1024)]
    [TestCase("fixed", 20 * 1024 * 1024)]
    [TestCase("dynamic", 7 * 1024 * 1024 + 512)]
    public void Vhd_written_by_v2v_is_identical_per_qemu_img(string subformat, long capacity)
    {
        using var folder = new TempFolder();
        string raw = Raw(folder, capacity);
        string vhd = folder.File("out.vhd");

        var result = CliRunner.Run("convert", raw, vhd, "--subformat", subformat, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        // qemu-img 7.2 has no check for vpc ("does not support checks"); compare is the oracle.
        QemuImg.AssertIdentical(raw, "raw", vhd, "vpc");
        using var disk = VhdDisk.Open(vhd, Core.Formats.SourceOptions.Default);
        Assert.That(disk.Describe().Subformat, Is.EqualTo(subformat));
    }

    [Test]
    public void A_fixed_vhd_is_a_whole_number_of_mib_and_the_output_says_so()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("odd.raw"), 100_000_000, [new DataRun(0, 512, RunFill.Random)]);
        string vhd = folder.File("azure.vhd");

        var result = CliRunner.Run("convert", raw, vhd, "--subformat", "fixed");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain("capacity rounded up from 100000000 to 100663296"));
        Assert.That(new FileInfo(vhd).Length, Is.EqualTo(96 * MiB + 512));
        using var disk = VhdDisk.Open(vhd, Core.Formats.SourceOptions.Default);
        Assert.That(disk.Chain[0].Footer.Geometry, Is.EqualTo(VhdGeometry.For(96 * MiB)));
    }

    [Test]
    public void A_disk_over_2040_gib_is_refused_before_anything_is_written()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("big.raw"), 2041L << 30, [new DataRun(0, 512, RunFill.Random)]);

        var result = CliRunner.Run("convert", raw, folder.File("big.vhd"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("2040 GiB"));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "big.raw" }));
    }

    [TestCase(10 * 1024 * 1024L, 301, 4, 17)]
    [TestCase(136365211648L, 65278, 16, 255)] // the real Hyper-V 2012 R2 sample's footer says 65278/16/255
    [TestCase(2040L << 30, 65535, 16, 255)]
    public void Chs_geometry_follows_the_spec(long bytes, int cylinders, int heads, int sectors) =>
        Assert.That(VhdGeometry.For(bytes), Is.EqualTo(new VhdGeometry((ushort)cylinders, (byte)heads, (byte)sectors)));

    [Test]
    public void Real_samples_read_with_the_size_their_creator_meant()
    {
        using var folder = new TempFolder();
        using var hyperV = VhdDisk.Open(RepositoryPaths.Sample("qemu-iotests/hyperv2012r2-dynamic.vhd"), Core.Formats.SourceOptions.Default);
        using var virtualPc = VhdDisk.Open(RepositoryPaths.Sample("qemu-iotests/virtualpc-dynamic.vhd"), Core.Formats.SourceOptions.Default);
        string d2vPath = Bzip2.Decompress(RepositoryPaths.Sample("qemu-iotests/d2v-zerofilled.vhd.bz2"), folder);
        using var d2v = VhdDisk.Open(d2vPath, Core.Formats.SourceOptions.Default);

        Assert.Multiple(() =>
        {
            Assert.That(hyperV.Capacity, Is.EqualTo(136365211648), "Hyper-V \"win \": current size");
            Assert.That(virtualPc.Capacity, Is.EqualTo(136363130880), "Virtual PC \"vpc \": CHS size");
            Assert.That(d2v.Capacity, Is.EqualTo(263454720), "Disk2vhd: current size (CHS is the maximum)");
            Assert.That(hyperV.EnumerateRanges().All(e => e.Kind == Core.Disks.RangeKind.Unallocated), Is.True);
        });
        Assert.That(Bytes.ReadDisk(d2v).AsSpan().ContainsAnyExcept((byte)0), Is.False, "every block allocated and zero-filled");
        string out2 = folder.File("d2v.vhdx");
        Assert.That(CliRunner.Run("convert", d2vPath, out2, "--verify").ExitCode, Is.EqualTo(0));
        QemuImg.AssertIdentical(d2vPath, "vpc", out2, "vhdx");
    }

    private static (string Parent, byte[] Expected, Guid ParentId) Parent(TempFolder folder, long capacity)
    {
        string raw = Raw(folder, capacity);
        string parent = folder.File("parent.vhd");
        Assert.That(CliRunner.Run("convert", raw, parent).ExitCode, Is.EqualTo(0));
        using var opened = VhdDisk.Open(parent, Core.Formats.SourceOptions.Default);
        return (parent, File.ReadAllBytes(raw), opened.Chain[0].Footer.UniqueId);
    }

    [Test]
    public void A_differencing_vhd_s_parent_is_never_replaced_even_through_a_linked_folder()
    {
        using var folder = new TempFolder();
        long capacity = 8 * MiB;
        var (parent, _, parentId) = Parent(folder, capacity);
        File.WriteAllBytes(folder.File("child.vhd"), HandMadeVhd.Differencing(capacity, parentId, ".\\parent.vhd", new Dictionary<long, byte[]> { [0] = new byte[512] }, "win ", 0x000A0000u, false));
        File.CreateSymbolicLink(folder.File("alias"), folder.Path);
        byte[] before = File.ReadAllBytes(parent);

        var result = CliRunner.Run("convert", folder.File("child.vhd"), folder.File("alias/parent.vhd"), "--to", "vhd", "--force");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.Contain("alias/parent.vhd").And.Contain("never writes its source"));
        Assert.That(File.ReadAllBytes(parent), Is.EqualTo(before));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "child.vhd", "parent.vhd", "src.raw" }));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_differencing_vhd_reads_its_sectors_and_its_parents_elsewhere(bool oldTapBitmaps)
    {
        using var folder = new TempFolder();
        long capacity = 8 * MiB;
        var (_, expected, parentId) = Parent(folder, capacity);
        var sectors = new Dictionary<long, byte[]>
        {
            [0] = Enumerable.Repeat((byte)0xC0, 512).ToArray(),
            [3] = Enumerable.Repeat((byte)0xC3, 512).ToArray(),
            [5 * 2048 + 1] = new byte[512], // zeros written over the parent's data
            [capacity / 512 - 1] = Enumerable.Repeat((byte)0xCF, 512).ToArray(),
        };
        File.WriteAllBytes(folder.File("child.vhd"), HandMadeVhd.Differencing(capacity, parentId, ".\\parent.vhd", sectors,
            oldTapBitmaps ? "tap\0" : "win ", oldTapBitmaps ? 0x00000001u : 0x000A0000u, oldTapBitmaps));
        foreach (var (sector, data) in sectors)
        {
            data.CopyTo(expected, sector * 512);
        }

        using var disk = VhdDisk.Open(folder.File("child.vhd"), Core.Formats.SourceOptions.Default);

        Assert.That(disk.Chain, Has.Count.EqualTo(2));
        Bytes.AssertEqual(expected, Bytes.ReadDisk(disk));
        string flat = folder.File("flat.vhdx");
        Assert.That(CliRunner.Run("convert", folder.File("child.vhd"), flat, "--verify").ExitCode, Is.EqualTo(0));
    }

    [Test]
    public void Differencing_chain_errors_name_the_problem()
    {
        using var folder = new TempFolder();
        var (_, _, parentId) = Parent(folder, 4 * MiB);

        File.WriteAllBytes(folder.File("wrongid.vhd"), HandMadeVhd.Differencing(4 * MiB, Guid.NewGuid(), ".\\parent.vhd", new Dictionary<long, byte[]>()));
        CliRunner.Run("info", folder.File("wrongid.vhd")).AssertRejected("wrongid.vhd", "unique id");

        File.WriteAllBytes(folder.File("orphan.vhd"), HandMadeVhd.Differencing(4 * MiB, parentId, ".\\gone.vhd", new Dictionary<long, byte[]>()));
        File.Move(folder.File("parent.vhd"), folder.File("moved.vhd"));
        CliRunner.Run("info", folder.File("orphan.vhd")).AssertRejected("orphan.vhd", "does not exist");

        File.WriteAllBytes(folder.File("escape.vhd"), HandMadeVhd.Differencing(4 * MiB, parentId, "..\\..\\etc\\passwd", new Dictionary<long, byte[]>()));
        CliRunner.Run("info", folder.File("escape.vhd")).AssertRejected("escape.vhd", "outside the folder");
    }

    [Test]
    public void An_absolute_windows_locator_finds_the_parent_beside_the_child_and_a_missing_one_names_every_locator()
    {
        using var folder = new TempFolder();
        var (_, expected, parentId) = Parent(folder, 8 * MiB);
        File.Move(folder.File("parent.vhd"), folder.File("base.vhd"));
        File.WriteAllBytes(folder.File("child.vhd"), HandMadeVhd.Differencing(8 * MiB, parentId, "C:\\Hyper-V\\Disks\\base.vhd", new Dictionary<long, byte[]>(),
            locatorCode: VhdParentLocator.W2ku));

        using (var disk = VhdDisk.Open(folder.File("child.vhd"), Core.Formats.SourceOptions.Default))
        {
            Assert.That(disk.Chain[1].File.Path, Is.EqualTo(folder.File("base.vhd")));
            Bytes.AssertEqual(expected, Bytes.ReadDisk(disk));
        }

        File.Delete(folder.File("base.vhd"));
        var result = CliRunner.Run("info", folder.File("child.vhd"));
        result.AssertRejected("child.vhd", "C:\\Hyper-V\\Disks\\base.vhd");
        Assert.That(result.StdErr, Does.Contain("\"parent.vhd\"").And.Contain("\"base.vhd\" beside the child"));
    }

    [Test]
    public void Damaged_vhds_are_refused_with_the_field_named()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        string dynamicVhd = folder.File("d.vhd");
        Assert.That(CliRunner.Run("convert", raw, dynamicVhd).ExitCode, Is.EqualTo(0));
        byte[] good = File.ReadAllBytes(dynamicVhd);

        void Case(string name, Action<byte[]> damage, string mentioning)
        {
            var bytes = (byte[])good.Clone();
            damage(bytes);
            string path = folder.File(name);
            File.WriteAllBytes(path, bytes);
            CliRunner.Run("convert", path, folder.File(name + ".vhdx")).AssertRejected(name, mentioning);
            Assert.That(File.Exists(folder.File(name + ".vhdx")), Is.False);
        }

        Case("bat-past-end.vhd", b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(1536), 0x7FFFFFFF), "past the end");
        Case("header-sum.vhd", b => b[512 + 100] ^= 1, "checksum");
        Case("block-size.vhd", b =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(512 + 32), 3 * 1024 * 1024);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(512 + 36), VhdFooter.Checksum(b.AsSpan(512, 1024), 36));
        }, "block size");
        Case("no-footer.vhd", b => { b[100] ^= 1; b[^412] ^= 1; }, "no valid footer");
        Case("max-entries.vhd", b =>
        {
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(512 + 28), 1);
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(512 + 36), VhdFooter.Checksum(b.AsSpan(512, 1024), 36));
        }, "MaxTableEntries");
    }

    [Test]
    public void A_bat_larger_than_any_real_vhd_is_refused_before_it_is_loaded()
    {
        // 16 GiB in 512-byte blocks: 32 Mi BAT entries, in a sparse file just large enough to
        // pass the checks against its size.
        using var folder = new TempFolder();
        string dynamicVhd = folder.File("d.vhd");
        Assert.That(CliRunner.Run("convert", Raw(folder), dynamicVhd).ExitCode, Is.EqualTo(0));
        byte[] good = File.ReadAllBytes(dynamicVhd);
        var footer = good.AsSpan(good.Length - 512, 512).ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(40), 16L << 30);
        BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(48), 16L << 30);
        BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(64), VhdFooter.Checksum(footer, 64));
        var head = good.AsSpan(0, 1536).ToArray();
        footer.CopyTo(head, 0);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(512 + 28), 1u << 25);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(512 + 32), 512);
        BinaryPrimitives.WriteUInt32BigEndian(head.AsSpan(512 + 36), VhdFooter.Checksum(head.AsSpan(512, 1024), 36));
        string path = folder.File("huge-bat.vhd");
        using (var file = File.Create(path))
        {
            file.Write(head);
            file.SetLength(256L << 20);
            file.Position = file.Length - 512;
            file.Write(footer);
        }

        CliRunner.Run("info", path).AssertRejected("huge-bat.vhd", "more than any real VHD");
    }

    [TestCase("fixed")]
    [TestCase("dynamic")]
    public void A_511_byte_footer_of_virtual_pc_2004_is_read(string subformat)
    {
        // Virtual PC 2004 and older wrote the footer one byte short; the data then ends 511 bytes
        // before the end of the file, not 512.
        using var folder = new TempFolder();
        string raw = Raw(folder);
        string vhd = folder.File("old.vhd");
        Assert.That(CliRunner.Run("convert", raw, vhd, "--subformat", subformat).ExitCode, Is.EqualTo(0));
        using (var file = File.OpenWrite(vhd))
        {
            file.SetLength(file.Length - 1);
        }

        var result = CliRunner.Run("compare", raw, vhd);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
    }
}
