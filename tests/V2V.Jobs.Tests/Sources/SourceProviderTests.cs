using V2V.Adapters.HyperV.Jobs;
using V2V.Cli;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Jobs.Loading;
using V2V.Jobs.Planning;
using V2V.Jobs.Running;
using V2V.Jobs.Sources;
using V2V.TestSupport;

namespace V2V.Jobs.Tests.Sources;

/// <summary>
/// A source that is not a local file plugs in with one registration: the loader hands it its own
/// keys, the planner runs its own checks before any copy, and the runner converts what it opens.
/// </summary>
public class SourceProviderTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Type_names_come_from_the_format_registry_with_physical_auto_first_then_sorted()
    {
        Assert.That(JobFiles.Registry.Sources.Types, Is.EqualTo(new[] { "auto", "ova", "ovf", "physical", "raw", "vhd", "vhdx", "vmdk", "vmx", "vsphere", "xva" }));
        Assert.That(Registry(new MemoryDisk(MiB)).Sources.Types, Does.Contain("remote"));
    }

    [Test]
    public void Two_providers_of_one_type_are_refused_at_registration()
    {
        var formats = FormatCatalog.Create();
        Assert.That(() => new JobRegistry(formats, [new FileSourceProvider(formats), new FileSourceProvider(formats)], []), Throws.ArgumentException.With.Message.Contains("\"auto\""));
    }

    [Test]
    public void A_provider_reads_its_own_keys_and_reports_at_their_place()
    {
        using var folder = new TempFolder();
        var (_, problems) = JobFiles.Load(folder, "version: 1\njobs:\n  - name: a\n    source: { type: remote, path: x.raw }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n",
            Registry(new MemoryDisk(MiB)));

        Assert.That(problems, Is.EqualTo(new[]
        {
            "4:13: remote source has no server",
            "4:29: unknown key \"path\" (expected one of: type, server, disk)",
        }));
    }

    [Test]
    public void A_source_that_is_not_a_file_is_checked_before_any_copy_at_its_place()
    {
        using var folder = new TempFolder();
        var registry = Registry(new MemoryDisk(MiB));
        var (file, problems) = JobFiles.Load(folder, "version: 1\njobs:\n  - name: a\n    source: { type: remote, server: down, disk: d1 }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n", registry);
        Assert.That(problems, Is.Empty);

        var errors = new List<JobFileError>();
        Assert.That(JobPlanner.Plan(file!, registry, errors), Is.Empty);
        Assert.That(JobFiles.Located(errors), Is.EqualTo(new[] { "4:37: down does not answer" }));
        Assert.That(File.Exists(folder.File("a.vhdx")), Is.False);
    }

    [Test]
    public async Task A_source_that_is_not_a_file_is_planned_and_converted_and_qemu_img_reads_the_same_bytes()
    {
        var disk = new MemoryDisk(4 * MiB);
        var data = new byte[300_000];
        new Random(7).NextBytes(data);
        disk.Fill(MiB + 4096, data);
        var registry = Registry(disk);
        using var folder = new TempFolder();
        var (file, problems) = JobFiles.Load(folder, "version: 1\njobs:\n  - name: a\n    source: { type: remote, server: host1, disk: d1 }\n    chain: [ { format: vhdx, path: \"out/{vm}.vhdx\" } ]\n", registry);
        Assert.That(problems, Is.Empty);
        var errors = new List<JobFileError>();

        var jobs = JobPlanner.Plan(file!, registry, errors);
        var results = await JobRunner.RunAsync(jobs, 1, registry.Formats, durable: false, null, CancellationToken.None);

        Assert.That(errors, Is.Empty);
        Assert.That(jobs.Single().SourceFormat, Is.EqualTo("remote"));
        var result = results.Single();
        Assert.That((result.Succeeded, result.Source, result.Error), Is.EqualTo((true, "remote://host1/d1", (string?)null)));
        Assert.That(result.Outputs.Single().Path, Is.EqualTo(folder.File("out/d1.vhdx")), "{vm} of a disk job is the source's name");
        QemuImg.Convert(folder.File("out/d1.vhdx"), "vhdx", folder.File("back.raw"), "raw");
        Assert.That(File.ReadAllBytes(folder.File("back.raw")), Is.EqualTo(disk.ReadAll(0, (int)(4 * MiB))));
    }

    [Test]
    public async Task A_source_that_fails_when_the_job_runs_fails_that_job_with_its_exit_code_and_writes_nothing()
    {
        var registry = Registry(new MemoryDisk(MiB), failAfter: 1);
        using var folder = new TempFolder();
        var (file, _) = JobFiles.Load(folder, "version: 1\njobs:\n  - name: a\n    source: { type: remote, server: host1, disk: d1 }\n    chain: [ { format: vhdx, path: a.vhdx } ]\n", registry);
        var jobs = JobPlanner.Plan(file!, registry, []);

        var result = (await JobRunner.RunAsync(jobs, 1, registry.Formats, durable: false, null, CancellationToken.None)).Single();

        Assert.That((result.Succeeded, result.ExitCode, result.Error, result.Outputs.Count), Is.EqualTo((false, 2, "host1: the session expired", 0)));
        Assert.That(folder.FileNames(), Is.EqualTo(new[] { "pipeline.yaml" }));
    }

    private static JobRegistry Registry(MemoryDisk disk, int failAfter = int.MaxValue)
    {
        var formats = FormatCatalog.Create();
        return new JobRegistry(formats, [new FileSourceProvider(formats), new RemoteProvider(disk, failAfter)], [new HyperVJobSection(formats)]);
    }

    /// <summary><c>type: remote</c>: a server and a disk name instead of a path; opening it checks the server first.</summary>
    private sealed class RemoteProvider(MemoryDisk disk, int failAfter) : ISourceProvider
    {
        private int _opened;

        public IReadOnlyList<string> Types => ["remote"];

        public IReadOnlyList<string> Keys => ["type", "server", "disk"];

        public SourceSpec? Read(string type, YamlFields source)
        {
            if (!source.TryGet("server", out var s) || s.Text() is not { } server)
            {
                source.Error("remote source has no server");
                return null;
            }

            return source.TryGet("disk", out var d) && d.Text() is { } name ? new RemoteSpec(type, server, name, this, source.At, s.At) : null;
        }

        public OpenedSource Open(RemoteSpec spec)
        {
            if (spec.Server == "down")
            {
                throw new JobFileException(spec.ServerAt, $"{spec.Server} does not answer");
            }

            return ++_opened > failAfter ? throw new UsageException($"{spec.Server}: the session expired") : OpenedSource.OfDisk("remote", disk);
        }
    }

    private sealed record RemoteSpec(string Type, string Server, string Disk, RemoteProvider Provider, YamlLocation At, YamlLocation ServerAt) : SourceSpec(Type, At)
    {
        public override string Name => $"remote://{Server}/{Disk}";

        public override YamlLocation NameAt => ServerAt;

        public override OpenedSource Open(FormatRegistry formats) => Provider.Open(this);
    }
}
