using V2V.TestSupport;

namespace V2V.Cli.Tests.Pipelines;

/// <summary>A pipeline is checked whole before anything is copied; every problem is reported with its line.</summary>
public class PipelineValidationTests
{
    private const long MiB = 1024 * 1024;

    private static (TempFolder Folder, string Yaml) Pipeline(string text)
    {
        var folder = new TempFolder();
        SparseImage.Create(folder.File("disk.raw"), 8 * MiB, [new DataRun(0, 4096, RunFill.Random)]);
        File.WriteAllText(folder.File("pipeline.yaml"), text);
        return (folder, folder.File("pipeline.yaml"));
    }

    private static string[] Problems(CliResult result) =>
        result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("error:", StringComparison.Ordinal)).ToArray();

    [Test]
    public void Every_problem_is_reported_at_its_line_and_column_and_nothing_is_written()
    {
        var (folder, yaml) = Pipeline("""
            version: 1
            parallel: 99999999999
            colour: blue
            jobs:
              - name: one
                source: { type: raw, path: disk.raw }
                chain:
                  - format: vhdx
                    subformat: sparse
                    path: out/one.vhdx
                  - format: qcow9
                    path: out/one.qcow
              - name: two
                source: { type: vmdk, path: disk.raw }
                chain:
                  - { format: vhdx, path: out/one.vhdx, block-size: lots }
              - name: three
                source: { path: missing.raw }
                chain:
                  - { format: vhdx, path: ../../elsewhere.vhdx }
            """);
        using (folder)
        {
            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(Problems(result), Is.EqualTo(new[]
            {
                "pipeline.yaml:2:11: \"99999999999\" is not a whole number from 1 to 64",
                "pipeline.yaml:3:1: unknown key \"colour\" (expected one of: version, parallel, defaults, jobs)",
                "pipeline.yaml:8:9: vhdx has no subformat \"sparse\" (known: dynamic, fixed)",
                "pipeline.yaml:11:9: unknown target format \"qcow9\" (known: vhdx, vhd, vmdk, raw)",
                "pipeline.yaml:14:13: source \"" + folder.File("disk.raw") + "\" is a raw file, not vmdk",
                "pipeline.yaml:16:57: \"lots\" is not a size (examples: 1048576, 1MiB, 32MiB)",
                "pipeline.yaml:18:21: source \"" + folder.File("missing.raw") + "\" does not exist",
                "pipeline.yaml:20:31: \"../../elsewhere.vhdx\" leads outside the pipeline's folder; write an absolute path if that is meant",
            }));
            Assert.That(result.StdErr, Does.Contain("nothing was written"));
            Assert.That(Directory.Exists(folder.File("out")), Is.False);
        }
    }

    [TestCase("version: 1\njobs:\n\t- name: x\n", "pipeline.yaml:3:1", "tab")]
    [TestCase("version: 1\nversion: 1\njobs: []\n", "pipeline.yaml:2:1", "Duplicate key")]
    [TestCase("version: 1\njobs:\n  - name: *nowhere\n", "pipeline.yaml:3:11", "anchor")]
    [TestCase("version: 2\njobs: []\n", "pipeline.yaml:1:10", "from 1 to 1")]
    [TestCase("jobs: []\n", "pipeline.yaml:1:1", "missing \"version: 1\"")]
    public void Malformed_yaml_is_reported_with_its_position(string text, string at, string message)
    {
        var (folder, yaml) = Pipeline(text);
        using (folder)
        {
            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(Problems(result)[0], Does.StartWith(at).And.Contain(message).IgnoreCase);
        }
    }

    [Test]
    public void An_unknown_source_type_and_a_chain_that_keeps_nothing_are_reported_not_crashed_on()
    {
        var (folder, yaml) = Pipeline("""
            version: 1
            jobs:
              - name: a
                source: { type: qcow2, path: disk.raw }
                chain: [ { format: vhdx, path: a.vhdx } ]
              - name: b
                source: { path: disk.raw }
                chain: [ { format: vhdx, path: b.vhdx, keep: false } ]
            """);
        using (folder)
        {
            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
            Assert.That(Problems(result), Is.EqualTo(new[]
            {
                "pipeline.yaml:4:21: unknown source type \"qcow2\" (known: auto, ova, ovf, physical, raw, vhd, vhdx, vmdk, vmx, vsphere, xva)",
                "pipeline.yaml:8:12: every step has keep: false; at least one output must be kept",
            }));
        }
    }

    [TestCase("missing/report.json", "its folder")]
    [TestCase("out.vhdx", "an output")]
    [TestCase("pipeline.yaml", "the pipeline")]
    public void A_report_that_could_not_be_written_is_refused_before_the_run(string report, string mentioning)
    {
        var (folder, yaml) = Pipeline("version: 1\njobs:\n  - name: a\n    source: { path: disk.raw }\n    chain: [ { format: vhdx, path: out.vhdx } ]\n");
        using (folder)
        {
            var result = CliRunner.Run("run", yaml, "--report", folder.File(report));

            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
            Assert.That(result.StdErr, Does.StartWith("error: --report").And.Contain(mentioning).And.Contain("nothing was written"));
            Assert.That(File.Exists(folder.File("out.vhdx")), Is.False);
        }
    }

    [Test]
    public void A_vmx_disk_too_large_for_its_target_is_refused_before_the_copy()
    {
        // The VMX does not give disk sizes; the planner takes them from the disks' own headers.
        var (folder, yaml) = Pipeline("version: 1\njobs:\n  - name: big\n    source: { path: big.vmx }\n    chain: [ { format: vhd, path: \"out/{vm}-disk{n}.vhd\" } ]\n");
        using (folder)
        {
            using (var flat = File.Create(folder.File("big-flat.vmdk")))
            {
                flat.SetLength(3L << 40);
            }

            File.WriteAllText(folder.File("big.vmdk"), "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"monolithicFlat\"\n\nRW 6442450944 FLAT \"big-flat.vmdk\" 0\n");
            File.WriteAllText(folder.File("big.vmx"), "config.version = \"8\"\nvirtualHW.version = \"14\"\ndisplayName = \"big\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"big.vmdk\"\n");

            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
            Assert.That(Problems(result), Has.Some.StartsWith("pipeline.yaml:5:").And.Some.Contain("2040 GiB"));
            Assert.That(Directory.Exists(folder.File("out")), Is.False);
        }
    }

    [Test]
    public void A_sector_size_that_would_misplace_a_disk_s_partitions_is_refused_at_its_step()
    {
        var (folder, yaml) = Pipeline("""
            version: 1
            jobs:
              - name: p2v
                source: { path: disk.raw }
                chain: [ { format: vhdx, sector-size: 4096, path: out/p2v.vhdx } ]
            """);
        using (folder)
        {
            using (var file = new FileStream(folder.File("disk.raw"), FileMode.Open))
            {
                file.Position = 510;
                file.Write([0x55, 0xAA]);
            }

            var result = CliRunner.Run("run", yaml, "--dry-run");

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(Problems(result), Has.Length.EqualTo(1));
            Assert.That(Problems(result)[0], Does.StartWith("pipeline.yaml:5:14: ").And.Contain("a 4096-byte logical sector size would misplace every partition"));
        }
    }

    [Test]
    public void A_hyperv_section_on_a_disk_job_is_refused_not_dropped()
    {
        // A disk job writes no Hyper-V definition: generation and memory once vanished silently.
        var (folder, yaml) = Pipeline("""
            version: 1
            jobs:
              - name: p2v
                source: { path: disk.raw }
                chain: [ { format: vhdx, path: out/p2v.vhdx } ]
                hyperv: { generation: 2, memory: 4GiB }
            """);
        using (folder)
        {
            var result = CliRunner.Run("run", yaml, "--dry-run");

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(Problems(result), Is.EqualTo(new[]
            {
                "pipeline.yaml:3:5: job \"p2v\": hyperv: applies to VM packages (OVA, OVF, VMX, XVA, vsphere), whose VMs get a definition; this job's source is a disk, converted without one",
            }));
        }
    }

    [Test]
    public void Two_jobs_writing_one_target_and_an_existing_target_are_refused()
    {
        var (folder, yaml) = Pipeline("""
            version: 1
            jobs:
              - name: a
                source: { path: disk.raw }
                chain: [ { format: vhdx, path: same.vhdx } ]
              - name: b
                source: { path: disk.raw }
                chain: [ { format: vhdx, path: same.vhdx }, { format: raw, path: disk.raw } ]
            """);
        using (folder)
        {
            File.WriteAllText(folder.File("same.vhdx"), "precious");

            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.StdErr, Does.Contain("same.vhdx\" exists (set overwrite: true"));
            Assert.That(result.StdErr, Does.Contain("is also written by job \"a\""));
            Assert.That(result.StdErr, Does.Contain("disk.raw, which job \"a\" reads"));
            Assert.That(File.ReadAllText(folder.File("same.vhdx")), Is.EqualTo("precious"));
        }
    }

    [Test]
    public void Fixed_targets_that_do_not_fit_the_free_space_are_refused()
    {
        var (folder, yaml) = Pipeline("""
            version: 1
            jobs:
              - name: huge
                source: { path: big.raw }
                chain: [ { format: vhdx, subformat: fixed, path: big.vhdx } ]
            """);
        using (folder)
        {
            SparseImage.Create(folder.File("big.raw"), 15L << 40, [new DataRun(0, 512, RunFill.Random)]);

            var result = CliRunner.Run("run", yaml);

            Assert.That(result.ExitCode, Is.EqualTo(2));
            Assert.That(result.StdErr, Does.Contain("fixed targets on").And.Contain("is free"));
        }
    }
}
