using System.Text.Json;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Pipelines;

public class PipelineRunTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void A_chain_writes_vmdk_and_vhdx_from_one_read_both_identical_per_qemu_img()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("web01.raw"), 48 * MiB, SparseImage.Scattered(48 * MiB, 0.2, 65536, seed: 4));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            defaults: { verify: true }
            jobs:
              - name: p2v-web01
                source: { type: physical, path: web01.raw }
                chain:
                  - { format: vmdk, subformat: streamOptimized, path: out/web01.vmdk }
                  - { format: vhdx, subformat: dynamic, block-size: 32MiB, path: out/web01.vhdx }
                  - { format: vhd, subformat: fixed, path: out/web01.vhd, keep: false }
            """);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"), "--report", folder.File("report.json"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(folder.File("out")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "web01.vhdx", "web01.vmdk" }), "keep: false writes nothing");
        // The outputs cell (44 characters) once pushed the row's read, time, rate and digest right of their headings.
        var lines = result.StdOut.Split('\n');
        string header = lines.Single(l => l.StartsWith("job ", StringComparison.Ordinal));
        string row = lines.Single(l => l.StartsWith("p2v-web01 ", StringComparison.Ordinal));
        Assert.That(row.IndexOf("xxh128-1m:", StringComparison.Ordinal), Is.EqualTo(header.IndexOf("digest / error", StringComparison.Ordinal)), header + "\n" + row);
        QemuImg.AssertChecks(folder.File("out/web01.vmdk"), "vmdk");
        QemuImg.AssertChecks(folder.File("out/web01.vhdx"), "vhdx");
        QemuImg.AssertIdentical(raw, "raw", folder.File("out/web01.vmdk"), "vmdk");
        QemuImg.AssertIdentical(raw, "raw", folder.File("out/web01.vhdx"), "vhdx");

        var job = JsonDocument.Parse(File.ReadAllText(folder.File("report.json"))).RootElement.GetProperty("jobs")[0];
        Assert.Multiple(() =>
        {
            Assert.That(job.GetProperty("succeeded").GetBoolean(), Is.True);
            Assert.That(job.GetProperty("outputs").GetArrayLength(), Is.EqualTo(2));
            Assert.That(job.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("digest").GetString()).Distinct().Count(), Is.EqualTo(1), "one read, one digest");
            Assert.That(job.GetProperty("outputs").EnumerateArray().All(o => o.GetProperty("verified").GetBoolean()), Is.True);
        });
    }

    [Test]
    public void The_digest_is_chosen_in_defaults_per_job_and_on_the_command_line()
    {
        using var folder = new TempFolder();
        string raw = SparseImage.Create(folder.File("d.raw"), 3 * MiB, [new DataRun(MiB, 70000, RunFill.Random)]);
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            defaults: { digest: sha256-1m, verify: true }
            jobs:
              - name: by-default
                source: { path: d.raw }
                chain: [ { format: vhdx, path: out/a.vhdx } ]
              - name: own
                digest: blake3-1m
                source: { path: d.raw }
                chain: [ { format: vhdx, path: out/b.vhdx } ]
            """);
        string Expected(string name) => JsonDocument.Parse(CliRunner.Run("info", raw, "--json", "--digest", name).StdOut).RootElement.GetProperty("digest").GetString()!;
        string[] Digests(params string[] extra)
        {
            var result = CliRunner.Run(["run", folder.File("pipeline.yaml"), "--report", folder.File("report.json"), "--no-progress", .. extra]);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
            Directory.Delete(folder.File("out"), recursive: true);
            return [.. JsonDocument.Parse(File.ReadAllText(folder.File("report.json"))).RootElement.GetProperty("jobs").EnumerateArray()
                .Select(j => j.GetProperty("outputs")[0].GetProperty("digest").GetString()!)];
        }

        Assert.That(Digests(), Is.EqualTo(new[] { Expected("sha256-1m"), Expected("blake3-1m") }));
        Assert.That(Digests("--digest", "xxh128-1m"), Is.EqualTo(new[] { Expected("xxh128-1m"), Expected("xxh128-1m") }));

        File.WriteAllText(folder.File("pipeline.yaml"), File.ReadAllText(folder.File("pipeline.yaml")).Replace("blake3-1m", "md5-1m", StringComparison.Ordinal));
        var refused = CliRunner.Run("run", folder.File("pipeline.yaml"));
        Assert.That(refused.ExitCode, Is.EqualTo(2));
        Assert.That(refused.StdErr, Does.Contain("pipeline.yaml:8:").And.Contain("unknown digest \"md5-1m\""));
    }

    [Test]
    public void Dry_run_prints_the_plan_and_writes_nothing()
    {
        using var folder = new TempFolder();
        SparseImage.Create(folder.File("d.raw"), 4 * MiB, [new DataRun(0, 512, RunFill.Random)]);
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: only
                source: { path: d.raw }
                chain:
                  - { format: vmdk, path: out/d.vmdk, keep: false }
                  - { format: vhdx, path: "out/{job}.vhdx" }
            """);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"), "--dry-run");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain("job only: read").And.Contain("write " + folder.File("out/only.vhdx")).And.Contain("skip  " + folder.File("out/d.vmdk")));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "d.raw", "pipeline.yaml" }));
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void Parallel_jobs_run_and_one_failing_job_does_not_stop_the_others()
    {
        using var folder = new TempFolder();
        SparseImage.Create(folder.File("a.raw"), 16 * MiB, [new DataRun(MiB, (int)MiB, RunFill.Random)], seed: 1);
        SparseImage.Create(folder.File("b.raw"), 16 * MiB, [new DataRun(2 * MiB, (int)MiB, RunFill.Random)], seed: 2);
        string good = SparseImage.Create(folder.File("c.raw"), 8 * MiB, [new DataRun(0, 4096, RunFill.Random)], seed: 3);
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            parallel: 2
            jobs:
              - { name: a, source: { path: a.raw }, chain: [ { format: vhdx, path: out/a.vhdx } ] }
              - { name: b, source: { path: b.raw }, chain: [ { format: vhdx, path: out/b.vhdx } ] }
              - { name: c, source: { path: c.vmdk }, chain: [ { format: vhdx, path: out/c.vhdx } ] }
            """);
        QemuImg.Convert(good, "raw", folder.File("c.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        // Damage c.vmdk after planning could see it: its first grain table entry points past the end.
        var bytes = File.ReadAllBytes(folder.File("c.vmdk"));
        var header = V2V.DiskFormats.Vmdk.SparseExtentHeader.Read(bytes);
        uint table = BitConverter.ToUInt32(bytes, (int)header.GdOffset * 512);
        BitConverter.TryWriteBytes(bytes.AsSpan((int)(table * 512)), 0x7FFFFFFFu);
        File.WriteAllBytes(folder.File("c.vmdk"), bytes);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(2), "the failed job's exit code");
        Assert.That(result.StdErr, Does.Contain("error: job c:").And.Contain("past the end of the file"));
        Assert.That(Directory.GetFiles(folder.File("out")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "a.vhdx", "b.vhdx" }));
        QemuImg.AssertIdentical(folder.File("a.raw"), "raw", folder.File("out/a.vhdx"), "vhdx");
        Assert.That(result.StdOut, Does.Contain("FAILED"));
    }

    [Test]
    public void A_multi_disk_ova_chain_uses_the_vm_and_disk_placeholders()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var first = builder.AddDisk("db-a", 8 * MiB, seed: 5);
        builder.AddDisk("db-b", 8 * MiB, seed: 6);
        builder.Pack("db01", folder.File("db01.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: v2v-db01
                source: { type: ova, path: db01.ova }
                chain:
                  - { format: vhdx, path: "hyperv/{vm}-disk{n}.vhdx" }
            """);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(folder.File("hyperv")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "db01-disk1.vhdx", "db01-disk2.vhdx", "db01.hyperv.json", "db01.ps1", "db01.vm.json" }));
        QemuImg.AssertIdentical(first.Raw, "raw", folder.File("hyperv/db01-disk1.vhdx"), "vhdx");
    }

    [Test]
    public void An_ova_whose_manifest_disagrees_runs_with_skip_manifest_check_and_the_report_says_so()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        var disk = builder.AddDisk("app", 8 * MiB, seed: 7);
        builder.Pack("app", folder.File("app.ova"), tamper: (member, hex) => member == "app.vmdk" ? new string('0', hex.Length) : hex);
        string Pipeline(string skip) => $$"""
            version: 1
            defaults: { overwrite: true }
            jobs:
              - name: app
                source: { type: ova, path: app.ova{{skip}} }
                chain:
                  - { format: vhdx, path: "out/{vm}-disk{n}.vhdx" }
            """;
        File.WriteAllText(folder.File("pipeline.yaml"), Pipeline(""));
        var refused = CliRunner.Run("run", folder.File("pipeline.yaml"));
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.StdErr);
        Assert.That(refused.StdErr, Does.Contain("manifest SHA256 mismatch"));
        File.WriteAllText(folder.File("pipeline.yaml"), Pipeline(", skip-manifest-check: true"));

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"), "--report", folder.File("report.json"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdErr, Is.EqualTo($"warning: job app: skip-manifest-check: the members of {folder.File("app.ova")} are not hashed against its manifest; what is read is converted unchecked\n"));
        QemuImg.AssertIdentical(disk.Raw, "raw", folder.File("out/app-disk1.vhdx"), "vhdx");
        var job = JsonDocument.Parse(File.ReadAllText(folder.File("report.json"))).RootElement.GetProperty("jobs")[0];
        Assert.That(job.GetProperty("notes").EnumerateArray().Select(n => n.GetString()), Has.One.StartsWith("app: the manifest \"app.mf\" was not checked (skip-manifest-check)"));
    }

    [Test]
    public void A_multi_disk_source_without_the_disk_placeholder_is_refused()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("x-a", 4 * MiB, seed: 7);
        builder.AddDisk("x-b", 4 * MiB, seed: 8);
        builder.Pack("x", folder.File("x.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), "version: 1\njobs:\n  - name: x\n    source: { path: x.ova }\n    chain: [ { format: vhdx, path: out/x.vhdx } ]\n");

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:5:36: the source has 2 disks"));
    }

    [Test]
    public void A_vm_folder_template_and_a_vmdk_first_chain_still_get_their_definition_beside_the_vhdx()
    {
        // {vm} in a folder: each VM's description and script go in its own folder; the chain's
        // first step is a VMDK, but the definition names (and sits beside) the VHDX.
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("app-a", 4 * MiB, seed: 9);
        builder.AddDisk("app-b", 4 * MiB, seed: 10);
        builder.Pack("app01", folder.File("app01.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: app
                source: { path: app01.ova }
                chain:
                  - { format: vmdk, subformat: streamOptimized, path: "vmware/{vm}-disk{n}.vmdk" }
                  - { format: vhdx, path: "hyperv/{vm}/disk{n}.vhdx" }
            """);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(folder.File("hyperv/app01")).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "app01.hyperv.json", "app01.ps1", "app01.vm.json", "disk1.vhdx", "disk2.vhdx" }));
        var disks = System.Text.Json.JsonDocument.Parse(File.ReadAllText(folder.File("hyperv/app01/app01.vm.json"))).RootElement.GetProperty("disks");
        Assert.That(disks.EnumerateArray().Select(d => d.GetProperty("file").GetString()), Is.EqualTo(new[] { "disk1.vhdx", "disk2.vhdx" }));
        Assert.That(File.ReadAllText(folder.File("hyperv/app01/app01.ps1")), Does.Contain("'disk2.vhdx'").And.Not.Contain(".vmdk"));
        Assert.That(Directory.GetFiles(folder.File("vmware")).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "app01-disk1.vmdk", "app01-disk2.vmdk" }));
    }

    [Test]
    public void The_disk_number_in_a_folder_and_two_jobs_sharing_a_vm_description_are_refused()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("same", 4 * MiB, seed: 11);
        builder.Pack("same", folder.File("same.ova"));
        File.Copy(folder.File("same.ova"), folder.File("clone.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: a
                source: { path: same.ova }
                chain: [ { format: vhdx, path: "out/{job}-{n}.vhdx" } ]
              - name: b
                source: { path: clone.ova }
                chain: [ { format: vhdx, path: "out/{job}-{n}.vhdx" } ]
              - name: c
                source: { path: same.ova }
                chain: [ { format: vhdx, path: "disk{n}/x.vhdx" } ]
            """);

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:8:36: \"").And.Contain("same.vm.json\" is also written by job \"a\""));
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:11:36: {n} may only be in the file name"));
        Assert.That(Directory.Exists(folder.File("out")), Is.False);
    }

    [Test]
    public void An_existing_vm_description_is_refused_before_anything_is_copied()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("old", 4 * MiB, seed: 13);
        builder.Pack("old", folder.File("old.ova"));
        Directory.CreateDirectory(folder.File("out"));
        File.WriteAllText(folder.File("out/old.ps1"), "# from last week");
        File.WriteAllText(folder.File("pipeline.yaml"), "version: 1\njobs:\n  - name: x\n    source: { path: old.ova }\n    chain: [ { format: vhdx, path: \"out/{vm}-disk{n}.vhdx\" } ]\n");

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.StdErr, Does.Contain("pipeline.yaml:5:36: \"").And.Contain("old.ps1\" exists (set overwrite: true"));
        Assert.That(Directory.GetFiles(folder.File("out")).Select(Path.GetFileName), Is.EqualTo(new[] { "old.ps1" }));
    }

    [Test]
    public void A_report_over_a_vm_description_is_refused()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("rep", 4 * MiB, seed: 15);
        builder.Pack("rep", folder.File("rep.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), "version: 1\njobs:\n  - name: x\n    source: { path: rep.ova }\n    chain: [ { format: vhdx, path: \"out/{vm}-disk{n}.vhdx\" } ]\n");
        Directory.CreateDirectory(folder.File("out"));

        var result = CliRunner.Run("run", folder.File("pipeline.yaml"), "--report", folder.File("out/rep.ps1"));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.Contain("an output"));
        Assert.That(Directory.GetFiles(folder.File("out")), Is.Empty);
    }
}
