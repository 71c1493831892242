using V2V.Core;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;
using V2V.Jobs.Sections;
using V2V.Jobs.Sources;

namespace V2V.Jobs.Planning;

/// <summary>
/// Checks a job file before anything is copied: sources exist and are what the file says (each
/// source provider's own checks), formats and subformats exist and accept the disks, no two
/// outputs share a path, outputs do not overwrite files unless allowed, no output is a file any
/// job reads (by identity, whatever the spelling or the links), and fixed targets fit the free
/// space. Every problem is collected with the line it came from.
/// </summary>
public static class JobPlanner
{
    /// <param name="read">
    /// Collects every file the run reads (the job file, every job's source files); pass it on
    /// to <see cref="Running.JobRunner"/>, which checks outputs against it again before renaming them.
    /// </param>
    public static IReadOnlyList<PlannedJob> Plan(JobFile file, JobRegistry registry, List<JobFileError> errors, string? onlyJob = null, FilesRead? read = null)
    {
        read ??= new FilesRead();
        read.Add(file.File, "is the pipeline file");
        var jobs = new List<PlannedJob>();
        foreach (var job in file.Jobs.Where(j => onlyJob is null || j.Name == onlyJob))
        {
            try
            {
                using var source = job.Source.Open(registry.Formats);
                read.AddRange(source.Files, $"job \"{job.Name}\" reads");
                if (source.Disk is not null)
                {
                    RefuseVmSections(job, registry, errors);
                }

                jobs.Add((source.Disk is { } disk ? PlanDisk(job, source.Format, disk, registry.Formats, errors) : PlanVms(job, source.Format, source.Vms!, registry, errors))
                    with { Guest = registry.Guest?.StageFor(job) });
            }
            catch (JobFileException e)
            {
                errors.Add(new JobFileError(e.At, e.Message));
            }
            catch (V2VException e)
            {
                errors.Add(new JobFileError(job.Source.NameAt, e.Message));
            }
        }

        if (onlyJob is not null && !file.Jobs.Any(j => j.Name == onlyJob))
        {
            errors.Add(new JobFileError(new YamlLocation(Path.GetFileName(file.File), 1, 1), $"no job named \"{onlyJob}\""));
        }

        PlanChecks.Collisions(jobs, errors);
        PlanChecks.ReadFiles(jobs, read, errors);
        PlanChecks.Space(jobs, errors);
        return jobs;
    }

    /// <summary>
    /// A VM target's section (hyperv:) on a job whose source is one disk: no VM definition is
    /// written for a disk, so its settings would be dropped without a word. Reported at the job.
    /// </summary>
    private static void RefuseVmSections(JobSpec job, JobRegistry registry, List<JobFileError> errors)
    {
        foreach (var section in registry.VmTargets.OfType<IJobSection>().Where(s => job.Sections.ContainsKey(s.Key)))
        {
            errors.Add(new JobFileError(job.At,
                $"job \"{job.Name}\": {section.Key}: applies to VM packages (OVA, OVF, VMX, XVA, vsphere), whose VMs get a definition; this job's source is a disk, converted without one"));
        }
    }

    private static PlannedJob PlanDisk(JobSpec job, string sourceFormat, Core.Disks.IDiskSource disk, FormatRegistry formats, List<JobFileError> errors)
    {
        // A disk job's {vm} is the source's file name; a source that is not a file names itself.
        string vmName = Path.GetFileNameWithoutExtension(job.Source.LocalPath ?? job.Source.Name);
        var outputs = new List<PlannedOutput>();
        foreach (var step in job.Chain)
        {
            string path = PathTemplate.Expand(step.Path, job.Name, vmName, 1);
            if (step.SectorSize is { } sectorSize && Core.Conversion.SectorSizeChange.Problem(disk, sectorSize, path) is { } problem)
            {
                errors.Add(new JobFileError(step.At, problem));
                continue;
            }

            if (Output(job, step, formats, disk.Capacity, disk.LogicalSectorSize, path, errors) is { } output)
            {
                outputs.Add(output);
            }
        }

        return new PlannedJob(job, sourceFormat, false, [], disk.Capacity, outputs);
    }

    private static PlannedJob PlanVms(JobSpec job, string sourceFormat, IVmSource package, JobRegistry registry, List<JobFileError> errors)
    {
        var outputs = new List<PlannedOutput>();
        int disks = package.Vms.Sum(vm => vm.Disks.Count());
        foreach (var step in job.Chain)
        {
            if (disks > 1 && !step.Path.Contains("{n}", StringComparison.Ordinal))
            {
                errors.Add(new JobFileError(step.PathAt, $"the source has {disks} disks: put {{n}} (the disk number) and {{vm}} in the path"));
                continue;
            }

            if (Path.GetDirectoryName(step.Path)?.Contains("{n}", StringComparison.Ordinal) == true)
            {
                errors.Add(new JobFileError(step.PathAt, "{n} may only be in the file name: a VM's disks share a folder with its description and definition, which name them"));
                continue;
            }

            foreach (var vm in package.Vms)
            {
                int n = 0;
                foreach (var drive in vm.Disks)
                {
                    n++;
                    if (Output(job, step, registry.Formats, drive.Capacity ?? 0, 512, PathTemplate.Expand(step.Path, job.Name, vm.FileSafeName, n), errors) is { } output)
                    {
                        outputs.Add(output);
                    }
                }
            }
        }

        var kept = job.Chain.Where(s => s.Keep).ToList();
        var described = kept.Count > 0 ? kept[VmFiles.DescribedStep(kept, registry.VmTargets)] : null;
        var target = described is null ? null : VmFiles.TargetOf(described, registry.VmTargets);
        var planned = new PlannedJob(job, sourceFormat, true, package.Vms, null, outputs, described, target);
        if (!job.Overwrite)
        {
            // Written after every disk is copied: an old one must stop the job now, not then.
            foreach (var file in planned.FilesBeside.Where(File.Exists))
            {
                errors.Add(new JobFileError(described!.PathAt, $"\"{file}\" exists (set overwrite: true to replace it)"));
            }
        }

        return planned;
    }

    private static PlannedOutput? Output(JobSpec job, StepSpec step, FormatRegistry formats, long capacity, int sectorSize, string path, List<JobFileError> errors)
    {
        ITargetFormat format;
        try
        {
            format = formats.Target(step.Format);
        }
        catch (UsageException e)
        {
            errors.Add(new JobFileError(step.At, e.Message));
            return null;
        }

        if (step.Subformat is { } sub && !format.Subformats.Contains(sub, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new JobFileError(step.At, $"{step.Format} has no subformat \"{sub}\" (known: {string.Join(", ", format.Subformats)})"));
            return null;
        }

        if (capacity > 0)
        {
            try
            {
                format.Validate(new TargetRequest(path, capacity, step.Subformat, step.BlockSize, step.SectorSize ?? sectorSize));
            }
            catch (UsageException e)
            {
                errors.Add(new JobFileError(step.At, e.Message));
                return null;
            }
        }

        if (step.Keep && AtomicOutputFile.NameProblem(path) is { } tooLong)
        {
            errors.Add(new JobFileError(step.PathAt, tooLong));
            return null;
        }

        if (step.Keep && !job.Overwrite && File.Exists(path))
        {
            errors.Add(new JobFileError(step.PathAt, $"\"{path}\" exists (set overwrite: true to replace it)"));
        }

        bool reserves = string.Equals(step.Subformat, "fixed", StringComparison.OrdinalIgnoreCase);
        return new PlannedOutput(step, format, path, capacity, reserves);
    }
}
