using System.Buffers.Binary;
using System.IO.Compression;
using V2V.DiskFormats.Vmdk;
using V2V.TestSupport;

namespace V2V.DiskFormats.Tests.Vmdk;

/// <summary>
/// VMDKs are often downloaded: hostile descriptors and damaged sparse files must each give exit 2
/// and one line naming the file and the problem, promptly, with nothing left behind.
/// </summary>
public class VmdkMalformedInputTests
{
    private const long MiB = 1024 * 1024;

    private static void AssertRefused(TempFolder folder, string vmdk, string mentioning)
    {
        CliRunner.Run("convert", vmdk, folder.File("out.vhdx")).AssertRejected(vmdk, mentioning);
        Assert.That(folder.FileNames(), Does.Not.Contain("out.vhdx").And.Not.Contain("out.vhdx.partial"));
    }

    private static string Descriptor(TempFolder folder, string name, params string[] extents)
    {
        File.WriteAllText(folder.File(name), HandMadeVmdk.Descriptor("monolithicFlat", 1, 0xffffffff, null, extents));
        return folder.File(name);
    }

    [Test]
    public void An_extent_climbing_out_of_the_folder_is_refused_unless_allowed()
    {
        using var outer = new TempFolder();
        string inner = Path.Combine(outer.Path, "vm");
        Directory.CreateDirectory(inner);
        File.WriteAllBytes(outer.File("secret.bin"), Enumerable.Repeat((byte)0x5E, (int)MiB).ToArray());
        string vmdk = Path.Combine(inner, "disk.vmdk");
        File.WriteAllText(vmdk, HandMadeVmdk.Descriptor("monolithicFlat", 1, 0xffffffff, null, "RW 2048 FLAT \"../secret.bin\" 0"));

        CliRunner.Run("convert", vmdk, Path.Combine(inner, "out.raw")).AssertRejected("disk.vmdk", "outside the folder");
        Assert.That(File.Exists(Path.Combine(inner, "out.raw")), Is.False);

        var allowed = CliRunner.Run("convert", vmdk, Path.Combine(inner, "out.raw"), "--allow-external-extents");
        Assert.That(allowed.ExitCode, Is.EqualTo(0), allowed.StdErr);
    }

    [TestCase("/etc/passwd")]
    [TestCase("/dev/zero")]
    [TestCase("C:\\Windows\\System32\\config\\SAM")]
    public void An_absolute_extent_path_is_refused(string target)
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", $"RW 2048 FLAT \"{target}\" 0"), "absolute");
    }

    [Test]
    public void A_symbolic_link_out_of_the_folder_is_refused()
    {
        using var folder = new TempFolder();
        File.CreateSymbolicLink(folder.File("disk-flat.vmdk"), "/etc/hostname");
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", "RW 1 FLAT \"disk-flat.vmdk\" 0"), "symbolic link");
    }

    [Test]
    public void A_linked_folder_on_the_way_out_is_refused()
    {
        // "sub -> /" makes "sub/etc/hostname" look inside the folder by its name alone.
        using var folder = new TempFolder();
        Directory.CreateSymbolicLink(folder.File("sub"), "/");
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", "RW 1 FLAT \"sub/etc/hostname\" 0"), "symbolic link to /etc/hostname");
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", "RW 1 FLAT \"sub/no/such/file\" 0"), "symbolic link to /no/such/file");
    }

    [Test]
    public void Links_that_stay_inside_the_folder_are_followed()
    {
        // The VM folder itself reached through a link, and a link to a file beside the descriptor.
        using var outer = new TempFolder();
        string real = Path.Combine(outer.Path, "real");
        Directory.CreateDirectory(real);
        Directory.CreateSymbolicLink(outer.File("alias"), real);
        File.WriteAllBytes(Path.Combine(real, "data.bin"), Enumerable.Repeat((byte)0xA5, 512).ToArray());
        File.CreateSymbolicLink(Path.Combine(real, "disk-flat.vmdk"), "data.bin");
        string vmdk = Path.Combine(outer.File("alias"), "disk.vmdk");
        File.WriteAllText(vmdk, HandMadeVmdk.Descriptor("monolithicFlat", 1, 0xffffffff, null, "RW 1 FLAT \"disk-flat.vmdk\" 0"));

        var result = CliRunner.Run("convert", vmdk, outer.File("out.raw"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(File.ReadAllBytes(outer.File("out.raw")), Is.EqualTo(Enumerable.Repeat((byte)0xA5, 512).ToArray()));
    }

    [Test]
    public void A_raw_device_mapping_is_refused_with_advice()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("disk-rdm.vmdk"), new byte[512]);
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", "RW 2048 VMFSRDM \"disk-rdm.vmdk\""), "raw device mapping");
    }

    [Test]
    public void Snapshot_chain_errors_name_the_problem()
    {
        using var folder = new TempFolder();
        File.WriteAllBytes(folder.File("flat.bin"), new byte[MiB]);
        File.WriteAllText(folder.File("base.vmdk"), HandMadeVmdk.Descriptor("monolithicFlat", 0xAAAA0001, 0xffffffff, null, "RW 2048 FLAT \"flat.bin\" 0"));
        var delta = HandMadeVmdk.Cowd(2048, new Dictionary<long, byte[]>());
        File.WriteAllBytes(folder.File("delta.bin"), delta);

        string missing = folder.File("missing.vmdk");
        File.WriteAllText(missing, HandMadeVmdk.Descriptor("vmfsSparse", 2, 0xAAAA0001, "nowhere.vmdk", "RW 2048 VMFSSPARSE \"delta.bin\""));
        AssertRefused(folder, missing, "does not exist");

        string mismatch = folder.File("mismatch.vmdk");
        File.WriteAllText(mismatch, HandMadeVmdk.Descriptor("vmfsSparse", 2, 0xBBBB0002, "base.vmdk", "RW 2048 VMFSSPARSE \"delta.bin\""));
        AssertRefused(folder, mismatch, "does not match the CID");

        File.WriteAllText(folder.File("a.vmdk"), HandMadeVmdk.Descriptor("vmfsSparse", 0xA, 0xB, "b.vmdk", "RW 2048 VMFSSPARSE \"delta.bin\""));
        File.WriteAllText(folder.File("b.vmdk"), HandMadeVmdk.Descriptor("vmfsSparse", 0xB, 0xA, "a.vmdk", "RW 2048 VMFSSPARSE \"delta.bin\""));
        AssertRefused(folder, folder.File("a.vmdk"), "loops");
    }

    [Test]
    public void A_cowd_directory_naming_one_table_many_times_is_refused_before_the_allocation()
    {
        // 2000 directory entries all pointing at the one table of a 27 KiB file: loading them
        // naively costs 16 KiB each (a 4 MiB file could ask for 16 GiB).
        using var folder = new TempFolder();
        const long Sectors = 4096L * 2000;
        var delta = HandMadeVmdk.Cowd(Sectors, new Dictionary<long, byte[]> { [0] = new byte[512] });
        uint firstTable = BinaryPrimitives.ReadUInt32LittleEndian(delta.AsSpan(4 * 512));
        for (int i = 1; i < 2000; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(delta.AsSpan(4 * 512 + i * 4), firstTable);
        }

        File.WriteAllBytes(folder.File("delta.bin"), delta);
        string vmdk = Descriptor(folder, "disk.vmdk", $"RW {Sectors} VMFSSPARSE \"delta.bin\"");
        CliRunner.Run("convert", vmdk, folder.File("out.vhdx")).AssertRejected("delta.bin", "more grain tables than the file");
    }

    private static string QemuSparse(TempFolder folder, string subformat)
    {
        string raw = SparseImage.Create(folder.File("src.raw"), 8 * MiB, [new DataRun(MiB, (int)MiB, RunFill.Random)]);
        string vmdk = folder.File("disk.vmdk");
        QemuImg.Convert(raw, "raw", vmdk, "vmdk", "-o", $"subformat={subformat}");
        File.Delete(raw);
        return vmdk;
    }

    private static void Patch(string path, Action<byte[], SparseExtentHeader> damage)
    {
        var bytes = File.ReadAllBytes(path);
        damage(bytes, SparseExtentHeader.Read(bytes));
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>File offset of the first non-empty grain table entry.</summary>
    private static int FirstGrainEntry(byte[] bytes, SparseExtentHeader header)
    {
        uint table = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)header.GdOffset * 512));
        for (int i = 0; i < header.NumGTEsPerGT; i++)
        {
            int at = (int)(table * 512 + i * 4);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)) > 1)
            {
                return at;
            }
        }

        throw new InvalidOperationException("no allocated grain");
    }

    [Test]
    public void A_grain_table_entry_past_the_end_of_the_file_is_refused()
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "monolithicSparse");
        Patch(vmdk, (bytes, header) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(FirstGrainEntry(bytes, header)), 0x7FFFFFFF));
        AssertRefused(folder, vmdk, "past the end of the file");
    }

    [TestCase(100UL, "grain size")]
    [TestCase(0UL, "grain size")]
    public void A_grain_size_that_is_not_a_power_of_two_is_refused(ulong grainSize, string mentioning)
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "monolithicSparse");
        Patch(vmdk, (bytes, _) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(20), grainSize));
        AssertRefused(folder, vmdk, mentioning);
    }

    [Test]
    public void A_grain_directory_outside_the_file_is_refused()
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "monolithicSparse");
        Patch(vmdk, (bytes, _) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(56), 1UL << 40));
        AssertRefused(folder, vmdk, "grain directory");
    }

    [Test]
    public void A_capacity_beyond_64_tib_is_refused_before_any_allocation()
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "monolithicSparse");
        Patch(vmdk, (bytes, _) => BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(12), 1UL << 50));
        // The embedded descriptor still says 8 MiB, so the header is refused for not covering it... or for its size.
        CliRunner.Run("convert", vmdk, folder.File("out.vhdx")).AssertRejected(vmdk, "capacity");
    }

    [Test]
    public void A_compressed_grain_that_inflates_past_its_grain_is_a_decompression_bomb()
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "streamOptimized");
        Patch(vmdk, (bytes, header) =>
        {
            int entry = FirstGrainEntry(bytes, header);
            int marker = (int)(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(entry)) * 512);
            var bomb = new MemoryStream();
            using (var zlib = new ZLibStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[4 * MiB]);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(marker + 8), (uint)bomb.Length);
            bomb.ToArray().CopyTo(bytes, marker + 12);
        });
        AssertRefused(folder, vmdk, "decompression bomb");
    }

    [Test]
    public void A_corrupt_compressed_grain_is_refused()
    {
        using var folder = new TempFolder();
        string vmdk = QemuSparse(folder, "streamOptimized");
        Patch(vmdk, (bytes, header) =>
        {
            int marker = (int)(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(FirstGrainEntry(bytes, header))) * 512);
            bytes.AsSpan(marker + 12, 64).Fill(0xFF);
        });
        AssertRefused(folder, vmdk, "is not a valid zlib stream: its data is damaged");
    }

    [Test]
    public void A_truncated_streamoptimized_file_is_refused()
    {
        using var folder = new TempFolder();
        string sample = RepositoryPaths.Sample("qemu-iotests/iotest-version3.vmdk");
        string cut = folder.File("cut.vmdk");
        File.WriteAllBytes(cut, File.ReadAllBytes(sample)[..100_000]);
        AssertRefused(folder, cut, "footer");
    }

    [TestCase("RW 2048 FLAT", "without a file name")]
    [TestCase("RW lots FLAT \"x.bin\" 0", "not a sector count")]
    [TestCase("RW 2048 BOGUS \"x.bin\"", "unknown extent type")]
    [TestCase("RW 2048 FLAT \"x.bin", "unterminated")]
    public void A_malformed_extent_line_is_refused(string line, string mentioning)
    {
        using var folder = new TempFolder();
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", line), mentioning);
    }

    [Test]
    public void A_grain_directory_larger_than_any_real_vmdk_is_refused_before_the_allocation()
    {
        // One 4 KiB grain per table over 64 TiB: 2^34 directory entries, in a sparse file large
        // enough to hold them, so only the size of the directory itself is wrong.
        using var folder = new TempFolder();
        const long Sectors = 1L << 37;
        string vmdk = folder.File("disk.vmdk");
        var descriptor = System.Text.Encoding.ASCII.GetBytes(HandMadeVmdk.Descriptor("monolithicSparse", 1, 0xffffffff, null, $"RW {Sectors} SPARSE \"disk.vmdk\""));
        var head = new byte[21 * 512];
        new SparseExtentHeader(1, SparseExtentHeader.FlagValidNewlineTest, Sectors, 8, 1, 20, 1, 0, 21, 22, false, 0).Write(head);
        descriptor.CopyTo(head, 512);
        using (var file = File.Create(vmdk))
        {
            file.Write(head);
            file.SetLength(head.Length + (4L << 34) + 512);
        }

        AssertRefused(folder, vmdk, "larger than any real VMDK");
    }

    [Test]
    public void Extents_adding_up_past_64_tib_are_refused()
    {
        // 128 lines of 2^47 sectors would wrap the capacity to a negative number.
        using var folder = new TempFolder();
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", [.. Enumerable.Repeat("RW 140737488355328 ZERO", 128)]), "64 TiB");
        AssertRefused(folder, Descriptor(folder, "disk.vmdk", "RW 137438953472 ZERO", "RW 1 ZERO"), "64 TiB");
    }

    [Test]
    public void A_descriptor_with_garbage_lines_is_refused()
    {
        using var folder = new TempFolder();
        string vmdk = folder.File("disk.vmdk");
        File.WriteAllText(vmdk, "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\nthis is not a descriptor line\n");
        AssertRefused(folder, vmdk, "line 4");
    }
}
