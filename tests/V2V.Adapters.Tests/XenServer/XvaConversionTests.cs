using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.XenServer;

public class XvaConversionTests
{
    private const long MiB = 1024 * 1024;

    private static (XvaBuilder Builder, XvaBuilder.Disk System, XvaBuilder.Disk Data) TwoDisks(TempFolder folder)
    {
        var builder = new XvaBuilder(folder.Path);
        // Sparse disks: most 1 MiB chunks are zero and omitted from the export; one disk ends short.
        string system = SparseImage.Create(folder.File("system.raw"), 24 * MiB, [new DataRun(0, 4096, RunFill.Random), new DataRun(9 * MiB, (int)(2 * MiB), RunFill.Random), new DataRun(20 * MiB + 5, 100, RunFill.Repeated, 7)], seed: 1);
        string data = SparseImage.Create(folder.File("data.raw"), 10 * MiB + 65536, [new DataRun(3 * MiB, 4096, RunFill.Repeated, 0x44), new DataRun(10 * MiB, 65536, RunFill.Random)], seed: 2);
        return (builder, builder.AddDisk(system, 24 * MiB, 0, "system"), builder.AddDisk(data, 10 * MiB + 65536, 1, "data"));
    }

    [TestCase("xxhash", false, 0)]
    [TestCase("checksum", false, 0)]
    [TestCase("xxhash", true, 0)]
    [TestCase("xxhash", false, 3)]
    public void An_xva_converts_every_disk_exactly(string checksum, bool interleave, int keepAliveEvery)
    {
        using var folder = new TempFolder();
        var (builder, system, data) = TwoDisks(folder);
        string xva = builder.Build(folder.File("xen01.xva"), checksum, interleave, keepAliveEvery);
        string output = folder.File("out");

        var result = CliRunner.Run("convert", xva, output, "--verify", "--block-size", "1M");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(output).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "xen01-disk1.vhdx", "xen01-disk2.vhdx", "xen01.hyperv.json", "xen01.ps1", "xen01.vm.json" }));
        QemuImg.AssertChecks(Path.Combine(output, "xen01-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(system.Raw, "raw", Path.Combine(output, "xen01-disk1.vhdx"), "vhdx");
        QemuImg.AssertIdentical(data.Raw, "raw", Path.Combine(output, "xen01-disk2.vhdx"), "vhdx");
    }

    [Test]
    public void The_vm_description_comes_from_ova_xml()
    {
        using var folder = new TempFolder();
        var (builder, _, _) = TwoDisks(folder);
        builder.Firmware = "uefi";
        string xva = builder.Build(folder.File("xen01.xva"));

        var result = CliRunner.Run("info", xva, "--json");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        var vm = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("vms")[0];
        Assert.Multiple(() =>
        {
            Assert.That(vm.GetProperty("name").GetString(), Is.EqualTo("xen01"));
            Assert.That(vm.GetProperty("sourceHypervisor").GetString(), Is.EqualTo("xenserver"));
            Assert.That(vm.GetProperty("firmware").GetString(), Is.EqualTo("uefi"));
            Assert.That(vm.GetProperty("cpus").GetInt32(), Is.EqualTo(4));
            Assert.That(vm.GetProperty("memoryMiB").GetInt64(), Is.EqualTo(6144));
            Assert.That(vm.GetProperty("guestOs").GetString(), Is.EqualTo("Windows Server 2003"));
            Assert.That(vm.GetProperty("drives").GetArrayLength(), Is.EqualTo(3), "two disks and an empty CD drive");
            Assert.That(vm.GetProperty("drives")[0].GetProperty("bootable").GetBoolean(), Is.True);
            Assert.That(vm.GetProperty("nics")[0].GetProperty("mac").GetString(), Is.EqualTo("96:4b:0a:12:34:56"));
            Assert.That(vm.GetProperty("nics")[0].GetProperty("network").GetString(), Is.EqualTo("Pool-wide network associated with eth0"));
        });
    }

    [Test]
    public void An_xva_arriving_on_standard_input_converts()
    {
        using var folder = new TempFolder();
        var (builder, system, _) = TwoDisks(folder);
        string xva = builder.Build(folder.File("xen01.xva"), interleave: true);

        var result = CliRunner.RunProcessWithInput(xva, ["convert", "-", folder.File("out")]);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        QemuImg.AssertIdentical(system.Raw, "raw", Path.Combine(folder.File("out"), "xen01-disk1.vhdx"), "vhdx");
    }

    [TestCase("xxhash", false)]
    [TestCase("checksum", false)]
    [TestCase("xxhash", true)]
    public void A_corrupted_chunk_fails_the_conversion_and_removes_every_output(string checksum, bool fromStdin)
    {
        using var folder = new TempFolder();
        var (builder, _, _) = TwoDisks(folder);
        string xva = builder.Build(folder.File("bad.xva"), checksum, tamper: (name, content) =>
        {
            if (name == "Ref:11/00000003")
            {
                content[100] ^= 0xFF;
            }

            return content;
        });

        var result = fromStdin
            ? CliRunner.RunProcessWithInput(xva, ["convert", "-", folder.File("out")])
            : CliRunner.Run("convert", xva, folder.File("out"));
        result.AssertRejected(fromStdin ? "Ref:11/00000003" : "bad.xva", "mismatch");
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }
}
