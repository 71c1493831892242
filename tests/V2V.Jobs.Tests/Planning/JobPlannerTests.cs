using V2V.Core.Output;
using V2V.Jobs.Planning;
using V2V.TestSupport;

namespace V2V.Jobs.Tests.Planning;

/// <summary>The planner on its own: what only the real files can tell is found before any copy, each at its line.</summary>
public class JobPlannerTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>A job file (d.raw, an 8 MiB raw disk, and folder sub/ exist beside it) and the problems, "{folder}" standing for its folder.</summary>
    public static IEnumerable<TestCaseData> PlanCases()
    {
        TestCaseData Case(string name, string source, string chain, params string[] problems) =>
            new TestCaseData($"version: 1\njobs:\n  - name: a\n    source: {source}\n    chain: {chain}\n", problems).SetName(name);

        yield return Case("a_source_of_another_type", "{ type: vmdk, path: d.raw }", "[ { format: vhdx, path: a.vhdx } ]",
            "4:13: source \"{folder}/d.raw\" is a raw file, not vmdk");
        yield return Case("skip_manifest_check_on_a_file_that_is_not_an_ova", "{ path: d.raw, skip-manifest-check: true }", "[ { format: vhdx, path: a.vhdx } ]",
            "4:49: skip-manifest-check applies to OVA sources only; \"{folder}/d.raw\" is a raw file");
        yield return Case("physical_is_raw", "{ type: physical, path: d.raw }", "[ { format: vhdx, path: a.vhdx } ]");
        yield return Case("a_missing_source", "{ path: missing.raw }", "[ { format: vhdx, path: a.vhdx } ]",
            "4:21: source \"{folder}/missing.raw\" does not exist");
        yield return Case("a_folder_as_source", "{ path: sub }", "[ { format: vhdx, path: a.vhdx } ]",
            "4:21: source \"{folder}/sub\" is a directory, not a disk image, device or VM package");
        yield return Case("an_unknown_target_format", "{ path: d.raw }", "[ { format: qcow9, path: a.qcow2 } ]",
            "5:14: unknown target format \"qcow9\" (known: vhdx, vhd, vmdk, raw)");
        yield return Case("an_unknown_subformat", "{ path: d.raw }", "[ { format: vhdx, subformat: sparse, path: a.vhdx } ]",
            "5:14: vhdx has no subformat \"sparse\" (known: dynamic, fixed)");
        yield return Case("a_block_size_the_format_refuses", "{ path: d.raw }", "[ { format: vhdx, block-size: 3MiB, path: a.vhdx } ]",
            "5:14: ");
        yield return Case("an_existing_output", "{ path: d.raw }", "[ { format: raw, path: old.raw } ]",
            "5:35: \"{folder}/old.raw\" exists (set overwrite: true to replace it)");
        yield return Case("an_output_that_is_the_source", "{ path: d.raw }", "[ { format: raw, path: d.raw } ]",
            "5:35: \"{folder}/d.raw\" exists (set overwrite: true to replace it)",
            "5:35: {folder}/d.raw: this output is the same file as {folder}/d.raw, which job \"a\" reads; V2V never writes its source (overwrite does not change that)");
        yield return Case("a_skipped_output_may_exist", "{ path: d.raw }", "[ { format: raw, path: old.raw, keep: false }, { format: vhdx, path: a.vhdx } ]");
    }

    [TestCaseSource(nameof(PlanCases))]
    public void A_plan_problem_is_reported_at_its_place(string yaml, string[] problems)
    {
        using var folder = Folder();
        var (file, loadProblems) = JobFiles.Load(folder, yaml);
        Assert.That(loadProblems, Is.Empty);

        var errors = new List<JobFileError>();
        JobPlanner.Plan(file!, JobFiles.Registry, errors);

        var found = JobFiles.Located(errors);
        Assert.That(found, Has.Length.EqualTo(problems.Length), string.Join("\n", found));
        for (int i = 0; i < problems.Length; i++)
        {
            string expected = problems[i].Replace("{folder}", folder.Path, StringComparison.Ordinal);
            Assert.That(found[i], expected.EndsWith(": ", StringComparison.Ordinal) ? Does.StartWith(expected) : Is.EqualTo(expected));
        }
    }

    [Test]
    public void A_plan_collects_what_each_job_reads_and_finds_shared_outputs()
    {
        using var folder = Folder();
        var (file, _) = JobFiles.Load(folder, """
            version: 1
            jobs:
              - name: a
                source: { path: d.raw }
                chain: [ { format: vhdx, path: "out/{vm}.vhdx" } ]
              - name: b
                source: { path: d.raw }
                chain: [ { format: vhdx, path: out/d.vhdx } ]
            """);
        var errors = new List<JobFileError>();
        var read = new FilesRead();

        var jobs = JobPlanner.Plan(file!, JobFiles.Registry, errors, read: read);

        Assert.That(JobFiles.Located(errors), Is.EqualTo(new[] { $"8:36: \"{folder.File("out/d.vhdx")}\" is also written by job \"a\"" }));
        Assert.That(jobs.Select(j => (j.Spec.Name, j.SourceFormat, j.IsVm, j.Capacity)), Is.EqualTo(new[] { ("a", "raw", false, (long?)(8 * MiB)), ("b", "raw", false, 8 * MiB) }));
        Assert.That(jobs[0].Outputs.Single().Path, Is.EqualTo(folder.File("out/d.vhdx")), "{vm} of a disk job is the source's file name");
        Assert.That(read.Match(folder.File("d.raw"))?.Role, Is.EqualTo("job \"a\" reads"));
        Assert.That(read.Match(folder.File("pipeline.yaml"))?.Role, Is.EqualTo("is the pipeline file"));
    }

    [Test]
    public void Only_the_named_job_is_planned_and_an_unknown_name_is_reported()
    {
        using var folder = Folder();
        var (file, _) = JobFiles.Load(folder, "version: 1\njobs:\n  - name: a\n    source: { path: missing.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n  - name: b\n    source: { path: d.raw }\n    chain: [ { format: vhdx, path: b.vhdx } ]\n");

        var errors = new List<JobFileError>();
        Assert.That(JobPlanner.Plan(file!, JobFiles.Registry, errors, "b").Select(j => j.Spec.Name), Is.EqualTo(new[] { "b" }));
        Assert.That(errors, Is.Empty, "job a is not opened");

        JobPlanner.Plan(file!, JobFiles.Registry, errors, "c");
        Assert.That(JobFiles.Located(errors), Is.EqualTo(new[] { "1:1: no job named \"c\"" }));
    }

    private static TempFolder Folder()
    {
        var folder = new TempFolder();
        SparseImage.Create(folder.File("d.raw"), 8 * MiB, [new DataRun(0, 4096, RunFill.Random)]);
        File.WriteAllText(folder.File("old.raw"), "old");
        Directory.CreateDirectory(folder.File("sub"));
        return folder;
    }
}
