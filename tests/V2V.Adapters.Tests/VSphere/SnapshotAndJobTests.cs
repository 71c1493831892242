using System.Xml.Linq;
using V2V.Adapters.VMware.VSphere;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.VSphere;

/// <summary>
/// <c>--snapshot</c> (a running VM read from a snapshot V2V takes and always removes) and
/// <c>type: vsphere</c> job sources, against the simulator. vcsim makes no delta disks for a
/// snapshot, so the proxy emulates what vSphere does: after the snapshot the VM's running disk is
/// a new delta (<c>disk1-000001.vmdk</c>), which V2V must not read.
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class SnapshotAndJobTests
{
    private const long MiB = 1024 * 1024;
    private const string Vm = "DC0_C0_RP0_VM1";
    private const string Password = "Job-Secret-Pass-3";
    private SimulatorLogin _login = null!;
    private VcSim _sim = null!;
    private FaultProxy _proxy = null!;
    private TempFolder _work = null!;
    private string _passwordFile = null!;
    private readonly List<string> _calls = [];

    [OneTimeSetUp]
    public void Start()
    {
        _login = SimulatorLogin.Start("user", Password);
        (_sim, _work, _passwordFile) = (_login.Sim, _login.Work, _login.PasswordFile);
        _proxy = new FaultProxy(_sim.Url, _sim.Sha256);

        // The snapshot's chain: disk1.vmdk on base.vmdk; the running delta disk1-000001.vmdk on disk1.vmdk.
        string folder = _sim.VmFolder(Vm);
        File.Delete(Path.Combine(folder, "disk1-flat.vmdk"));
        File.Delete(Path.Combine(folder, "disk1.vmdk"));
        string raw = SparseImage.Create(_work.File("base.raw"), 16 * MiB, [new DataRun(0, 2 * (int)MiB, RunFill.Random), new DataRun(9 * MiB, 100_000, RunFill.Random)], seed: 11);
        QemuImg.Convert(raw, "raw", Path.Combine(folder, "base.vmdk"), "vmdk", "-o", "subformat=monolithicSparse");
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "base.vmdk", "-F", "vmdk", Path.Combine(folder, "disk1.vmdk"));
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x42 1m 128k", Path.Combine(folder, "disk1.vmdk"));
        ExternalTool.Ok("qemu-img", "create", "-q", "-f", "vmdk", "-b", "disk1.vmdk", "-F", "vmdk", Path.Combine(folder, "disk1-000001.vmdk"));
        ExternalTool.Ok("qemu-io", "-f", "vmdk", "-c", "write -P 0x77 0 64k", Path.Combine(folder, "disk1-000001.vmdk"));
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _proxy?.Dispose();
        _login?.Dispose();
    }

    [SetUp]
    public void EmulateTheRunningDelta()
    {
        _calls.Clear();
        _proxy.Rule = Running(null);
        SetPower(on: true);
    }

    [TearDown]
    public void PowerOff() => SetPower(on: false);

    /// <summary>Records snapshot calls, serves the VM's (not the snapshot's) disk as the running delta, and applies <paramref name="fault"/>.</summary>
    private Func<ProxyRequest, ProxyAction?> Running(Func<ProxyRequest, ProxyAction?>? fault) => r =>
    {
        lock (_calls)
        {
            foreach (var call in (string[])["CreateSnapshot_Task", "RemoveSnapshot_Task"])
            {
                if (r.Body.Contains("<" + call, StringComparison.Ordinal))
                {
                    _calls.Add(r.Body.Contains("<name>v2v-", StringComparison.Ordinal) ? call + " v2v-" : call);
                }
            }
        }

        if (fault?.Invoke(r) is { } action)
        {
            return action;
        }

        return r.Body.Contains("<type>VirtualMachine</type>", StringComparison.Ordinal) && r.Body.Contains("config.hardware.device", StringComparison.Ordinal)
            ? new ProxyAction.Rewrite(body => body.Replace($"{Vm}/disk1.vmdk<", $"{Vm}/disk1-000001.vmdk<", StringComparison.Ordinal))
            : null;
    };

    private VimClient Client() =>
        VimClient.Connect(VSphereEndpoint.Parse(_sim.Url.ToString()), "user", VSpherePassword.Of(Password, "the test"), new CertificatePin(_sim.Sha256));

    private void SetPower(bool on)
    {
        using var client = Client();
        var found = VSphereInventory.Find(client, Vm);
        string state = PropertyReader.Retrieve(client, found.Ref, "runtime.powerState").Text("runtime.powerState")!;
        if (on != (state == "poweredOn"))
        {
            client.Invoke(on ? "PowerOnVM_Task" : "PowerOffVM_Task", found.Ref, []);
        }
    }

    private bool HasSnapshot()
    {
        using var client = Client();
        return PropertyReader.Retrieve(client, VSphereInventory.Find(client, Vm).Ref, "snapshot").Element("snapshot") is not null;
    }

    private string Url => $"vsphere://user@{_proxy.Server}/DC0/vm/{Vm}";

    private CliResult V2v(params string[] args) => CliRunner.Run([.. args, "--thumbprint", _proxy.Sha256, "--password-file", _passwordFile]);

    private string Local(string name) => Path.Combine(_sim.VmFolder(Vm), name);

    [Test]
    public void A_powered_on_vm_is_refused_without_snapshot_with_the_advice()
    {
        var result = V2v("convert", Url, _work.File("out-refused"));

        Assert.That(result.ExitCode, Is.EqualTo(2), result.StdErr);
        Assert.That(result.StdErr, Does.StartWith("error: ").And.Contain("is poweredOn").And.Contain("shut it down").And.Contain("pass --snapshot"));
        Assert.That(_calls, Is.Empty);
    }

    [Test]
    public void With_snapshot_a_running_vm_is_read_as_its_snapshot_and_the_snapshot_is_removed()
    {
        string output = _work.File("out-snapshot");

        var result = V2v("convert", Url, output, "--snapshot", "--verify");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        string vhdx = Path.Combine(output, $"{Vm}-disk1.vhdx");
        QemuImg.AssertIdentical(Local("disk1.vmdk"), "vmdk", vhdx, "vhdx");
        Assert.That(ExternalTool.Run("qemu-img", "compare", "-q", "-f", "vmdk", "-F", "vhdx", Local("disk1-000001.vmdk"), vhdx).ExitCode, Is.EqualTo(1), "the running delta was not read");
        Assert.That(_calls, Is.EqualTo(new[] { "CreateSnapshot_Task v2v-", "RemoveSnapshot_Task" }));
        Assert.That(HasSnapshot(), Is.False);
    }

    [Test]
    public void After_a_failed_download_the_snapshot_is_removed_and_no_output_is_left()
    {
        _proxy.Rule = Running(r => r.Method == "GET" && r.Target.Contains("base.vmdk", StringComparison.Ordinal) ? new ProxyAction.Cut(600) : null);
        string output = _work.File("out-failed");

        var result = V2v("convert", Url, output, "--snapshot");

        Assert.That(result.ExitCode, Is.EqualTo(3), result.StdErr);
        Assert.That(result.StdErr, Does.Contain("base.vmdk"));
        Assert.That(_calls, Is.EqualTo(new[] { "CreateSnapshot_Task v2v-", "RemoveSnapshot_Task" }));
        Assert.That(HasSnapshot(), Is.False);
        Assert.That(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.vhdx*").Any(), Is.False);
    }

    [Test]
    public void A_cancelled_read_removes_the_snapshot_too()
    {
        var options = new VSphereSourceOptions(_proxy.Server, "/DC0/vm/" + Vm, "user", VSpherePassword.Of(Password, "the test"), _proxy.Sha256) { Snapshot = true };
        using var cancel = new CancellationTokenSource();
        using (var source = VSphereSource.Open(options))
        {
            Assert.ThrowsAsync<OperationCanceledException>(() => source.ForEachDiskAsync(_ =>
            {
                cancel.Cancel();
                cancel.Token.ThrowIfCancellationRequested();
                return Task.CompletedTask;
            }, cancel.Token));
            Assert.That(source.Snapshot?.Name, Does.StartWith(VSphereSnapshot.NamePrefix));
        }

        Assert.That(_calls, Is.EqualTo(new[] { "CreateSnapshot_Task v2v-", "RemoveSnapshot_Task" }));
        Assert.That(HasSnapshot(), Is.False);
    }

    private string Pipeline(string jobs)
    {
        string folder = _work.File("jobs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        File.Copy(_passwordFile, Path.Combine(folder, "pw"));
        File.SetUnixFileMode(Path.Combine(folder, "pw"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(Path.Combine(folder, "pipeline.yaml"), "version: 1\njobs:\n" + jobs);
        return Path.Combine(folder, "pipeline.yaml");
    }

    private string Source(string vm, string extra = "") =>
        $"{{ type: vsphere, server: \"{_proxy.Server}\", vm: {vm}, user: user, password-file: pw, thumbprint: \"{_proxy.Sha256}\"{extra} }}";

    [Test]
    public void A_job_with_a_vsphere_source_reads_the_running_vm_from_a_snapshot()
    {
        string yaml = Pipeline($$"""
              - name: web
                source: {{Source("/DC0/vm/" + Vm, ", snapshot: true, route: datastore")}}
                chain: [ { format: vhdx, path: "out/{vm}-disk{n}.vhdx" } ]
            """);

        var result = CliRunner.Run("run", yaml, "--no-progress");

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        QemuImg.AssertIdentical(Local("disk1.vmdk"), "vmdk", Path.Combine(Path.GetDirectoryName(yaml)!, "out", $"{Vm}-disk1.vhdx"), "vhdx");
        Assert.That(_calls, Is.EqualTo(new[] { "CreateSnapshot_Task v2v-", "RemoveSnapshot_Task" }), "planning takes no snapshot; the run takes one and removes it");
        Assert.That(HasSnapshot(), Is.False);
    }

    [Test]
    public void A_job_files_vsphere_problems_are_reported_at_their_keys_before_any_copy()
    {
        Environment.SetEnvironmentVariable("V2V_TEST_WRONG_PASSWORD", "Wrong-Job-Password");
        try
        {
            string yaml = Pipeline($$"""
                  - name: unknown
                    source: {{Source("/DC0/vm/web99")}}
                    chain: [ { format: vhdx, path: out/a.vhdx } ]
                  - name: running
                    source: {{Source(Vm)}}
                    chain: [ { format: vhdx, path: out/b.vhdx } ]
                  - name: login
                    source: { type: vsphere, server: "{{_proxy.Server}}", vm: {{Vm}}, user: user, password-env: V2V_TEST_WRONG_PASSWORD, thumbprint: "{{_proxy.Sha256}}" }
                    chain: [ { format: vhdx, path: out/c.vhdx } ]
                  - name: keys
                    source: { type: vsphere, server: "{{_proxy.Server}}", vm: {{Vm}}, route: sideways, thumbprint: "AB:CD" }
                    chain: [ { format: vhdx, path: out/d.vhdx } ]
                  - name: snapshot-ok
                    source: {{Source(Vm, ", snapshot: true")}}
                    chain: [ { format: vhdx, path: out/e.vhdx } ]
                """);

            var result = CliRunner.Run("run", yaml, "--dry-run");

            Assert.That(result.ExitCode, Is.EqualTo(2), result.StdOut);
            var problems = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("error:", StringComparison.Ordinal)).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:13:\d+: vsphere source has no user$"));
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:13:\d+: unknown vsphere route ""sideways"" \(known: datastore, export\)$"));
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:13:\d+: thumbprint ""AB:CD"" is not a SHA-256 thumbprint"));
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:4:\d+: .*no VM at inventory path ""/DC0/vm/web99"""));
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:7:\d+: .*is poweredOn: .*pass --snapshot"));
                Assert.That(problems, Has.Some.Match(@"^pipeline\.yaml:10:\d+: .*login refused for user ""user"": .*environment variable V2V_TEST_WRONG_PASSWORD"));
                Assert.That(problems, Has.None.Match(@"^pipeline\.yaml:1[67]:"), "snapshot: true passes the check");
                Assert.That(result.StdErr + result.StdOut, Does.Not.Contain("Wrong-Job-Password").And.Not.Contain(Password));
            });
            Assert.That(_calls, Is.Empty, "checking takes no snapshot");
            Assert.That(Directory.Exists(Path.Combine(Path.GetDirectoryName(yaml)!, "out")), Is.False);
        }
        finally
        {
            Environment.SetEnvironmentVariable("V2V_TEST_WRONG_PASSWORD", null);
        }
    }
}
