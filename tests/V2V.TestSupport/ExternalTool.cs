using System.Diagnostics;

namespace V2V.TestSupport;

/// <summary>
/// Runs the independent oracles (qemu-img, bunzip2, ...). When one is missing the test is
/// ignored on a developer machine but FAILS under CI=true, so CI can never go green by skipping.
/// </summary>
public static class ExternalTool
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Require(string tool)
    {
        var path = Find(tool);
        if (path is not null)
        {
            return path;
        }

        string message = $"{tool} is not installed (the README's test command installs it)";
        if (InCi)
        {
            Assert.Fail(message);
        }

        Assert.Ignore(message);
        return tool;
    }

    /// <summary>
    /// The tool on PATH, else where tests/run.sh installs .NET tools: artifacts/tools/TOOL/TOOL
    /// (<c>dotnet tool install --tool-path artifacts/tools/TOOL</c>, e.g. pwsh), else in
    /// /usr/lib/wine (wine64).
    /// </summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool))
            .Append(Path.Combine(RepositoryPaths.Root, "artifacts", "tools", tool, tool))
            .Append(Path.Combine("/usr/lib/wine", tool)) // Debian keeps wine64 off PATH
            .FirstOrDefault(File.Exists);

    public static ToolResult Run(string tool, params string[] arguments) => RunIn(null, tool, arguments);

    public static ToolResult RunIn(string? workingDirectory, string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Require(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish in 5 minutes");
        }

        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a tool that must succeed.</summary>
    public static string Ok(string tool, params string[] arguments)
    {
        var result = Run(tool, arguments);
        Assert.That(result.ExitCode, Is.EqualTo(0), $"{tool} {string.Join(' ', arguments)} failed: {result.StdErr}{result.StdOut}");
        return result.StdOut;
    }
}

public sealed record ToolResult(int ExitCode, string StdOut, string StdErr);
