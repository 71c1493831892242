using CliWrap;
using CliWrap.Buffered;
using V2V.Core.Errors;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>The outcome of running a definition script.</summary>
public sealed record ApplyResult(bool Ran, int ExitCode, string Output, string Error, string Summary);

/// <summary>
/// Runs a VM definition script with PowerShell (pwsh, or Windows PowerShell) through CliWrap,
/// locally or on a Hyper-V host through PowerShell remoting, and reports what it said. Where no
/// PowerShell exists it explains that the script must be run on the Hyper-V host.
/// </summary>
public static class PowerShellRunner
{
    private static readonly string[] Names = ["pwsh", "pwsh.exe", "powershell.exe"];

    /// <summary>pwsh or powershell.exe on PATH; V2V_PWSH overrides (and is how the tests put a fake in).</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("V2V_PWSH") is { Length: > 0 } forced)
        {
            return File.Exists(forced) ? forced : null;
        }

        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Names
            .SelectMany(name => folders.Select(folder => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<ApplyResult> ApplyAsync(string script, string? host, CancellationToken cancellationToken)
    {
        if (!File.Exists(script))
        {
            throw new UsageException($"{script}: no such script");
        }

        string full = Path.GetFullPath(script);
        if (Find() is not { } powershell)
        {
            return new ApplyResult(false, 0, "", "", $"not applied: no PowerShell here; copy {Path.GetDirectoryName(full)} to the Hyper-V host and run {Path.GetFileName(full)} there");
        }

        // The script runs inside try/catch so a failure comes back as its one-line message: PowerShell's
        // own error view spreads it over several lines of source excerpt and colour codes.
        string run = host is null
            ? $"& {PowerShellScript.Quote(full)}"
            : $"Invoke-Command -ComputerName {PowerShellScript.Quote(host)} -FilePath {PowerShellScript.Quote(full)} -ArgumentList {PowerShellScript.Quote(Path.GetDirectoryName(full)!)}";
        string[] arguments = ["-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass", "-Command",
            $"try {{ {run} }} catch {{ [Console]::Error.WriteLine($_.Exception.Message); exit 1 }}"];
        var result = await Cli.Wrap(powershell)
            .WithArguments(arguments)
            .WithWorkingDirectory(Path.GetDirectoryName(full)!)
            .WithEnvironmentVariables(e => e.Set("NO_COLOR", "1"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken)
            .ConfigureAwait(false);
        string where = host is null ? "here" : $"on {host}";
        string summary = result.ExitCode == 0
            ? $"applied {Path.GetFileName(full)} {where}: {Last(result.StandardOutput)}"
            : $"applying {Path.GetFileName(full)} {where} failed (exit code {result.ExitCode}): {Last(result.StandardError) ?? Last(result.StandardOutput)}";
        return new ApplyResult(true, result.ExitCode, result.StandardOutput, result.StandardError, summary);
    }

    private static string? Last(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
