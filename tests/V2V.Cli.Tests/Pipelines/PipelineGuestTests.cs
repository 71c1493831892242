using System.Text.Json.Nodes;
using V2V.TestSupport;

namespace V2V.Cli.Tests.Pipelines;

/// <summary>
/// A pipeline shows each job's guest: <c>--dry-run</c> inspects a disk job's source and a VMX's boot
/// disk from the source before any copy and says a streamed XVA disk is inspected after conversion;
/// a run's summary and <c>--report</c> carry the inspection (the disk job's source, each VM's
/// converted boot disk). The guest is the Server 2003 <see cref="WindowsGuestFixture"/>.
/// </summary>
[TestFixture]
public sealed class PipelineGuestTests
{
    private const string System = "Microsoft Windows Server 2003 Service Pack 2 (5.2 build 3790, x86)";
    private const string Verdict = "generation 1: fixable (ide-boot, foreign-agents), generation 2: blocked (";

    // After the conversion's fixups (auto): what the report says of the guest as written.
    private const string FixedVerdict = "generation 1: ready, generation 2: blocked (";

    private TempFolder _folder = null!;

    [OneTimeSetUp]
    public void Build()
    {
        _folder = new TempFolder();
        string raw = new WindowsGuestFixture().Build(_folder.Path, "guest.img");
        Directory.CreateDirectory(_folder.File("vmx"));
        QemuImg.Convert(raw, "raw", _folder.File("vmx/winsrv.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        File.WriteAllText(_folder.File("vmx/winsrv.vmx"), "config.version = \"8\"\nvirtualHW.version = \"4\"\ndisplayName = \"winsrv\"\nguestOS = \"winnetstandard\"\n"
            + "scsi0.present = \"TRUE\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"winsrv.vmdk\"\n");
        var xva = new XvaBuilder(_folder.Path) { VmName = "xensrv" };
        xva.AddDisk(raw, new FileInfo(raw).Length, 0, "system");
        xva.Build(_folder.File("xensrv.xva"));
        // One pipeline per test, each with its own output folder.
        foreach (string name in new[] { "plan", "run" })
        {
            File.WriteAllText(_folder.File(name + ".yaml"), $$"""
                version: 1
                jobs:
                  - { name: p2v, source: { path: guest.img }, chain: [ { format: vhdx, path: {{name}}-out/p2v.vhdx } ] }
                  - { name: vmware, source: { path: vmx/winsrv.vmx }, chain: [ { format: vhdx, path: "{{name}}-out/{vm}/{vm}-disk{n}.vhdx" } ] }
                  - { name: xen, source: { path: xensrv.xva }, chain: [ { format: vhdx, path: "{{name}}-out/{vm}/{vm}-disk{n}.vhdx" } ] }
                """);
        }
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [Test]
    public void dry_run_inspects_random_access_sources_before_any_copy_and_notes_a_streamed_one()
    {
        var result = CliRunner.Run("run", _folder.File("plan.yaml"), "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain($"  guest disk 1: {System}\n  hyper-v {Verdict}"));
        Assert.That(result.StdOut, Does.Contain($"  guest VM \"winsrv\" disk 1: {System}\n  hyper-v {Verdict}"));
        Assert.That(result.StdOut, Does.Contain("  guest VM \"xensrv\": inspected after conversion: the disk is streamed"));
        string xen = _folder.File("plan-out/xensrv/xensrv");
        Assert.That(result.StdOut, Does.Contain($"  write {xen}.vm.json\n  write {xen}.ps1\n  write {xen}.hyperv.json\n"), "the plan names the VM's description and definition");
        Assert.That(Directory.Exists(_folder.File("plan-out")), Is.False);
    }

    [Test]
    public void a_run_prints_and_reports_each_job_s_guest()
    {
        string report = _folder.File("report.json");
        var result = CliRunner.Run("run", _folder.File("run.yaml"), "--no-progress", "--no-sync", "--report", report);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(result.StdOut, Does.Contain($"guest: job p2v: disk 1: {System}; Hyper-V {FixedVerdict}"));
        Assert.That(result.StdOut, Does.Contain($"guest: job vmware: VM \"winsrv\" disk 1: {System}; Hyper-V {FixedVerdict}"));
        Assert.That(result.StdOut, Does.Contain($"guest: job xen: VM \"xensrv\" disk 1: {System}; Hyper-V {FixedVerdict}"));

        var jobs = JsonNode.Parse(File.ReadAllText(report))!["jobs"]!.AsArray();
        foreach (var job in jobs)
        {
            // The report's keys stay; guests is added.
            Assert.That(job!.AsObject().Select(p => p.Key), Is.SupersetOf(new[] { "name", "succeeded", "exitCode", "source", "outputs", "bytesRead", "seconds", "guests" }));
            var guest = job["guests"]!.AsArray().Single()!;
            Assert.That(guest["os"]!.GetValue<string>(), Is.EqualTo("windows"));
            Assert.That(guest["productName"]!.GetValue<string>(), Is.EqualTo("Microsoft Windows Server 2003"));
            Assert.That(guest["readiness"]![0]!["verdict"]!.GetValue<string>(), Is.EqualTo("ready"));
            Assert.That(guest["readiness"]![0]!["fixes"]!.AsArray(), Is.Empty);
            Assert.That(guest["readiness"]![1]!["verdict"]!.GetValue<string>(), Is.EqualTo("blocked"));
        }

        Assert.That(jobs.Select(j => j!["guests"]![0]!["vm"]?.GetValue<string>()), Is.EqualTo(new[] { null, "winsrv", "xensrv" }));
    }
}
