using System.Diagnostics;
using V2V.Cli;

namespace V2V.TestSupport;

/// <summary>Runs the v2v CLI in-process (fast) or as the real executable (exit codes, stderr as users see them).</summary>
public static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var context = new CliContext(FormatCatalog.Create(), output, error, ProgressAllowed: false, CancellationToken.None);
        int code = CliApp.RunAsync(args, context).GetAwaiter().GetResult();
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static CliResult RunProcess(params string[] args) => RunProcessWithInput(null, args);

    /// <summary>Runs the real executable in <paramref name="workingDirectory"/>.</summary>
    public static CliResult RunProcessIn(string workingDirectory, params string[] args) => RunProcessWithInput(null, args, workingDirectory);

    /// <summary>How long one run of the executable may take in a test before it is killed as hung.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(5);

    /// <summary>Runs the real executable with <paramref name="stdinFile"/> (if any) on its standard input.</summary>
    public static CliResult RunProcessWithInput(string? stdinFile, string[] args, string? workingDirectory = null)
    {
        var (program, prefix) = Executable();
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdinFile is not null, UseShellExecute = false };
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }

        prefix.ForEach(start.ArgumentList.Add);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdinFile is not null)
        {
            try
            {
                using (var input = File.OpenRead(stdinFile))
                {
                    input.CopyTo(process.StandardInput.BaseStream);
                }

                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process stopped reading (a refusal part-way through): its exit code and stderr say why.
            }
        }

        // A hung run must fail its test, not hold the whole suite (and the CI run) until its time limit.
        if (!process.WaitForExit(HangLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"v2v {string.Join(' ', args)} did not finish within {HangLimit.TotalMinutes} minutes");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// The native executable that users install, when tests/run.sh has published it from the current
    /// build; otherwise the JIT build through <c>dotnet</c>. Under CI=true a missing or stale native
    /// executable fails the test: CI must exercise what is shipped.
    /// </summary>
    public static (string Program, List<string> Prefix) Executable()
    {
        string native = RepositoryPaths.NativeCli;
        bool current = File.Exists(native) && File.GetLastWriteTimeUtc(native) >= File.GetLastWriteTimeUtc(RepositoryPaths.CliDll);
        if (current)
        {
            return (native, []);
        }

        if (ExternalTool.InCi)
        {
            Assert.Fail($"{native} is {(File.Exists(native) ? "older than the build" : "missing")}: tests/run.sh publishes it (dotnet publish src/V2V.Cli -r linux-x64)");
        }

        return ("dotnet", [RepositoryPaths.CliDll]);
    }
}

public sealed record CliResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Asserts the contract for bad input: exit 2 and exactly one "error:" line naming the file.</summary>
    public void AssertRejected(string fileNamed, string? mentioning = null)
    {
        Assert.Multiple(() =>
        {
            Assert.That(ExitCode, Is.EqualTo(2), $"stdout: {StdOut}\nstderr: {StdErr}");
            var lines = StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), "exactly one line on stderr");
            Assert.That(StdErr, Does.StartWith("error: "));
            Assert.That(StdErr, Does.Contain(Path.GetFileName(fileNamed)));
            if (mentioning is not null)
            {
                Assert.That(StdErr, Does.Contain(mentioning).IgnoreCase);
            }
        });
    }
}
