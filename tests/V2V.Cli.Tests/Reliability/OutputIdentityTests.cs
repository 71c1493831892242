using System.Security.Cryptography;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Reliability;

/// <summary>
/// No output ever replaces a file the run reads, whatever the route to it (a linked folder, a
/// parent, an extent, another job's source, the pipeline file), --force and overwrite included.
/// Every refusal is exit 2 with one line naming both files, and every file read stays as it was.
/// </summary>
public class OutputIdentityTests
{
    private const long MiB = 1024 * 1024;

    private static string Raw(TempFolder folder, string name = "disk.raw") =>
        SparseImage.Create(folder.File(name), 4 * MiB, [new DataRun(0, 65536, RunFill.Random), new DataRun(3 * MiB, 4096, RunFill.Repeated, 0x5A)]);

    /// <summary>The SHA-256 of every file in the folder, to prove none changed.</summary>
    private static Dictionary<string, string> Snapshot(TempFolder folder) =>
        Directory.GetFiles(folder.Path, "*", SearchOption.AllDirectories)
            .Where(f => (File.GetAttributes(f) & FileAttributes.ReparsePoint) == 0)
            .ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static void AssertRefused(CliResult result, string output, string read, Dictionary<string, string> before, TempFolder folder)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
            Assert.That(result.StdErr, Does.Contain(output).And.Contain(read).And.Contain("never writes its source"));
            Assert.That(Snapshot(folder), Is.EqualTo(before), "every file as it was, nothing added");
        });
    }

    [Test]
    public void A_target_in_a_linked_folder_that_is_the_source_is_refused_even_with_force()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("s"));
        Assert.That(CliRunner.Run("convert", Raw(folder), folder.File("s/a.vhdx")).ExitCode, Is.EqualTo(0));
        File.CreateSymbolicLink(folder.File("link-to-s"), folder.File("s"));
        var before = Snapshot(folder);

        var result = CliRunner.Run("convert", folder.File("s/a.vhdx"), folder.File("link-to-s/a.vhdx"), "--to", "raw", "--force");

        AssertRefused(result, "link-to-s/a.vhdx", "s/a.vhdx", before, folder);
    }

    [Test]
    public void A_hard_link_to_the_source_is_refused()
    {
        using var folder = new TempFolder();
        string raw = Raw(folder);
        ExternalTool.Ok("ln", raw, folder.File("same.raw"));
        var before = Snapshot(folder);

        AssertRefused(CliRunner.Run("convert", raw, folder.File("same.raw"), "--to", "raw", "--force"), "same.raw", "disk.raw", before, folder);
    }

    [Test]
    public void A_vmdk_delta_s_base_is_never_replaced()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        QemuImg.Convert(Raw(folder), "raw", folder.File("base.vmdk"), "vmdk");
        ExternalTool.Ok("qemu-img", "create", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", folder.File("delta.vmdk"));
        Directory.CreateDirectory(folder.File("out"));
        File.CreateSymbolicLink(folder.File("out/base.vmdk"), folder.File("base.vmdk"));
        var before = Snapshot(folder);

        var result = CliRunner.Run("convert", folder.File("delta.vmdk"), folder.File("out/base.vmdk"), "--to", "vhdx", "--force");

        AssertRefused(result, "out/base.vmdk", "base.vmdk", before, folder);
    }

    [Test]
    public void A_flat_extent_is_never_replaced()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        QemuImg.Convert(Raw(folder), "raw", folder.File("flat.vmdk"), "vmdk", "-o", "subformat=monolithicFlat");
        var before = Snapshot(folder);

        var result = CliRunner.Run("convert", folder.File("flat.vmdk"), folder.File("flat-flat.vmdk"), "--to", "vhdx", "--force");

        AssertRefused(result, "flat-flat.vmdk", "flat-flat.vmdk", before, folder);
    }

    [Test]
    public void A_split_extent_is_never_replaced()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        QemuImg.Convert(Raw(folder), "raw", folder.File("split.vmdk"), "vmdk", "-o", "subformat=twoGbMaxExtentSparse");
        Assert.That(File.Exists(folder.File("split-s001.vmdk")), Is.True);
        var before = Snapshot(folder);

        var result = CliRunner.Run("convert", folder.File("split.vmdk"), folder.File("split-s001.vmdk"), "--to", "vhdx", "--force");

        AssertRefused(result, "split-s001.vmdk", "split-s001.vmdk", before, folder);
    }

    [Test]
    public void A_target_whose_partial_name_is_the_source_is_refused()
    {
        using var folder = new TempFolder();
        string source = Raw(folder, "disk.vhdx.partial");
        var before = Snapshot(folder);

        AssertRefused(CliRunner.Run("convert", source, folder.File("disk.vhdx")), "disk.vhdx.partial", "disk.vhdx.partial", before, folder);
    }

    [Test]
    public void A_pipeline_job_may_not_write_another_job_s_source()
    {
        using var folder = new TempFolder();
        Raw(folder, "a.raw");
        Raw(folder, "b.raw");
        Directory.CreateDirectory(folder.File("s"));
        File.CreateSymbolicLink(folder.File("alias"), folder.Path);
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            defaults: { overwrite: true }
            jobs:
              - name: first
                source: { path: a.raw }
                chain:
                  - { format: raw, path: alias/b.raw }
              - name: second
                source: { path: b.raw }
                chain:
                  - { format: vhdx, path: s/b.vhdx }
            """);
        var before = Snapshot(folder);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        AssertRefused(result, "alias/b.raw", "b.raw", before, folder);
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:7:").And.Contain("job \"second\" reads"));
    }

    [Test]
    public void A_pipeline_job_may_not_write_the_pipeline_file()
    {
        using var folder = new TempFolder();
        Raw(folder, "a.raw");
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: first
                overwrite: true
                source: { path: a.raw }
                chain:
                  - { format: raw, path: pipeline.yaml }
            """);
        var before = Snapshot(folder);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        AssertRefused(result, "pipeline.yaml", "pipeline.yaml", before, folder);
        Assert.That(result.StdErr, Does.Contain("is the pipeline file"));
    }

    [Test]
    public void The_report_may_not_be_a_source_of_the_run()
    {
        using var folder = new TempFolder();
        Raw(folder, "a.raw");
        File.CreateSymbolicLink(folder.File("report.json"), folder.File("a.raw"));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: first
                source: { path: a.raw }
                chain:
                  - { format: vhdx, path: out/a.vhdx }
            """);
        var before = Snapshot(folder);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"), "--report", folder.File("report.json"));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.Contain("report.json").And.Contain("a.raw").And.Contain("job \"first\" reads"));
        Assert.That(Snapshot(folder), Is.EqualTo(before));
    }
}
