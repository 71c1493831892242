using V2V.TestSupport;

namespace V2V.Cli.Tests.Reliability;

/// <summary><c>v2v check</c> on a VM package checks the package whole: structure, manifest, checksums, every disk read to its end.</summary>
public class PackageCheckTests
{
    [TestCase("samples/vmware/tiny-boot.ova", "ova")]
    [TestCase("samples/xenserver/tiny-boot.xva", "xva")]
    public void The_shipped_packages_check_clean(string sample, string format)
    {
        var result = CliRunner.Run("check", Path.Combine(RepositoryPaths.Root, sample));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdOut + result.StdErr);
        Assert.That(result.StdOut, Does.Contain("disk 1").And.Contain("read whole").And.Contain($"no problems found ({format})"));
    }

    [Test]
    public void A_disk_that_does_not_match_the_manifest_is_a_problem()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("disk1", 2 * 1024 * 1024, seed: 3);
        string ova = builder.Pack("vm", folder.File("vm.ova"), tamper: (member, hex) => member.EndsWith(".vmdk", StringComparison.Ordinal) ? new string('0', hex.Length) : hex);

        var result = CliRunner.Run("check", ova);

        Assert.That(result.ExitCode, Is.EqualTo(1), result.StdOut + result.StdErr);
        Assert.That(result.StdOut, Does.Contain("problem:").And.Contain("disk1.vmdk"));
    }

    [Test]
    public void A_vmx_is_checked_with_its_disks()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("base.raw"), 1024 * 1024, [new DataRun(0, 4096, RunFill.Random)]);
        QemuImg.Convert(raw, "raw", folder.File("base.vmdk"), "vmdk");
        File.WriteAllText(folder.File("web.vmx"), "config.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"web\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"base.vmdk\"\n");

        var clean = CliRunner.Run("check", folder.File("web.vmx"));
        File.Delete(folder.File("base.vmdk"));
        var missing = CliRunner.Run("check", folder.File("web.vmx"));

        Assert.That(clean.ExitCode, Is.EqualTo(0), clean.StdOut + clean.StdErr);
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.StdOut, Does.Contain("base.vmdk").And.Contain("does not exist"));
    }
}
