using System.CommandLine;
using System.Globalization;
using V2V.Core;
using V2V.Core.Output;
using V2V.Core.Vm;
using V2V.Jobs;
using V2V.Jobs.Loading;
using V2V.Jobs.Planning;
using V2V.Jobs.Running;
using V2V.Jobs.Sources;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v run PIPELINE.yaml</c>: every job checked before anything is copied (all problems at once,
/// as FILE:LINE:COL), then run <c>parallel</c> at a time with one progress line per job, a summary
/// table at the end and an optional JSON report. Both the plan (<c>--dry-run</c>) and the run show
/// each job's guest inspection and Hyper-V verdict.
/// </summary>
public static class RunCommand
{
    public static Command Build(CliContext context)
    {
        var file = new Argument<string>("PIPELINE") { Description = "The pipeline file (pipeline.yaml)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the pipeline and print the plan; write nothing" };
        var report = new Option<string?>("--report") { Description = "Write a JSON report of the run to FILE" };
        var only = new Option<string?>("--job") { Description = "Run only the job with this name" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not draw progress bars" };
        var noSync = new Option<bool>("--no-sync") { Description = "Do not fsync outputs before renaming them into place" };
        var digest = DigestOption.Create();
        digest.Description += "; overrides the pipeline's digest settings";
        var command = new Command("run", "Run the jobs of a pipeline file") { file, dryRun, report, only, noProgress, noSync, digest };

        command.SetAction(async (parse, _) =>
        {
            string path = parse.GetValue(file)!;
            var errors = new List<JobFileError>();
            var registry = FormatCatalog.Jobs(context.Registry);
            var document = JobFileLoader.Load(path, registry, errors);
            var read = new FilesRead();
            var jobs = document is null ? [] : JobPlanner.Plan(document, registry, errors, parse.GetValue(only), read);
            if (parse.GetValue(digest) is not null)
            {
                var chosen = DigestOption.From(parse, digest);
                jobs = [.. jobs.Select(j => j with { Spec = j.Spec with { Digest = chosen } })];
            }

            if (errors.Count > 0 || document is null)
            {
                foreach (var error in errors.OrderBy(e => e.At.Line).ThenBy(e => e.At.Column))
                {
                    await context.Error.WriteLineAsync(error.ToString()).ConfigureAwait(false);
                }

                await context.Error.WriteLineAsync($"error: {path}: {errors.Count} problem(s); nothing was written").ConfigureAwait(false);
                return 2;
            }

            // Checked now: a report that cannot be written must not cost the whole run first.
            string? reportPath = parse.GetValue(report);
            if (reportPath is not null && ReportProblem(reportPath, document, jobs, read) is { } problem)
            {
                await context.Error.WriteLineAsync($"error: --report {reportPath}: {problem}; nothing was written").ConfigureAwait(false);
                return 2;
            }

            if (reportPath is not null)
            {
                // No output may be the report either (written last, it would replace one).
                read.Add(reportPath, "is the --report file");
            }

            foreach (var job in jobs.Where(j => j.Spec.Source is FileSourceSpec { SkipManifestCheck: true }))
            {
                await context.Error.WriteLineAsync(Printable.Line($"warning: job {job.Spec.Name}: skip-manifest-check: the members of {job.Spec.Source.Name} are not hashed against its manifest; what is read is converted unchecked")).ConfigureAwait(false);
            }

            if (parse.GetValue(dryRun))
            {
                var guests = new List<IReadOnlyList<PlannedGuest>>();
                foreach (var job in jobs)
                {
                    guests.Add(await PlanInspection.InspectAsync(job, context.Registry, context.Cancellation).ConfigureAwait(false));
                }

                PrintPlan(context.Out, document, jobs, guests);
                return 0;
            }

            var results = await ProgressDisplay.RunJobsAsync(context.ProgressAllowed && !parse.GetValue(noProgress), jobs.Select(j => j.Spec.Name).ToList(),
                progress => JobRunner.RunAsync(jobs, document.Parallel, context.Registry, !parse.GetValue(noSync), progress, context.Cancellation, read)).ConfigureAwait(false);

            PrintSummary(context.Out, results);
            foreach (var note in results.SelectMany(r => (r.Notes ?? []).Select(n => $"job {r.Name}: {n}")))
            {
                context.Out.WriteLine($"note: {Printable.Line(note)}");
            }

            foreach (var (job, guest) in results.SelectMany(r => (r.Guests ?? []).Select(g => (r.Name, g))))
            {
                context.Out.WriteLine(Printable.Line($"guest: job {job}: {GuestLine(guest.Vm, guest)}{(guest.Verdict is { } verdict ? $"; Hyper-V {verdict}" : "")}"));
            }

            foreach (var failed in results.Where(r => !r.Succeeded))
            {
                await context.Error.WriteLineAsync(Printable.Line($"error: job {failed.Name}: {failed.Error}")).ConfigureAwait(false);
            }

            if (reportPath is not null)
            {
                await File.WriteAllTextAsync(reportPath, JsonOutput.Serialize(new RunReport(Path.GetFullPath(path), results)) + "\n", CancellationToken.None).ConfigureAwait(false);
            }

            return results.Where(r => !r.Succeeded).Select(r => r.ExitCode).DefaultIfEmpty(0).Max();
        });
        return command;
    }

    /// <summary>Why the report could not be written where asked, or null.</summary>
    private static string? ReportProblem(string reportPath, JobFile document, IReadOnlyList<PlannedJob> jobs, FilesRead read)
    {
        if (read.Match(reportPath) is { } same)
        {
            return $"it is the same file as {same.Path}, which {same.Role}";
        }

        string full = Path.GetFullPath(reportPath);
        if (Path.GetDirectoryName(full) is { } folder && !Directory.Exists(folder))
        {
            return $"its folder {folder} does not exist";
        }

        if (Directory.Exists(full))
        {
            return "it is a folder";
        }

        var taken = jobs.SelectMany(j => j.Outputs.Select(o => o.Path).Concat(j.Spec.Source.LocalPath is { } source ? [source] : []).Concat(j.FilesBeside)).Append(document.File).Select(Path.GetFullPath);
        return taken.Contains(full, FilesRead.PathComparer) ? "it is the pipeline, a source or an output of it" : null;
    }

    private static void PrintPlan(TextWriter o, JobFile document, IReadOnlyList<PlannedJob> jobs, IReadOnlyList<IReadOnlyList<PlannedGuest>> guests)
    {
        o.WriteLine($"pipeline {document.File}: {jobs.Count} job(s), {document.Parallel} at a time; nothing will be written (--dry-run)");
        foreach (var (job, jobGuests) in jobs.Zip(guests))
        {
            string size = job.Capacity is { } c ? $", {ByteSize.Format(c)}" : "";
            string vms = job.IsVm ? $", VM(s): {string.Join(", ", job.Vms.Select(v => $"{Printable.Line(v.Name)} ({v.Disks.Count()} disk(s))"))}" : "";
            o.WriteLine($"job {job.Spec.Name}: read {job.Spec.Source.Name} ({job.SourceFormat}{size}{vms}) once{(job.Spec.Verify ? ", verify every output" : "")}");
            foreach (var output in job.Outputs)
            {
                string what = output.Step.Subformat is null ? output.Step.Format : $"{output.Step.Format} {output.Step.Subformat}";
                o.WriteLine(output.Step.Keep
                    ? $"  write {output.Path} ({what}){(output.Step.BlockSize is { } b ? $", block size {ByteSize.Format(b)}" : "")}"
                    : $"  skip  {output.Path} ({what}): keep: false, and every step is fed from the one read of the source");
            }

            // The VM descriptions and Hyper-V definitions are written too: the plan names them.
            foreach (string file in job.FilesBeside)
            {
                o.WriteLine(Printable.Line($"  write {file}"));
            }

            foreach (var guest in jobGuests)
            {
                o.WriteLine(Printable.Line(guest.Report is { } report ? $"  guest {GuestLine(guest.Vm, report)}" : $"  guest {(guest.Vm is null ? "" : $"VM \"{guest.Vm}\": ")}{guest.Note}"));
                if (guest.Report?.Verdict is { } verdict)
                {
                    o.WriteLine(Printable.Line($"  hyper-v {verdict}"));
                }
            }
        }
    }

    /// <summary>"VM \"web01\" disk 1: Microsoft Windows Server 2003 (5.2 build 3790, x86)", or "disk 1: ..." for a disk job.</summary>
    private static string GuestLine(string? vm, GuestReport guest) => $"{(vm is null ? "" : $"VM \"{vm}\" ")}disk {guest.Disk}: {guest.System}";

    private static void PrintSummary(TextWriter o, IReadOnlyList<JobResult> results)
    {
        static string Outputs(JobResult r) => r.Outputs.Count == 0 ? "-"
            : string.Join(", ", r.Outputs.Select(x => Path.GetFileName(x.Path) + (x.FixupJournal is null ? "" : " (fixups applied)") + (x.Verified ? " (verified)" : "")));

        // Columns as wide as their longest cell (at least the old 20 and 40), so a long output list does not shift the rest.
        int name = Math.Max(20, results.Select(r => r.Name.Length).DefaultIfEmpty().Max());
        int outputs = Math.Max(40, results.Select(r => Outputs(r).Length).DefaultIfEmpty().Max());
        o.WriteLine();
        o.WriteLine($"{"job".PadRight(name)} {"result",-7} {"outputs".PadRight(outputs)} {"read",10} {"time",8} {"rate",12}  digest / error");
        foreach (var r in results)
        {
            double seconds = Math.Max(r.Seconds, 0.001);
            string tail = r.Succeeded ? r.Outputs.Select(x => x.Digest).Distinct().FirstOrDefault() ?? "" : r.Error ?? "";
            o.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name.PadRight(name)} {(r.Succeeded ? "ok" : "FAILED"),-7} {Outputs(r).PadRight(outputs)} {ByteSize.Format(r.BytesRead),10} {seconds,7:0.00}s {ByteSize.Format((long)(r.BytesRead / seconds)) + "/s",12}  {tail}"));
        }
    }
}
