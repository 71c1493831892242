using System.Diagnostics;
using System.IO.Hashing;
using V2V.Cli;
using V2V.Core.Errors;

namespace V2V.TestSupport.Fuzzing;

/// <summary>A broken promise found by one input: what was run and what went wrong.</summary>
public sealed record FuzzFailure(string Target, string Command, string Problem, string? Trace)
{
    /// <summary>Groups failures of one cause: the problem's first line without numbers and paths.</summary>
    public string Signature => Target + ": " + System.Text.RegularExpressions.Regex.Replace(Problem.Split('\n')[0], @"[0-9]+|/[^ :]+", "#");

    public override string ToString() => $"[{Target}] v2v {Command}: {Problem}" + (Trace is null ? "" : "\n" + Trace);
}

/// <summary>
/// Runs one input through the verbs of its target exactly as the CLI does (in-process
/// <see cref="CliApp.RunAsync"/>: the same exception-to-exit-code mapping) and checks every promise
/// the tool makes about bad input: exit 0, 1 (check found problems) or 2 — never 3 or "internal
/// error" on stderr or stdout (where inspection reports a reader's bug as a finding) — with an
/// "error:" line; for a <see cref="FuzzTarget.Strict"/> target no bug-class exception
/// (<see cref="BugExceptions"/>) thrown through V2V's guest readers, even one a finding absorbed; an answer within <see cref="TimeLimit"/>; at most
/// <see cref="AllocationLimit"/> bytes allocated per command; every input file unchanged; no
/// ".partial" left; no output at all after a failed convert.
/// </summary>
public sealed class FuzzRunner
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(20);
    public const long AllocationLimit = 1L << 30;

    private static readonly AsyncLocal<bool> Watching = new();
    private static string? _lastTrace;
    private static Exception? _lastException;
    private static string? _hiddenBug;

    /// <summary>Exceptions no parser throws on purpose: thrown through V2V.Guest, they are a bug even when a finding absorbs them.</summary>
    private static readonly Type[] BugExceptions =
    [
        typeof(IndexOutOfRangeException), typeof(ArgumentOutOfRangeException), typeof(ArgumentNullException), typeof(NullReferenceException),
        typeof(OverflowException), typeof(DivideByZeroException), typeof(InvalidCastException), typeof(KeyNotFoundException), typeof(OutOfMemoryException),
    ];

    static FuzzRunner()
    {
        // The stack of the last exception that is not one V2V throws on purpose: what an
        // "internal error" line hides, kept for the failure report.
        AppDomain.CurrentDomain.FirstChanceException += (_, e) =>
        {
            // Only an exception's first throw: rethrows across awaits would hide where it began.
            if (Watching.Value && e.Exception is not (V2VException or OperationCanceledException) && !ReferenceEquals(e.Exception, _lastException))
            {
                _lastException = e.Exception;
                string stack = new StackTrace(1, false).ToString();
                _lastTrace = e.Exception.GetType().Name + ": " + e.Exception.Message + "\n" + e.Exception.StackTrace + "\n" + stack;
                if (_hiddenBug is null && BugExceptions.Contains(e.Exception.GetType()) && stack.Contains("V2V.Guest.", StringComparison.Ordinal))
                {
                    _hiddenBug = _lastTrace;
                }
            }
        };
    }

    /// <summary>Runs <paramref name="input"/> (<paramref name="observe"/> is told each verb's exit code) as <paramref name="target"/>'s file in a fresh folder under <paramref name="workRoot"/>; null when every promise held.</summary>
    public static FuzzFailure? Run(FuzzTarget target, byte[] input, string workRoot, Action<string, int>? observe = null)
    {
        string folder = Path.Combine(workRoot, "case-" + Guid.NewGuid().ToString("N")[..8]);
        string inFolder = Path.Combine(folder, "in");
        string outFolder = Path.Combine(folder, "out");
        Directory.CreateDirectory(inFolder);
        Directory.CreateDirectory(outFolder);
        try
        {
            foreach (var (name, bytes) in target.Companions)
            {
                File.WriteAllBytes(Path.Combine(inFolder, name), bytes);
            }

            File.WriteAllBytes(Path.Combine(inFolder, target.FileName), target.Pack(input));
            var before = Fingerprint(inFolder);
            foreach (var verb in target.VerbsOf(input))
            {
                string[] args = [.. verb.Arguments(Path.Combine(inFolder, target.FileName), outFolder)];
                string command = string.Join(' ', args).Replace(folder, "CASE", StringComparison.Ordinal);
                var (code, output, error, problem) = Invoke(args, target.Strict);
                observe?.Invoke(args[0], code);
                if (problem is null && code is not (0 or 1 or 2))
                {
                    problem = $"exit {code}: {error.Trim()}";
                }
                else if (problem is null && error.Contains("internal error", StringComparison.Ordinal))
                {
                    problem = $"exit {code} with an internal error: {error.Trim()}";
                }
                else if (problem is null && output.Split('\n').FirstOrDefault(l => l.Contains("internal error", StringComparison.Ordinal)) is { } finding)
                {
                    problem = $"exit {code} reporting an internal error: {finding.Trim()}";
                }
                else if (problem is null && code == 2 && !error.Contains("error: ", StringComparison.Ordinal))
                {
                    problem = $"exit 2 without an error: line: {error.Trim()}";
                }

                problem ??= Leftovers(folder, outFolder, code);
                var after = Fingerprint(inFolder);
                if (problem is null && before.Any(file => !after.Contains(file)))
                {
                    problem = "an input file was changed or removed";
                }

                if (problem is null && code != 0 && after.Count != before.Count)
                {
                    problem = $"exit {code} but a file was written beside the input";
                }

                if (problem is not null)
                {
                    return new FuzzFailure(target.Name, command, problem, problem.Contains("internal error", StringComparison.Ordinal) || problem.StartsWith("exit 3", StringComparison.Ordinal) ? _lastTrace : problem.StartsWith("absorbed", StringComparison.Ordinal) ? _hiddenBug : null);
                }

                if (code != 0 && verb.StopOnFailure)
                {
                    break;
                }
            }

            return null;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (int Code, string Output, string Error, string? Problem) Invoke(string[] args, bool strict)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var context = new CliContext(FormatCatalog.Create(), TextWriter.Synchronized(output), TextWriter.Synchronized(error), ProgressAllowed: false, cancel.Token);
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        _lastTrace = null;
        _hiddenBug = null;
        Watching.Value = true;
        var run = Task.Run(() => CliApp.RunAsync(args, context));
        Watching.Value = false;
        if (!run.Wait(TimeLimit))
        {
            cancel.Cancel();
            bool stopped = run.Wait(TimeSpan.FromSeconds(5));
            return (-1, output.ToString(), error.ToString(), $"no answer within {TimeLimit.TotalSeconds} s ({(stopped ? "stopped by cancellation" : "and cancellation did not stop it")})");
        }

        long used = GC.GetTotalAllocatedBytes(precise: false) - allocated;
        if (used > AllocationLimit)
        {
            return (run.Result, output.ToString(), error.ToString(), $"allocated {used >> 20} MiB (limit {AllocationLimit >> 20} MiB); exit {run.Result}: {error.ToString().Trim()}");
        }

        if (strict && _hiddenBug is not null)
        {
            return (run.Result, output.ToString(), error.ToString(), $"absorbed {_hiddenBug.Split('\n')[0]} (exit {run.Result})");
        }

        return (run.Result, output.ToString(), error.ToString(), null);
    }

    private static string? Leftovers(string folder, string outFolder, int code)
    {
        var partial = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).FirstOrDefault(f => f.Contains(".partial", StringComparison.Ordinal));
        if (partial is not null)
        {
            return $"left {Path.GetFileName(partial)} behind (exit {code})";
        }

        if (code != 0 && Directory.EnumerateFileSystemEntries(outFolder).FirstOrDefault() is { } output)
        {
            return $"exit {code} but {Path.GetFileName(output)} was written";
        }

        // Outputs of a successful verb are removed so the next verb starts from an empty folder.
        foreach (var entry in Directory.EnumerateFileSystemEntries(outFolder))
        {
            if (Directory.Exists(entry))
            {
                Directory.Delete(entry, true);
            }
            else
            {
                File.Delete(entry);
            }
        }

        return null;
    }

    private static HashSet<(string, ulong)> Fingerprint(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => (f, XxHash3.HashToUInt64(File.ReadAllBytes(f))))];
}
