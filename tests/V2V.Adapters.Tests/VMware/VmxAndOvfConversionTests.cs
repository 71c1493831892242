using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VMware;

public class VmxAndOvfConversionTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void A_vmx_with_a_snapshot_chain_and_a_second_disk_converts_into_a_folder()
    {
        using var folder = new TempFolder();
        string vmDir = folder.File("web02");
        Directory.CreateDirectory(vmDir);
        string bootRaw = SparseImage.Create(folder.File("boot.raw"), 16 * MiB, [new DataRun(0, (int)MiB, RunFill.Random)], seed: 1);
        string dataRaw = SparseImage.Create(folder.File("data.raw"), 8 * MiB, [new DataRun(2 * MiB, 65536, RunFill.Random)], seed: 2);
        QemuImg.Convert(bootRaw, "raw", Path.Combine(vmDir, "web02.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        QemuImg.Convert(dataRaw, "raw", Path.Combine(vmDir, "web02_1.vmdk"), "vmdk", "-o", "subformat=twoGbMaxExtentFlat");
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "web02.vmdk", "-F", "vmdk", Path.Combine(vmDir, "web02-000001.vmdk"));
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x99 512k 64k", Path.Combine(vmDir, "web02-000001.vmdk"));
        File.WriteAllText(Path.Combine(vmDir, "web02.vmx"), """
            .encoding = "UTF-8"
            config.version = "8"
            virtualHW.version = "14"
            displayName = "web02 |22prod|22"
            firmware = "efi"
            numvcpus = "4"
            memSize = "8192"
            guestOS = "windows2019srv-64"
            scsi0.present = "TRUE"
            scsi0.virtualDev = "lsisas1068"
            scsi0:0.present = "TRUE"
            scsi0:0.fileName = "web02-000001.vmdk"
            scsi0:1.present = "TRUE"
            scsi0:1.fileName = "/vmfs/volumes/datastore1/web02/web02_1.vmdk"
            scsi0:2.present = "FALSE"
            scsi0:2.fileName = "gone.vmdk"
            ethernet0.present = "TRUE"
            ethernet0.virtualDev = "vmxnet3"
            ethernet0.addressType = "static"
            ethernet0.address = "00:50:56:AA:BB:CC"
            ethernet0.networkName = "DMZ"
            serial0.present = "TRUE"
            """);
        string output = folder.File("out");

        var result = CliRunner.Run("convert", Path.Combine(vmDir, "web02.vmx"), output, "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string vmName = "web02 \"prod\"";
        string safe = "web02 _prod_";
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { $"{safe}-disk1.vhdx", $"{safe}-disk2.vhdx", $"{safe}.hyperv.json", $"{safe}.ps1", $"{safe}.vm.json" }));
        QemuImg.AssertIdentical(Path.Combine(vmDir, "web02-000001.vmdk"), "vmdk", Path.Combine(output, $"{safe}-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(dataRaw, "raw", Path.Combine(output, $"{safe}-disk2.vhdx"), "vhdx");
        var vm = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, $"{safe}.vm.json"))).RootElement.GetProperty("vm");
        Assert.Multiple(() =>
        {
            Assert.That(vm.GetProperty("name").GetString(), Is.EqualTo(vmName), "|22 is VMware's escape for a quote");
            Assert.That(vm.GetProperty("cpus").GetInt32(), Is.EqualTo(4));
            Assert.That(vm.GetProperty("memoryMiB").GetInt64(), Is.EqualTo(8192));
            Assert.That(vm.GetProperty("nics")[0].GetProperty("mac").GetString(), Is.EqualTo("00:50:56:aa:bb:cc"));
            Assert.That(vm.GetProperty("nics")[0].GetProperty("staticMac").GetBoolean(), Is.True);
            Assert.That(vm.GetProperty("otherDevices")[0].GetString(), Is.EqualTo("serial0"));
        });
    }

    [Test]
    public void A_vmx_naming_a_missing_disk_fails_and_leaves_nothing()
    {
        using var folder = new TempFolder();
        string vmx = folder.File("lost.vmx");
        File.WriteAllText(vmx, "config.version = \"8\"\nvirtualHW.version = \"14\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"lost.vmdk\"\n");

        CliRunner.Run("convert", vmx, folder.File("out")).AssertRejected("lost.vmx", "does not exist");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [TestCase("scsi0:00")]
    [TestCase("scsi0:\u0660")] // ARABIC-INDIC DIGIT ZERO, which \d matches
    public void A_drive_number_written_another_way_is_not_a_second_disk(string alias)
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 1024 * 1024, [new DataRun(0, 4096, RunFill.Random)]);
        QemuImg.Convert(raw, "raw", folder.File("d.vmdk"), "vmdk");
        string vmx = folder.File("twice.vmx");
        File.WriteAllText(vmx, $"config.version = \"8\"\nvirtualHW.version = \"14\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"d.vmdk\"\n{alias}.present = \"TRUE\"\n{alias}.fileName = \"d.vmdk\"\n");

        var result = CliRunner.Run("info", vmx, "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(System.Text.Json.JsonDocument.Parse(result.StdOut).RootElement.GetProperty("vms")[0].GetProperty("drives").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public void One_disks_output_never_replaces_another_disks_source()
    {
        // Converting into the VM's own folder with --force: disk 1 becomes web-disk1.vmdk, which is
        // disk 2's source file. Each disk alone sees no clash; the set must, before renaming.
        using var folder = new TempFolder();
        foreach (var (name, seed) in new[] { ("base", 1), ("web-disk1", 2) })
        {
            string raw = SparseImage.Create(folder.File(name + ".raw"), 1024 * 1024, [new DataRun(0, 4096, RunFill.Random)], seed);
            QemuImg.Convert(raw, "raw", folder.File(name + ".vmdk"), "vmdk");
        }

        byte[] before = File.ReadAllBytes(folder.File("web-disk1.vmdk"));
        string vmx = folder.File("web.vmx");
        File.WriteAllText(vmx, "config.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"web\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"base.vmdk\"\nscsi0:1.present = \"TRUE\"\nscsi0:1.fileName = \"web-disk1.vmdk\"\n");

        var result = CliRunner.Run("convert", vmx, folder.Path, "--to", "vmdk", "--force");

        result.AssertRejected("web-disk1.vmdk", "never writes its source");
        Assert.That(File.ReadAllBytes(folder.File("web-disk1.vmdk")), Is.EqualTo(before));
        Assert.That(folder.FileNames().Where(f => f.EndsWith(".partial", StringComparison.Ordinal) || f.StartsWith("web-disk2", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void Control_characters_from_a_vmx_are_escaped_in_the_error_line()
    {
        // |1B and |0A are VMX escapes: a terminal escape sequence and a line break.
        using var folder = new TempFolder();
        string vmx = folder.File("ansi.vmx");
        File.WriteAllText(vmx, "config.version = \"8\"\nvirtualHW.version = \"14\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"|1B[2J|0Aok.vmdk\"\n");

        var result = CliRunner.Run("convert", vmx, folder.File("out"));

        result.AssertRejected("ansi.vmx", "does not exist");
        Assert.That(result.StdErr, Does.Contain("\\x1B[2J\\x0Aok.vmdk").And.Not.Contain("\u001b"));
    }

    [Test]
    public void Control_characters_from_a_vmx_are_escaped_in_info()
    {
        using var folder = new TempFolder();
        string vmx = folder.File("ansi.vmx");
        File.WriteAllText(vmx, "config.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"a|1B[2Jb\"\nguestOS = \"x|1B]0;t|07\"\nethernet0.present = \"TRUE\"\nethernet0.networkName = \"n|0Aet\"\n");

        var result = CliRunner.Run("info", vmx);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain("a\\x1B[2Jb").And.Contain("x\\x1B]0;t\\x07").And.Contain("n\\x0Aet"));
        Assert.That(result.StdOut.Any(c => c is '\u001b' or '\u0007'), Is.False);
    }

    [Test]
    public void An_unpacked_ovf_with_a_gzipped_and_a_chunked_disk_converts()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var first = builder.AddDisk("svc-a", 12 * MiB, seed: 8, gzip: true);
        var second = builder.AddDisk("svc-b", 12 * MiB, seed: 9, chunkSize: 250_000);
        string unpacked = folder.File("unpacked");
        builder.Stage("svc", unpacked);

        var result = CliRunner.Run("convert", Path.Combine(unpacked, "svc.ovf"), folder.File("out"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(first.Raw, "raw", Path.Combine(folder.File("out"), "svc-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(second.Raw, "raw", Path.Combine(folder.File("out"), "svc-disk2.vhdx"), "vhdx");
    }
}
