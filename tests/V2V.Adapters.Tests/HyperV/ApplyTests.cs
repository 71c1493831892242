using System.Text.Json.Nodes;
using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// `v2v hyperv apply` and `hyperv: { apply: true }` run the script with real PowerShell (pwsh 7,
/// installed by tests/run.sh) through CliWrap, against the Hyper-V stand-in module of
/// PowerShell/Modules, which records each Hyper-V call. Only `--host` (PowerShell remoting to a
/// Hyper-V host) keeps a recording program in pwsh's place: remoting needs a Windows host.
/// </summary>
[NonParallelizable]
public class ApplyTests
{
    private static readonly string Expected = Path.Combine(RepositoryPaths.Root, "tests", "V2V.Adapters.Tests", "HyperV", "expected");

    private static CliResult WithPwsh(string? pwsh, TempFolder folder, string existing, params string[] args)
    {
        var saved = new[] { "V2V_PWSH", "PSModulePath", "V2V_HYPERV_CALLS", "V2V_HYPERV_EXISTING" }.ToDictionary(v => v, Environment.GetEnvironmentVariable);
        Environment.SetEnvironmentVariable("V2V_PWSH", pwsh ?? "/nonexistent/pwsh");
        Environment.SetEnvironmentVariable("PSModulePath", PowerShellProof.Modules);
        Environment.SetEnvironmentVariable("V2V_HYPERV_CALLS", folder.File("calls.jsonl"));
        Environment.SetEnvironmentVariable("V2V_HYPERV_EXISTING", existing);
        try
        {
            return CliRunner.Run(args);
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }

    private static List<JsonObject> Calls(TempFolder folder) =>
        File.Exists(folder.File("calls.jsonl")) ? File.ReadAllLines(folder.File("calls.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList() : [];

    /// <summary>The expected win2019 script beside its (empty) disks, in a folder whose name needs quoting.</summary>
    private static string Win2019(TempFolder folder)
    {
        string at = folder.File("O'Brien [disks]");
        Directory.CreateDirectory(at);
        File.Copy(Path.Combine(Expected, "test-i-vmx-7.vmx.win2019.ps1"), Path.Combine(at, "win2019.ps1"));
        File.WriteAllBytes(Path.Combine(at, "win2019-disk1.vhdx"), []);
        File.WriteAllBytes(Path.Combine(at, "win2019-disk2.vhdx"), []);
        return Path.Combine(at, "win2019.ps1");
    }

    [Test]
    public void Apply_runs_the_script_with_powershell_and_reports_its_output()
    {
        using var folder = new TempFolder();
        string script = Win2019(folder);

        var result = WithPwsh(ExternalTool.Require("pwsh"), folder, "[]", "hyperv", "apply", script);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        Assert.That(result.StdOut, Does.Contain("applied win2019.ps1 here: Created VM 'win2019'. Check it, then: Start-VM -Name 'win2019'"));
        var calls = Calls(folder);
        Assert.That(calls.Select(c => (string)c["cmdlet"]!), Does.Contain("New-VM").And.Contains("Set-VMFirmware"));
        Assert.That(calls.Where(c => (string)c["cmdlet"]! == "Add-VMHardDiskDrive").Select(c => (string)c["parameters"]!["Path"]!),
            Is.EqualTo(new[] { "win2019-disk1.vhdx", "win2019-disk2.vhdx" }.Select(f => Path.Combine(Path.GetDirectoryName(script)!, f))), "disks found beside the script");
    }

    [Test]
    public void A_failing_script_is_reported_with_its_exit_code_and_its_one_line_error()
    {
        using var folder = new TempFolder();
        string script = Win2019(folder);

        var result = WithPwsh(ExternalTool.Require("pwsh"), folder, "[\"win2019\"]", "hyperv", "apply", script);

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StdOut, Does.Contain("applying win2019.ps1 here failed (exit code 1): A VM named 'win2019' already exists. V2V does not overwrite VMs: remove or rename it, then run this again."));
        Assert.That(Calls(folder).Select(c => (string)c["cmdlet"]!), Is.EqualTo(new[] { "Get-VM" }), "nothing created");
    }

    [Test]
    public void With_a_host_apply_runs_the_script_there_through_powershell_remoting()
    {
        using var folder = new TempFolder();
        string script = folder.File("demo.ps1");
        File.WriteAllText(script, "# a definition\n");
        string fake = folder.File("pwsh");
        File.WriteAllText(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > \"{folder.File("args.txt")}\"\necho 'boom' >&2\nexit 7\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = WithPwsh(fake, folder, "[]", "hyperv", "apply", script, "--host", "hv01");

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StdOut, Does.Contain("failed (exit code 7): boom"));
        Assert.That(File.ReadAllText(folder.File("args.txt")), Does.Contain("Invoke-Command -ComputerName 'hv01' -FilePath '" + script + "' -ArgumentList '" + folder.Path + "'"));
    }

    [Test]
    public void Without_powershell_apply_explains_where_to_run_the_script()
    {
        using var folder = new TempFolder();
        string script = folder.File("demo.ps1");
        File.WriteAllText(script, "# a definition\n");

        var result = WithPwsh(null, folder, "[]", "hyperv", "apply", script);

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StdErr, Does.Contain("no PowerShell here").And.Contain("run demo.ps1 there"));
    }

    [Test]
    public void A_pipeline_job_with_hyperv_apply_creates_the_vm_after_converting()
    {
        using var folder = new TempFolder();
        var builder = new OvaBuilder(folder);
        builder.AddDisk("demo-a", 4 * 1024 * 1024, seed: 3);
        builder.Pack("demo", folder.File("demo.ova"));
        File.WriteAllText(folder.File("pipeline.yaml"), """
            version: 1
            jobs:
              - name: demo
                source: { path: demo.ova }
                chain: [ { format: vhdx, path: "hv/{vm}-disk{n}.vhdx" } ]
                hyperv:
                  generation: 2
                  switch-map: { LAN: External }
                  memory: 2GiB
                  apply: true
            """);

        var result = WithPwsh(ExternalTool.Require("pwsh"), folder, "[]", "run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr + result.StdOut);
        Assert.That(Directory.GetFiles(folder.File("hv")).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "demo-disk1.vhdx", "demo.hyperv.json", "demo.ps1", "demo.vm.json" }));
        Assert.That(result.StdOut, Does.Contain("note: job demo: applied demo.ps1 here: Created VM 'demo'."));
        Assert.That(File.ReadAllBytes(folder.File("hv/demo.ps1"))[..3], Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 with BOM for Windows PowerShell 5.1");
        var built = PowerShellProof.Fold(Calls(folder), folder.File("hv"));
        var definition = PowerShellProof.Definition(File.ReadAllText(folder.File("hv/demo.hyperv.json")));
        Assert.That(JsonNode.DeepEquals(built, definition), Is.True, $"calls built:\n{PowerShellProof.Show(built)}\nthe definition says:\n{PowerShellProof.Show(definition)}");
        Assert.That((string)definition["networkAdapters"]![0]!["switch"]!, Is.EqualTo("External"));
        Assert.That(((int)definition["generation"]!, (long)definition["memoryStartupBytes"]!), Is.EqualTo((2, 2147483648L)));
    }
}
