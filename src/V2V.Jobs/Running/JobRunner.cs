using System.Diagnostics;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.Guest.Fixups;
using V2V.Guest.Inspection;
using V2V.Jobs.Planning;

namespace V2V.Jobs.Running;

/// <summary>
/// Runs planned jobs, <c>parallel</c> at a time. Each job reads its source once and writes every
/// kept step of its chain from that read; a failing job removes its own outputs and does not stop
/// the others. A VM job's target hypervisor (<see cref="PlannedJob.Target"/>) writes its
/// definitions beside each VM and acts once the outputs are in place. The result carries the guest
/// inspection: a disk job's source, each VM's converted boot disk as its definition writer found it.
/// </summary>
public static class JobRunner
{
    /// <param name="read">Every file the run reads, as <see cref="JobPlanner.Plan"/> collected it: no output is renamed over one of them.</param>
    public static async Task<IReadOnlyList<JobResult>> RunAsync(IReadOnlyList<PlannedJob> jobs, int parallel, FormatRegistry registry,
        bool durable, IProgress<JobProgress>? progress, CancellationToken cancellationToken, FilesRead? read = null)
    {
        read ??= new FilesRead();
        using var gate = new SemaphoreSlim(parallel);
        var runs = jobs.Select(async job =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RunJobAsync(job, registry, durable, progress, read, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(runs).ConfigureAwait(false);
    }

    /// <summary>Opens the job's source again, runs the disk or the VM path, and turns every failure into a failed result.</summary>
    private static async Task<JobResult> RunJobAsync(PlannedJob job, FormatRegistry registry, bool durable, IProgress<JobProgress>? progress, FilesRead read, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spec = job.Spec;
        var run = new Run(job, registry, ConversionOptions.Default with
        {
            Verify = spec.Verify,
            Durable = durable,
            Pipeline = ConversionOptions.Default.Pipeline with { Digest = spec.Digest ?? DigestAlgorithm.Default },
            Guest = job.Guest,
        }, progress is null ? null : new Forward(p => progress.Report(new JobProgress(spec.Name, p))), read, clock, cancellationToken);
        try
        {
            using var source = spec.Source.Open(registry);
            if (source.IsVm != job.IsVm)
            {
                throw new InvalidImageException(spec.Source.Name, job.IsVm ? "is no longer a VM package" : "has become a VM package since the job was planned");
            }

            return source.Disk is { } disk
                ? await RunDiskJobAsync(run, disk).ConfigureAwait(false)
                : await RunVmJobAsync(run, source.Vms!).ConfigureAwait(false);
        }
        catch (V2VException e)
        {
            return JobResult.Failure(spec, e.ExitCode, Worded(e.Message, e), clock.Elapsed);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return JobResult.Failure(spec, 3, e.Message, clock.Elapsed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug met in one job fails that job; the others still run and the summary is printed.
            return JobResult.Failure(spec, 3, $"internal error: {e.GetType().Name}: {e.Message}", clock.Elapsed);
        }
    }

    /// <summary>One disk into every kept step.</summary>
    private static async Task<JobResult> RunDiskJobAsync(Run run, IDiskSource disk)
    {
        var outputs = run.Job.Outputs.Where(o => o.Step.Keep).ToList();
        var plans = outputs.Select(o => new TargetPlan(o.Format, new TargetRequest(o.Path, disk.Capacity, o.Step.Subformat, o.Step.BlockSize, o.Step.SectorSize ?? disk.LogicalSectorSize))).ToList();
        var request = new DiskConversionRequest(disk, plans, run.Registry) { Overwrite = run.Job.Spec.Overwrite, Options = run.Options, Read = run.Read };
        // A disk source reads at random: inspected where it lies, before the copy (a few MiB of reads).
        var guest = GuestReports.Inspect(disk, 1, run.Job.Spec.Source.Name).Report;
        var outcome = await DiskConverter.ConvertAsync(request, run.Progress, run.Cancellation).ConfigureAwait(false);
        // The report describes the guest as written: a disk the fixups changed is inspected again (as a VM's boot disk is by its definition).
        if (outcome.Targets.FirstOrDefault(t => t.Guest?.Files.Count > 0) is { } fixedTarget)
        {
            using var fixedDisk = run.Registry.Open(fixedTarget.Path, SourceOptions.Default);
            guest = GuestReports.Inspect(fixedDisk, 1, run.Job.Spec.Source.Name).Report;
        }

        var written = outcome.Targets.Select(t => Output(new JobOutput(t.Path, t.Format, t.Subformat, t.Capacity, t.FileLength, outcome.Copy.Digest, t.VerifiedDigest is not null), t)).ToList();
        var notes = outcome.Targets.SelectMany(t => t.Guest?.Warnings ?? []).ToList();
        return JobResult.Success(run.Job.Spec, written, outcome.Copy.DataBytesRead, run.Clock.Elapsed, notes.Count > 0 ? notes : null, guests: [guest]);
    }

    /// <summary>Every disk of every VM into every kept step, each VM's description and definition beside its disks, then the target's after-step.</summary>
    private static async Task<JobResult> RunVmJobAsync(Run run, IVmSource package)
    {
        var spec = run.Job.Spec;
        var described = run.Job.Described!;
        var kept = spec.Chain.Where(s => s.Keep).ToList();
        var specs = kept.Select(step => new VmOutputSpec(run.Registry.Target(step.Format), step.Subformat, step.BlockSize, step.SectorSize,
            (vm, n) => PathTemplate.Expand(step.Path, spec.Name, vm.FileSafeName, n))).ToList();
        string DescriptionPath(VmDescription vm) => VmFiles.DescriptionPath(described, spec.Name, vm);
        var definitions = run.Job.Target?.Writer(spec);
        var request = new VmConversionRequest(package, specs, specs[kept.IndexOf(described)], DescriptionPath, run.Registry) { Overwrite = spec.Overwrite, Options = run.Options, Definitions = definitions, Read = run.Read };
        var vms = await VmConverter.ConvertAsync(request, run.Progress, run.Cancellation).ConfigureAwait(false);
        var notes = vms.SelectMany(vm => (vm.Warnings ?? []).Select(w => $"{vm.Vm.Name}: {w}")).ToList();
        if (run.Job.Target is { } target)
        {
            foreach (var vm in vms)
            {
                if (await target.AfterCommitAsync(spec, Path.GetDirectoryName(vm.DescriptionPath ?? DescriptionPath(vm.Vm))!, vm.Vm, run.Cancellation).ConfigureAwait(false) is { } note)
                {
                    notes.Add(note);
                }
            }
        }

        // The outcome names each disk's files in the order of the kept steps, with their final paths.
        var written = vms.SelectMany(vm => vm.Disks.SelectMany(d => kept.Zip(d.Targets, (step, t) =>
            Output(new JobOutput(Path.GetFullPath(t.Path), step.Format, step.Subformat, d.Capacity, t.FileLength, d.Digest, t.VerifiedDigest is not null), t)))).ToList();
        var guests = vms.Where(vm => vm.Guest is not null).Select(vm => vm.Guest! with { Vm = vm.Vm.Name }).ToList();
        return JobResult.Success(spec, written, vms.Sum(vm => vm.Disks.Sum(d => d.DataBytesRead)), run.Clock.Elapsed, notes, guests);
    }

    /// <summary>A written file with its own digest and what the guest stage did to it.</summary>
    private static JobOutput Output(JobOutput output, TargetOutcome target) => output with
    {
        OutputDigest = target.Digest,
        FixupJournal = target.Guest?.Files.FirstOrDefault(f => f.EndsWith(FixupJournalFile.JournalSuffix, StringComparison.Ordinal)),
        Guest = target.Guest?.Lines,
    };

    /// <summary>What both paths of one job share.</summary>
    private sealed record Run(PlannedJob Job, FormatRegistry Registry, ConversionOptions Options, IProgress<ConversionProgress>? Progress, FilesRead Read,
        Stopwatch Clock, CancellationToken Cancellation);

    private sealed class Forward(Action<ConversionProgress> report) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value) => report(value);
    }

    /// <summary>Said of an output that is a file the run reads, in the job file's terms.</summary>
    internal const string OverwriteCannotHelp = " (overwrite does not change that)";

    /// <summary>A refusal's message with what a job file can (or cannot) set about it, in the job file's terms.</summary>
    private static string Worded(string message, V2VException e) => e switch
    {
        OutputExistsException => $"{message} (set overwrite: true to replace it)",
        OutputIsReadException => message + OverwriteCannotHelp,
        _ => message,
    };
}
