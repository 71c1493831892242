using System.Formats.Tar;
using System.Text;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.RealWorld;

/// <summary>
/// Inputs as real products write them (../shared/samples/realworld) and more of each kind built
/// here. Every converted disk is compared by qemu-img with the disk inside the input.
/// </summary>
public class RealWorldInputTests
{
    private const long MiB = 1024 * 1024;
    private static string Sample(string name) => RepositoryPaths.Sample("realworld/" + name);

    private static string Raw(TempFolder folder, string name, long capacity, int seed) =>
        SparseImage.Create(folder.File(name), capacity, [.. SparseImage.Scattered(capacity, 0.2, 65536, seed), new DataRun(0, 4096, RunFill.Random)], seed);

    /// <summary>Extracts one member of a tar (OVA) with tar itself, for qemu-img to read.</summary>
    private static string Extract(TempFolder folder, string archive, string member)
    {
        ExternalTool.Ok("tar", "-C", folder.Path, "-xf", archive, member);
        return folder.File(member);
    }

    private static string[] MemberNames(string archive)
    {
        using var reader = new TarReader(File.OpenRead(archive));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name);
        }

        return [.. names];
    }

    [TestCase("ova-manifest-lists-itself.ova", ".vmdk", "vmdk", "lists itself")]
    [TestCase("ova-xencenter-vhd-disk.ova", ".vhd", "vpc", null)]
    [TestCase("ova-virtualbox7-ovf20.ova", ".vmdk", "vmdk", null)]
    public void Real_ovas_convert_to_the_disk_inside_from_a_file_and_the_streamable_ones_from_stdin(string sample, string extension, string qemuFormat, string? note)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string ova = Sample(sample);
        string member = Extract(folder, ova, MemberNames(ova).Single(n => n.EndsWith(extension, StringComparison.Ordinal)));

        var result = CliRunner.Run("convert", ova, folder.File("out"), "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string disk = Directory.GetFiles(folder.File("out"), "*-disk1.vhdx").Single();
        QemuImg.AssertIdentical(member, qemuFormat, disk, "vhdx");
        if (note is not null)
        {
            Assert.That(result.StdOut, Does.Contain(note));
        }

        var piped = CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("piped")]);
        if (qemuFormat == "vmdk")
        {
            Assert.That(piped.ExitCode, Is.EqualTo(0), piped.StdErr);
            QemuImg.AssertIdentical(member, qemuFormat, Directory.GetFiles(folder.File("piped"), "*-disk1.vhdx").Single(), "vhdx");
        }
        else
        {
            piped.AssertRejected("stdin", "pass the OVA as a file");
        }
    }

    [Test]
    public void The_source_hypervisor_and_virtualbox_macs_come_from_the_ovf()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CliRunner.Run("info", Sample("ova-xencenter-vhd-disk.ova")).StdOut, Does.Contain("(xenserver, id"));
            var vbox = CliRunner.Run("info", Sample("ova-virtualbox7-ovf20.ova")).StdOut;
            Assert.That(vbox, Does.Contain("(virtualbox, id"));
            Assert.That(vbox, Does.Contain("08:00:27:00:00:01 static"));
            Assert.That(CliRunner.Run("info", Sample("ova-manifest-lists-itself.ova")).StdOut, Does.Contain("(vmware, id"));
        });
    }

    [TestCase("vpc", "vhd", "subformat=dynamic", false)]
    [TestCase("vpc", "vhd", "subformat=fixed", true)]
    [TestCase("vhdx", "vhdx", "subformat=dynamic", false)]
    [TestCase("raw", "img", null, true)]
    [TestCase("vmdk", "vmdk", "subformat=monolithicSparse", false)]
    [TestCase("vmdk", "vmdk", "subformat=streamOptimized", true)]
    public void Ova_members_in_every_readable_format_are_read_in_place_and_the_sequential_ones_from_stdin(string qemuFormat, string extension, string? options, bool streams)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        long capacity = 12 * MiB;
        string raw = Raw(folder, "disk.raw", capacity, seed: 5);
        string member = folder.File("member." + extension);
        QemuImg.Convert(raw, "raw", member, qemuFormat, options is null ? [] : ["-o", options]);
        var builder = new OvaBuilder(folder);
        builder.Disks.Add(new OvaBuilder.Disk("member." + extension, raw, capacity, false, null));
        string ova = builder.Pack("vm", folder.File("vm.ova"));

        var result = CliRunner.Run("convert", ova, folder.File("out"), "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(member, qemuFormat, Path.Combine(folder.File("out"), "vm-disk1.vhdx"), "vhdx");

        var piped = CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("piped")]);
        if (streams)
        {
            Assert.That(piped.ExitCode, Is.EqualTo(0), piped.StdErr);
            string disk = Path.Combine(folder.File("piped"), "vm-disk1.vhdx");
            QemuImg.AssertIdentical(member, qemuFormat, disk, "vhdx");
            Assert.That(Digest(piped.StdOut), Is.EqualTo(Digest(result.StdOut)), "the same content digest from stdin as from the file");
        }
        else
        {
            piped.AssertRejected("member." + extension, "pass the OVA as a file");
            Assert.That(Directory.Exists(folder.File("piped")) ? Directory.GetFiles(folder.File("piped")) : [], Is.Empty);
        }
    }

    /// <summary>The content digest a conversion printed ("blake3-1m:..." or the like), for comparing two runs.</summary>
    private static string Digest(string stdout) =>
        System.Text.RegularExpressions.Regex.Match(stdout, @"\b[a-z0-9]+-1m:[0-9a-f]{16,}").Value is { Length: > 0 } found ? found : throw new AssertionException($"no digest printed in: {stdout}");

    [TestCase("size")]
    [TestCase("type")]
    [TestCase("checksum")]
    public void A_fixed_vhd_member_on_stdin_whose_footer_disagrees_fails_the_run_and_leaves_no_output(string fault)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        long capacity = 4 * MiB;
        string raw = Raw(folder, "disk.raw", capacity, seed: 8);
        string member = folder.File("d.vhd");
        QemuImg.Convert(raw, "raw", member, "vpc", "-o", "subformat=fixed");
        using (var file = new FileStream(member, FileMode.Open, FileAccess.ReadWrite))
        {
            var footer = new byte[512];
            file.Seek(-512, SeekOrigin.End);
            file.ReadExactly(footer);
            "win "u8.CopyTo(footer.AsSpan(28)); // currentSize is then the virtual size (VHD spec, as Hyper-V writes it)
            switch (fault)
            {
                case "size": System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(footer.AsSpan(48), (ulong)(file.Length - 512 - 4096)); break;
                case "type": System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(60), 3); break;
            }

            uint sum = 0;
            for (int i = 0; i < 512; i++)
            {
                sum += i is >= 64 and < 68 ? 0u : footer[i];
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(footer.AsSpan(64), fault == "checksum" ? sum : ~sum);
            file.Seek(-512, SeekOrigin.End);
            file.Write(footer);
        }

        var builder = new OvaBuilder(folder);
        builder.Disks.Add(new OvaBuilder.Disk("d.vhd", raw, capacity, false, null));
        string ova = builder.Pack("vm", folder.File("vm.ova"));

        var piped = CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("piped")]);

        piped.AssertRejected("d.vhd", fault switch { "size" => "virtual size", "type" => "disk type 3", _ => "no VHD footer" });
        Assert.That(Directory.Exists(folder.File("piped")) ? Directory.GetFiles(folder.File("piped")) : [], Is.Empty);
    }

    [Test]
    public void A_tampered_member_read_in_place_fails_the_manifest_and_leaves_no_output()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.raw", 8 * MiB, seed: 6);
        QemuImg.Convert(raw, "raw", folder.File("d.vhd"), "vpc");
        var builder = new OvaBuilder(folder);
        builder.Disks.Add(new OvaBuilder.Disk("d.vhd", raw, 8 * MiB, false, null));
        string ova = builder.Pack("vm", folder.File("vm.ova"), tamper: (name, hex) => name == "d.vhd" ? new string('0', hex.Length) : hex);

        var result = CliRunner.Run("convert", ova, folder.File("out"));

        result.AssertRejected("d.vhd", "manifest");
        Assert.That(Directory.Exists(folder.File("out")) ? Directory.GetFiles(folder.File("out")) : [], Is.Empty);
    }

    [Test]
    public void An_ovf_capacity_that_disagrees_with_the_disk_is_a_warning_and_the_disk_wins()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.raw", 8 * MiB, seed: 7);
        QemuImg.Convert(raw, "raw", folder.File("d.vhdx"), "vhdx");
        var builder = new OvaBuilder(folder);
        builder.Disks.Add(new OvaBuilder.Disk("d.vhdx", raw, 16 * MiB, false, null)); // the OVF will say 16 MiB
        string ova = builder.Pack("vm", folder.File("vm.ova"));

        var result = CliRunner.Run("convert", ova, folder.File("out"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain($"{16 * MiB} bytes").And.Contain($"{8 * MiB} bytes"));
        QemuImg.AssertIdentical(raw, "raw", Path.Combine(folder.File("out"), "vm-disk1.vhdx"), "vhdx");
    }

    [TestCase("xva-gzip-compressed.xva")]
    [TestCase("xva-gzip-compressed-named.xva.gz")]
    public void A_gzip_compressed_xva_converts_from_a_file_and_from_stdin_like_the_plain_one(string sample)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string plain = folder.File("plain.xva");
        File.WriteAllBytes(plain, Decompressed(Sample(sample)));
        Assert.That(CliRunner.Run("convert", plain, folder.File("plain")).ExitCode, Is.EqualTo(0));
        string expected = Path.Combine(folder.File("plain"), "web01-disk1.vhdx");

        var fromFile = CliRunner.Run("convert", Sample(sample), folder.File("file"));
        var fromStdin = CliRunner.RunProcessWithInput(Sample(sample), ["convert", "-", folder.File("stdin")]);

        Assert.That(fromFile.ExitCode, Is.EqualTo(0), fromFile.StdErr);
        Assert.That(fromStdin.ExitCode, Is.EqualTo(0), fromStdin.StdErr);
        QemuImg.AssertIdentical(expected, "vhdx", Path.Combine(folder.File("file"), "web01-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(expected, "vhdx", Path.Combine(folder.File("stdin"), "web01-disk1.vhdx"), "vhdx");
    }

    private static byte[] Decompressed(string gzipFile)
    {
        using var input = new System.IO.Compression.GZipStream(File.OpenRead(gzipFile), System.IO.Compression.CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [TestCase("gzip", ".xva")]
    [TestCase("zstd", ".xva.zst")]
    [TestCase("zstd", ".xva")]
    public void A_compressed_xva_built_here_converts_exactly_from_a_file_and_from_stdin(string compressor, string extension)
    {
        ExternalTool.Require("qemu-img");
        ExternalTool.Require(compressor);
        using var folder = new TempFolder();
        var builder = new XvaBuilder(folder.Path);
        // Random data first: zstd's first block then exceeds the 64 KiB probe, which must look deeper.
        var disk = builder.AddDisk(SparseImage.Create(folder.File("d.raw"), 6 * MiB, [new DataRun(0, 512 * 1024, RunFill.Random), new DataRun(3 * MiB, 65536, RunFill.Random)], seed: 3), 6 * MiB, 0, "d");
        string xva = builder.Build(folder.File("x.xva"));
        ExternalTool.Ok(compressor, "-q", "-k", xva);
        string compressed = folder.File("packed" + extension);
        File.Move(xva + (compressor == "gzip" ? ".gz" : ".zst"), compressed);

        var fromFile = CliRunner.Run("convert", compressed, folder.File("file"));
        var fromStdin = CliRunner.RunProcessWithInput(compressed, ["convert", "-", folder.File("stdin")]);

        Assert.That(fromFile.ExitCode, Is.EqualTo(0), fromFile.StdErr);
        Assert.That(fromStdin.ExitCode, Is.EqualTo(0), fromStdin.StdErr);
        QemuImg.AssertIdentical(disk.Raw, "raw", Directory.GetFiles(folder.File("file"), "*-disk1.vhdx").Single(), "vhdx");
        QemuImg.AssertIdentical(disk.Raw, "raw", Directory.GetFiles(folder.File("stdin"), "*-disk1.vhdx").Single(), "vhdx");
    }

    [Test]
    public void A_suspended_xva_converts_its_disk_from_stdin_and_warns_of_the_cold_boot()
    {
        using var folder = new TempFolder();
        var info = CliRunner.Run("info", Sample("xva-suspended-vm.xva"));
        var result = CliRunner.RunProcessWithInput(Sample("xva-suspended-vm.xva"), ["convert", "-", folder.File("out"), "--verify"]);

        Assert.That(info.StdOut, Does.Contain("power     Suspended"));
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain("cold-boot"));
        Assert.That(Directory.GetFiles(folder.File("out"), "*.vhdx").Select(Path.GetFileName), Is.EqualTo(new[] { "web01-disk1.vhdx" }));
    }

    [TestCase("vmx-lowercase-keys/packer-vm.vmx", "disk.vmdk", "packer-vm")]
    [TestCase("vmx-windows-1252/B\u00fcro-PC.vmx", "B\u00fcro-PC.vmdk", "B\u00fcro-PC")]
    public void Real_vmx_folders_convert_to_the_disk_they_name(string vmx, string vmdk, string vmName)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();

        var result = CliRunner.Run("convert", Sample(vmx), folder.File("out"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(Sample(Path.Combine(Path.GetDirectoryName(vmx)!, vmdk)), "vmdk", Path.Combine(folder.File("out"), vmName + "-disk1.vhdx"), "vhdx");
    }

    [TestCase("shift_jis", "\u30c6\u30b9\u30c8\u6a5f")]
    [TestCase("GBK", "\u6d4b\u8bd5\u673a")]
    [TestCase("windows-1251", "\u0422\u0435\u0441\u0442")]
    public void A_vmx_and_a_descriptor_in_a_declared_code_page_name_their_files_in_it(string encodingName, string name)
    {
        ExternalTool.Require("qemu-img");
        System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);
        var encoding = Encoding.GetEncoding(encodingName);
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.raw", 4 * MiB, seed: 9);
        File.Copy(raw, folder.File(name + "-flat.vmdk"));
        // A monolithicFlat descriptor in the code page, naming its extent; the files are named in UTF-8 here.
        File.WriteAllBytes(folder.File(name + ".vmdk"), encoding.GetBytes(
            $"# Disk DescriptorFile\nversion=1\nencoding=\"{encodingName}\"\nCID=12345678\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\nRW {4 * MiB / 512} FLAT \"{name}-flat.vmdk\" 0\n\nddb.adapterType = \"lsilogic\"\n"));
        File.WriteAllBytes(folder.File("vm.vmx"), encoding.GetBytes(
            $".encoding = \"{encodingName}\"\nconfig.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"{name}\"\nscsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"{name}.vmdk\"\n"));

        var result = CliRunner.Run("convert", folder.File("vm.vmx"), folder.File("out"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(raw, "raw", Path.Combine(folder.File("out"), name + "-disk1.vhdx"), "vhdx");
    }

    [Test]
    public void An_unknown_declared_encoding_is_refused_by_name()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("vm.vmx"), ".encoding = \"klingon-1\"\nvirtualHW.version = \"14\"\ndisplayName = \"x\"\n");

        CliRunner.Run("info", folder.File("vm.vmx")).AssertRejected("vm.vmx", "klingon-1");
    }

    [Test]
    public void An_encrypted_vmx_and_an_encrypted_vmdk_are_explained()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("enc.vmx"), ".encoding = \"UTF-8\"\ndisplayName = \"enc\"\nencryption.keySafe = \"vmware:key/list/(pair/(phrase/x/y))\"\nencryption.data = \"AAAA\"\n");
        File.WriteAllText(folder.File("enc.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\nencryption.keySafe = \"vmware:key/list/x\"\nencryption.data = \"AAAA\"\nRW 8192 FLAT \"enc-flat.vmdk\" 0\n");

        CliRunner.Run("convert", folder.File("enc.vmx"), folder.File("out")).AssertRejected("enc.vmx", "configuration is encrypted");
        CliRunner.Run("convert", folder.File("enc.vmdk"), folder.File("out.vhdx")).AssertRejected("enc.vmdk", "encrypted VMDK");
    }

    [TestCase("qcow2", "a qcow2 image")]
    [TestCase("qed", "a QED image")]
    [TestCase("vdi", "a VirtualBox VDI image")]
    [TestCase("parallels", "a Parallels image")]
    public void Images_qemu_writes_that_v2v_does_not_read_are_refused_by_what_they_are(string format, string what)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        foreach (string name in new[] { "disk." + format, "disk.raw", "disk.vhdx" })
        {
            ExternalTool.Ok("qemu-img", "create", "-q", "-f", format, folder.File(name), "64M");
            CliRunner.Run("convert", folder.File(name), folder.File("out.vhdx")).AssertRejected(name, $"is {what}: not supported yet");
            Assert.That(File.Exists(folder.File("out.vhdx")), Is.False);
        }
    }

    [TestCase("gzip", "gzip-compressed")]
    [TestCase("xz", "xz-compressed")]
    [TestCase("zstd", "zstd-compressed")]
    [TestCase("bzip2", "bzip2-compressed")]
    public void A_compressed_raw_image_is_refused_not_copied(string compressor, string what)
    {
        ExternalTool.Require(compressor);
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.img", 2 * MiB, seed: 4);
        ExternalTool.Ok(compressor, "-q", "-k", raw);
        string compressed = raw + compressor switch { "gzip" => ".gz", "xz" => ".xz", "zstd" => ".zst", _ => ".bz2" };
        File.Copy(compressed, folder.File("renamed.img"));

        CliRunner.Run("convert", compressed, folder.File("out.vhdx")).AssertRejected(Path.GetFileName(compressed), what);
        CliRunner.Run("info", folder.File("renamed.img")).AssertRejected("renamed.img", what);
        CliRunner.RunProcessWithInput(compressed, ["convert", "-", folder.File("out")]).AssertRejected("stdin", what);
    }

    [Test]
    public void Archives_and_cd_images_are_refused_by_what_they_are()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.img", 1 * MiB, seed: 8);
        using (var zip = System.IO.Compression.ZipFile.Open(folder.File("zipped.img"), System.IO.Compression.ZipArchiveMode.Create))
        {
            System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(zip, raw, "disk.img");
        }

        ExternalTool.Ok("tar", "-C", folder.Path, "-cf", folder.File("tarred.img"), "disk.img");
        var sevenZip = new byte[4096];
        new byte[] { 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4 }.CopyTo(sevenZip, 0);
        File.WriteAllBytes(folder.File("packed.img"), sevenZip);
        var iso = new byte[64 * 1024]; // ISO 9660: the primary volume descriptor at sector 16 (2 KiB sectors)
        iso[0x8000] = 1;
        "CD001"u8.CopyTo(iso.AsSpan(0x8001));
        File.WriteAllBytes(folder.File("cd.img"), iso);

        Assert.Multiple(() =>
        {
            CliRunner.Run("info", folder.File("zipped.img")).AssertRejected("zipped.img", "a zip archive");
            CliRunner.Run("info", folder.File("tarred.img")).AssertRejected("tarred.img", "a tar archive that is neither an OVA");
            CliRunner.Run("info", folder.File("packed.img")).AssertRejected("packed.img", "a 7z archive");
            CliRunner.Run("info", folder.File("cd.img")).AssertRejected("cd.img", "ISO 9660");
            Assert.That(CliRunner.Run("info", raw).ExitCode, Is.EqualTo(0), "content with no known signature stays raw");
        });
    }

    [Test]
    public void A_qcow2_member_of_an_ova_is_refused_by_what_it_is()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string raw = Raw(folder, "disk.raw", 4 * MiB, seed: 2);
        QemuImg.Convert(raw, "raw", folder.File("d.vmdk"), "qcow2");
        var builder = new OvaBuilder(folder);
        builder.Disks.Add(new OvaBuilder.Disk("d.vmdk", raw, 4 * MiB, false, null));
        string ova = builder.Pack("vm", folder.File("vm.ova"));

        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("d.vmdk", "a qcow2 image");
    }
}
