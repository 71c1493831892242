using V2V.TestSupport;

namespace V2V.Adapters.Tests.HyperV;

/// <summary>
/// `v2v hyperv apply` and `hyperv: { apply: true }` run the script with PowerShell through CliWrap.
/// A small fake pwsh (a shell script recording its arguments) stands in for PowerShell, as
/// CliWrap's own tests use a dummy program.
/// </summary>
[NonParallelizable]
public class ApplyTests
{
    private static string FakePwsh(TempFolder folder, int exitCode)
    {
        string fake = folder.File("pwsh");
        File.WriteAllText(fake, $"#!/bin/sh\nprintf '%s\\n' \"$@\" > \"{folder.File("args.txt")}\"\npwd > \"{folder.File("cwd.txt")}\"\necho \"Created VM 'demo'.\"\necho 'boom' >&2\nexit {exitCode}\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return fake;
    }

    private static CliResult WithPwsh(string? pwsh, params string[] args)
    {
        string? before = Environment.GetEnvironmentVariable("V2V_PWSH");
        Environment.SetEnvironmentVariable("V2V_PWSH", pwsh ?? "/nonexistent/pwsh");
        try
        {
            return CliRunner.Run(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("V2V_PWSH", before);
        }
    }

    [Test]
    public void Apply_runs_the_script_with_powershell_and_reports_its_output()
    {
        using var folder = new TempFolder();
        string script = folder.File("demo.ps1");
        File.WriteAllText(script, "# a definition\n");

        var result = WithPwsh(FakePwsh(folder, 0), "hyperv", "apply", script);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(File.ReadAllLines(folder.File("args.txt")), Is.EqualTo(new[] { "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-File", script }));
        Assert.That(File.ReadAllText(folder.File("cwd.txt")).Trim(), Is.EqualTo(folder.Path));
        Assert.That(result.StdOut, Does.Contain("applied demo.ps1 here: Created VM 'demo'."));
    }

    [Test]
    public void A_failing_script_is_reported_with_its_exit_code_and_error()
    {
        using var folder = new TempFolder();
        string script = folder.File("demo.ps1");
        File.WriteAllText(script, "# a definition\n");

        var result = WithPwsh(FakePwsh(folder, 7), "hyperv", "apply", script, "--host", "hv01");

        Assert.That(result.ExitCode, Is.EqualTo(3));
        Assert.That(result.StdOut, Does.Contain("failed (exit code 7): boom"));
        Assert.That(File.ReadAllText(folder.File("args.txt")), Does.Contain("Invoke-Command -ComputerName 'hv01' -FilePath '" + script + "'"));
    }

    [Test]
    public void Without_powershell_apply_explains_where_to_run_the_script()
    {
        using var folder = new TempFolder();
        string script = folder.File("demo.ps1");
        File.WriteAllText(script, "# a definition\n");

        var result = WithPwsh(null, "hyperv", "apply", script);

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

        var result = WithPwsh(FakePwsh(folder, 0), "run", folder.File("pipeline.yaml"));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
        Assert.That(Directory.GetFiles(folder.File("hv")).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "demo-disk1.vhdx", "demo.hyperv.json", "demo.ps1", "demo.vm.json" }));
        Assert.That(result.StdOut, Does.Contain("note: job demo: applied demo.ps1 here"));
        string ps1 = File.ReadAllText(folder.File("hv/demo.ps1"));
        Assert.That(ps1, Does.Contain("Generation = 2").And.Contain("-SwitchName 'External'").And.Contain("MemoryStartupBytes = 2147483648"));
    }
}
