using System.Diagnostics;
using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Pipeline;
using V2V.Core.Vm;

namespace V2V.Core.Jobs;

/// <summary>What the composition root adds to jobs: a target hypervisor's VM definitions, and creating the VM.</summary>
public interface IJobHooks
{
    /// <summary>The writer of VM definitions for this job's outputs, or null when they are not for a hypervisor V2V defines VMs for.</summary>
    IVmDefinitionWriter? DefinitionsFor(JobSpec job, StepSpec described);

    /// <summary>Creates the VM from its definition script (hyperv: apply); returns a line for the summary.</summary>
    Task<string> ApplyAsync(JobSpec job, string script, CancellationToken cancellationToken);
}

/// <summary>One file a job wrote.</summary>
public sealed record JobOutput(string Path, string Format, string? Subformat, long Capacity, long FileLength, string Digest, bool Verified);

/// <summary>How a job ended: its outputs, or the error that stopped it and the exit code it stands for.</summary>
/// <param name="Notes">Warnings of VM definitions and the outcome of applying them.</param>
public sealed record JobResult(string Name, bool Succeeded, int ExitCode, string? Error, string Source, IReadOnlyList<JobOutput> Outputs, long BytesRead, double Seconds, IReadOnlyList<string>? Notes = null);

/// <summary>A progress report of one job.</summary>
public readonly record struct JobProgress(string Job, ConversionProgress Conversion);

/// <summary>
/// Runs planned jobs, <c>parallel</c> at a time. Each job reads its source once and writes every
/// kept step of its chain from that read; a failing job removes its own outputs and does not stop
/// the others.
/// </summary>
public static class JobRunner
{
    /// <param name="read">Every file the run reads, as <see cref="JobPlanner.Plan"/> collected it: no output is renamed over one of them.</param>
    public static async Task<IReadOnlyList<JobResult>> RunAsync(IReadOnlyList<PlannedJob> jobs, int parallel, FormatRegistry registry,
        bool durable, IJobHooks? hooks, IProgress<JobProgress>? progress, CancellationToken cancellationToken, FilesRead? read = null)
    {
        read ??= new FilesRead();
        using var gate = new SemaphoreSlim(parallel);
        var runs = jobs.Select(async job =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RunJobAsync(job, registry, durable, hooks, progress, read, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        return await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private static async Task<JobResult> RunJobAsync(PlannedJob job, FormatRegistry registry, bool durable, IJobHooks? hooks, IProgress<JobProgress>? progress, FilesRead read, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var spec = job.Spec;
        var options = ConversionOptions.Default with
        {
            Verify = spec.Verify,
            Durable = durable,
            Pipeline = ConversionOptions.Default.Pipeline with { Digest = spec.Digest ?? DigestAlgorithm.Default },
        };
        var report = progress is null ? null : new Forward(p => progress.Report(new JobProgress(spec.Name, p)));
        try
        {
            var kept = spec.Chain.Where(s => s.Keep).ToList();
            if (!job.IsVm)
            {
                using var disk = registry.Open(spec.Source.Path, SourceOptions.Default);
                var outputs = job.Outputs.Where(o => o.Step.Keep).ToList();
                var plans = outputs.Select(o => new TargetPlan(o.Format, new TargetRequest(o.Path, disk.Capacity, o.Step.Subformat, o.Step.BlockSize, o.Step.SectorSize ?? disk.LogicalSectorSize))).ToList();
                var outcome = await DiskConverter.ConvertAsync(new DiskConversionRequest(disk, plans, registry) { Overwrite = spec.Overwrite, Options = options, Read = read }, report, cancellationToken).ConfigureAwait(false);
                return new JobResult(spec.Name, true, 0, null, spec.Source.Path,
                    outcome.Targets.Select(t => new JobOutput(t.Path, t.Format, t.Subformat, t.Capacity, t.FileLength, outcome.Copy.Digest, t.VerifiedDigest is not null)).ToList(),
                    outcome.Copy.DataBytesRead, clock.Elapsed.TotalSeconds);
            }

            var format = registry.DetectVmSourceFile(spec.Source.Path) ?? throw new InvalidImageException(spec.Source.Path, "is no longer a VM package");
            using var package = format.Open(spec.Source.Path, SourceOptions.Default, registry);
            var specs = kept.Select(step => new VmOutputSpec(registry.Target(step.Format), step.Subformat, step.BlockSize, step.SectorSize,
                (vm, n) => PathTemplate.Expand(step.Path, spec.Name, vm.FileSafeName, n))).ToList();
            int described = VmFiles.DescribedStep(kept);
            string DescriptionPath(VmDescription vm) => VmFiles.DescriptionPath(kept[described], spec.Name, vm);
            var definitions = hooks?.DefinitionsFor(spec, kept[described]);
            var request = new VmConversionRequest(package, specs, specs[described], DescriptionPath, registry) { Overwrite = spec.Overwrite, Options = options, Definitions = definitions, Read = read };
            var vms = await VmConverter.ConvertAsync(request, report, cancellationToken).ConfigureAwait(false);
            var notes = vms.SelectMany(vm => (vm.Warnings ?? []).Select(w => $"{vm.Vm.Name}: {w}")).ToList();
            if (definitions is not null && spec.HyperV?.Apply == true)
            {
                foreach (var vm in vms)
                {
                    notes.Add(await hooks!.ApplyAsync(spec, Path.Combine(Path.GetDirectoryName(DescriptionPath(vm.Vm))!, $"{vm.Vm.FileSafeName}.ps1"), cancellationToken).ConfigureAwait(false));
                }
            }

            var written = vms.SelectMany(vm => vm.Disks.SelectMany(d => kept.Select(step =>
            {
                string path = Path.GetFullPath(PathTemplate.Expand(step.Path, spec.Name, vm.Vm.FileSafeName, d.Disk));
                return new JobOutput(path, step.Format, step.Subformat, d.Capacity, new FileInfo(path).Length, d.Digest, d.Verified);
            }))).ToList();
            return new JobResult(spec.Name, true, 0, null, spec.Source.Path, written, vms.Sum(vm => vm.Disks.Sum(d => d.DataBytesRead)), clock.Elapsed.TotalSeconds, notes);
        }
        catch (V2VException e)
        {
            return new JobResult(spec.Name, false, e.ExitCode, Worded(e.Message, e), spec.Source.Path, [], 0, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new JobResult(spec.Name, false, 3, e.Message, spec.Source.Path, [], 0, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug met in one job fails that job; the others still run and the summary is printed.
            return new JobResult(spec.Name, false, 3, $"internal error: {e.GetType().Name}: {e.Message}", spec.Source.Path, [], 0, clock.Elapsed.TotalSeconds);
        }
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

    private sealed class Forward(Action<ConversionProgress> report) : IProgress<ConversionProgress>
    {
        public void Report(ConversionProgress value) => report(value);
    }
}
