using System.Buffers.Binary;
using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VMware;

public class OvaConversionTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void An_ova_with_two_disks_one_gzipped_converts_disk_by_disk_as_it_streams()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var first = builder.AddDisk("web01-a", 24 * MiB, seed: 1);
        var second = builder.AddDisk("web01-b", 40 * MiB + 65536, seed: 2, gzip: true);
        string ova = builder.Pack("web01", folder.File("web01.ova"));
        string output = folder.File("out");

        var result = CliRunner.Run("convert", ova, output, "--verify", "--block-size", "1M", "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "web01-disk1.vhdx", "web01-disk2.vhdx", "web01.hyperv.json", "web01.ps1", "web01.vm.json" }));
        QemuImg.AssertChecks(Path.Combine(output, "web01-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(first.Raw, "raw", Path.Combine(output, "web01-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(second.Raw, "raw", Path.Combine(output, "web01-disk2.vhdx"), "vhdx");

        var vm = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "web01.vm.json"))).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(vm.GetProperty("vm").GetProperty("name").GetString(), Is.EqualTo("web01"));
            Assert.That(vm.GetProperty("vm").GetProperty("firmware").GetString(), Is.EqualTo("uefi"));
            Assert.That(vm.GetProperty("vm").GetProperty("cpus").GetInt32(), Is.EqualTo(2));
            Assert.That(vm.GetProperty("vm").GetProperty("memoryMiB").GetInt64(), Is.EqualTo(4096));
            Assert.That(vm.GetProperty("disks").GetArrayLength(), Is.EqualTo(2));
            Assert.That(vm.GetProperty("disks")[1].GetProperty("file").GetString(), Is.EqualTo("web01-disk2.vhdx"));
            Assert.That(vm.GetProperty("disks")[1].GetProperty("capacity").GetInt64(), Is.EqualTo(40 * MiB + 65536));
        });
    }

    [Test]
    public void An_ova_arriving_on_standard_input_converts_without_a_file()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var disk = builder.AddDisk("piped", 16 * MiB, seed: 11);
        string ova = builder.Pack("piped", folder.File("piped.ova"));

        var result = CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("out")]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(disk.Raw, "raw", Path.Combine(folder.File("out"), "piped-disk1.vhdx"), "vhdx");
    }

    [Test]
    public void A_chunked_disk_and_a_sha1_manifest_are_read()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var disk = builder.AddDisk("db", 16 * MiB, seed: 3, chunkSize: 300_000);
        string ova = builder.Pack("db", folder.File("db.ova"), algorithm: "SHA1");

        var result = CliRunner.Run("convert", ova, folder.File("out"), "--to", "raw");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(disk.Raw, "raw", Path.Combine(folder.File("out"), "db-disk1.raw"), "raw");
    }

    [Test]
    public void A_tampered_manifest_fails_the_conversion_and_removes_every_output()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("app-a", 8 * MiB, seed: 4);
        builder.AddDisk("app-b", 8 * MiB, seed: 5);
        string ova = builder.Pack("app", folder.File("app.ova"), tamper: (member, hex) => member == "app-b.vmdk" ? new string('0', hex.Length) : hex);
        string output = folder.File("out");

        CliRunner.Run("convert", ova, output).AssertRejected("app.ova", "manifest SHA256 mismatch");
        Assert.That(Directory.Exists(output), Is.False, "the first disk, already converted, is removed too");
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_tampered_member_is_refused_and_with_skip_manifest_check_converted_as_read_with_a_warning(bool fromStandardInput)
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("app", 8 * MiB, seed: 4);
        string staging = folder.File("staging");
        var members = builder.Stage("app", staging);
        // The member swapped after the manifest was written: another disk of the same capacity.
        string other = folder.File("other");
        Directory.CreateDirectory(other);
        var swapped = new OvaBuilder(other).AddDisk("app", 8 * MiB, seed: 5);
        File.Copy(Path.Combine(other, "app.vmdk"), Path.Combine(staging, "app.vmdk"), overwrite: true);
        string ova = folder.File("app.ova");
        ExternalTool.Ok("tar", ["-C", staging, "--format=ustar", "-cf", ova, .. members]);
        CliResult Convert(params string[] options) => fromStandardInput
            ? CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("out"), "--json", .. options])
            : CliRunner.Run(["convert", ova, folder.File("out"), "--json", .. options]);

        Convert().AssertRejected(fromStandardInput ? "stdin" : "app.ova", "manifest SHA256 mismatch");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);

        var result = Convert("--skip-manifest-check");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdErr, Does.StartWith("warning: --skip-manifest-check: ").And.Contain("not hashed against its manifest"));
        QemuImg.AssertIdentical(swapped.Raw, "raw", Path.Combine(folder.File("out"), "app-disk1.vhdx"), "vhdx");
        var vm = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("vms")[0];
        Assert.That(vm.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()), Has.One.EqualTo(
            "the manifest \"app.mf\" was not checked (skip-manifest-check): no member was hashed against it; the content digest proves only that the outputs hold what was read"));
    }

    [Test]
    public void Skip_manifest_check_is_refused_for_a_source_that_is_not_an_ova()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("disk.raw"), MiB, [new DataRun(0, 4096, RunFill.Random)]);

        var result = CliRunner.Run("convert", raw, folder.File("disk.vhdx"), "--skip-manifest-check");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Is.EqualTo($"error: --skip-manifest-check applies to OVA packages only; {raw} is a disk image\n"));
        Assert.That(File.Exists(folder.File("disk.vhdx")), Is.False);
    }

    [TestCase("SHA256", false)]
    [TestCase("SHA1", false)]
    [TestCase("SHA512", true)]
    public void A_manifest_at_the_end_of_the_package_is_checked_before_anything_is_put_in_place(string algorithm, bool tampered)
    {
        // The OVF spec lets the .mf come after the disks: it can only be checked once they have passed.
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var disk = builder.AddDisk("vbox", 4 * MiB, seed: 12);
        string staging = folder.File("staging");
        var members = builder.Stage("vbox", staging, algorithm, tamper: tampered ? (member, hex) => member == "vbox.vmdk" ? new string('0', hex.Length) : hex : null);
        var manifest = members.Single(m => m.EndsWith(".mf", StringComparison.Ordinal));
        string ova = folder.File("vbox.ova");
        ExternalTool.Ok("tar", ["-C", staging, "--format=ustar", "-cf", ova, .. members.Where(m => m != manifest), manifest]);

        var result = CliRunner.Run("convert", ova, folder.File("out"));

        if (tampered)
        {
            result.AssertRejected("vbox.ova", $"manifest {algorithm} mismatch");
            Assert.That(Directory.Exists(folder.File("out")), Is.False);
        }
        else
        {
            Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
            QemuImg.AssertIdentical(disk.Raw, "raw", Path.Combine(folder.File("out"), "vbox-disk1.vhdx"), "vhdx");
        }
    }

    [Test]
    public void A_member_that_appears_twice_is_refused()
    {
        // With the manifest last, a good second copy must not vouch for a bad first one.
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("dup", 4 * MiB, seed: 14);
        string staging = folder.File("staging");
        var members = builder.Stage("dup", staging);
        var manifest = members.Single(m => m.EndsWith(".mf", StringComparison.Ordinal));
        string ova = folder.File("dup.ova");
        ExternalTool.Ok("tar", ["-C", staging, "--format=ustar", "--hard-dereference", "-cf", ova, .. members.Where(m => m != manifest), "dup.vmdk", manifest]);

        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("dup.ova", "appears twice");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void The_truncated_ttylinux_ova_is_refused_promptly_and_leaves_nothing()
    {
        using var folder = new TempFolder();
        string ova = RepositoryPaths.Sample("govmomi/ttylinux-pc_i486-16.1.TRUNCATED-DISK.ova");

        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("ttylinux", "truncated");
        Assert.That(folder.FileNames(), Is.Empty);
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void Info_shows_the_vm_of_an_ova_without_reading_its_disks()
    {
        var result = CliRunner.Run("info", RepositoryPaths.Sample("govmomi/ttylinux-pc_i486-16.1.TRUNCATED-DISK.ova"), "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var vm = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("vms")[0];
        Assert.That(vm.GetProperty("name").GetString(), Is.EqualTo("ttylinux-pc_i486-16.1"));
        Assert.That(vm.GetProperty("drives")[0].GetProperty("capacity").GetInt64(), Is.EqualTo(30 * MiB));
    }

    [TestCase("../evil.vmdk")]
    [TestCase("/etc/evil.vmdk")]
    public void Members_with_unsafe_names_are_refused(string member)
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("x", 4 * MiB, seed: 6);
        string staging = folder.File("staging");
        var members = builder.Stage("x", staging);
        string ova = folder.File("x.ova");
        using (var stream = File.Create(ova))
        using (var tar = new System.Formats.Tar.TarWriter(stream, System.Formats.Tar.TarEntryFormat.Ustar))
        {
            foreach (var m in members)
            {
                tar.WriteEntry(Path.Combine(staging, m), m);
            }

            tar.WriteEntry(new System.Formats.Tar.UstarTarEntry(System.Formats.Tar.TarEntryType.RegularFile, member) { DataStream = new MemoryStream([1, 2, 3]) });
        }

        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("x.ova", "tar member");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [TestCase(0x0040000000000000UL)] // times 512 wraps to long.MinValue
    [TestCase(0x0080000000000000UL)] // times 512 wraps to 0
    public void A_grain_marker_whose_lba_overflows_is_refused(ulong lba)
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("z", 4 * MiB, seed: 8);
        string staging = folder.File("staging");
        var members = builder.Stage("z", staging).Where(m => !m.EndsWith(".mf", StringComparison.Ordinal)).ToList();
        string vmdk = Path.Combine(staging, "z.vmdk");
        var bytes = File.ReadAllBytes(vmdk);
        int marker = (int)(BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(64)) * 512); // overHead: where the markers start
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(marker + 8)), Is.Not.Zero, "the first marker is a grain's");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(marker), lba);
        File.WriteAllBytes(vmdk, bytes);
        string ova = folder.File("z.ova");
        ExternalTool.Ok("tar", ["-C", staging, "--format=ustar", "-cf", ova, .. members]);

        // In place the grain directory disagrees with the marker; streamed, the marker's LBA is out of bounds.
        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("z.ova", $"LBA {lba}");
        CliRunner.RunProcessWithInput(ova, ["convert", "-", folder.File("out")]).AssertRejected("stdin", "past the end of the");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void A_symbolic_link_member_is_refused()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("y", 4 * MiB, seed: 7);
        var members = builder.Stage("y", folder.File("staging"));
        File.CreateSymbolicLink(Path.Combine(folder.File("staging"), "passwd"), "/etc/passwd");
        string ova = folder.File("y.ova");
        ExternalTool.Ok("tar", ["-C", folder.File("staging"), "--format=ustar", "-cf", ova, .. members, "passwd"]);

        CliRunner.Run("convert", ova, folder.File("out")).AssertRejected("y.ova", "SymbolicLink");
    }

    [TestCase("8796093022208", 1L << 30)] // 2^43 MiB wrapped the byte count to long.MinValue
    [TestCase("-4096", 0L)]
    [TestCase("4096", 4096L)]
    public void An_ovf_memory_size_is_taken_without_wrapping(string quantity, long expectedMiB)
    {
        using var folder = new TempFolder();
        string ovf = folder.File("mem.ovf");
        File.WriteAllText(ovf, $"<Envelope><VirtualSystem><Name>mem</Name><VirtualHardwareSection><Item><ResourceType>4</ResourceType><AllocationUnits>byte * 2^20</AllocationUnits><VirtualQuantity>{quantity}</VirtualQuantity></Item></VirtualHardwareSection></VirtualSystem></Envelope>\n");

        var result = CliRunner.Run("info", ovf, "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(JsonDocument.Parse(result.StdOut).RootElement.GetProperty("vms")[0].GetProperty("memoryMiB").GetInt64(), Is.EqualTo(expectedMiB));
    }

    [Test]
    public void An_ovf_nesting_elements_too_deep_is_refused()
    {
        // LINQ to XML reads nested text by recursion: a million levels would overflow the stack.
        using var folder = new TempFolder();
        string ovf = folder.File("deep.ovf");
        File.WriteAllText(ovf, "<Envelope><VirtualSystem><Name>" + string.Concat(Enumerable.Repeat("<a>", 300)) + "x" + string.Concat(Enumerable.Repeat("</a>", 300)) + "</Name></VirtualSystem></Envelope>\n");

        CliRunner.Run("info", ovf).AssertRejected("deep.ovf", "more than 256 deep");
    }

    [Test]
    public void An_ovf_with_a_dtd_is_refused()
    {
        using var folder = new TempFolder();
        string ovf = folder.File("evil.ovf");
        File.WriteAllText(ovf, "<?xml version=\"1.0\"?>\n<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<Envelope><VirtualSystem><Name>&xxe;</Name></VirtualSystem></Envelope>\n");

        CliRunner.Run("info", ovf).AssertRejected("evil.ovf", "DTD");
    }
}
