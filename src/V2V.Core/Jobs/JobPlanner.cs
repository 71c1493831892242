using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;

namespace V2V.Core.Jobs;

/// <summary>One file a job will write (or, for keep: false, would have written).</summary>
public sealed record PlannedOutput(StepSpec Step, ITargetFormat Format, string Path, long Capacity, bool Reserves);

/// <summary>A job checked against the real world: its source opened and recognised, every output resolved.</summary>
public sealed record PlannedJob(JobSpec Spec, string SourceFormat, bool IsVm, IReadOnlyList<VmDescription> Vms, long? Capacity, IReadOnlyList<PlannedOutput> Outputs)
{
    /// <summary>For a VM job, the kept step its VMs' descriptions and definitions sit beside (see <see cref="VmFiles"/>).</summary>
    public StepSpec? Described => IsVm && Spec.Chain.Where(s => s.Keep).ToList() is { Count: > 0 } kept ? kept[VmFiles.DescribedStep(kept)] : null;

    /// <summary>Every VM's description, script and definition this job writes besides its disks.</summary>
    public IEnumerable<string> FilesBeside => Described is { } step ? Vms.SelectMany(vm => VmFiles.FilesBeside(step, Spec.Name, vm)) : [];
}

/// <summary>
/// Checks a pipeline before anything is copied: sources exist and are what the file says,
/// formats and subformats exist and accept the disks, no two outputs share a path, outputs do not
/// overwrite files unless allowed, no output is a file any job reads (by identity, whatever the
/// spelling or the links), and fixed targets fit the free space.
/// Every problem is collected with the line it came from.
/// </summary>
public static class JobPlanner
{
    private static readonly Dictionary<string, string[]> Detected = new(StringComparer.Ordinal)
    {
        ["physical"] = ["raw"],
        ["raw"] = ["raw"],
        ["vmdk"] = ["vmdk"],
        ["vhd"] = ["vhd"],
        ["vhdx"] = ["vhdx"],
        ["vmx"] = ["vmx"],
        ["ova"] = ["ova"],
        ["ovf"] = ["ovf"],
        ["xva"] = ["xva"],
    };

    /// <param name="read">
    /// Collects every file the run reads (the pipeline file, every job's source files); pass it on
    /// to <see cref="JobRunner"/>, which checks outputs against it again before renaming them.
    /// </param>
    public static IReadOnlyList<PlannedJob> Plan(PipelineDocument document, FormatRegistry registry, List<PipelineError> errors, string? onlyJob = null, FilesRead? read = null)
    {
        read ??= new FilesRead();
        read.Add(document.File, "is the pipeline file");
        var jobs = new List<PlannedJob>();
        foreach (var job in document.Jobs.Where(j => onlyJob is null || j.Name == onlyJob))
        {
            try
            {
                if (PlanJob(job, registry, errors, read) is { } planned)
                {
                    jobs.Add(planned);
                }
            }
            catch (V2VException e)
            {
                errors.Add(new PipelineError(job.Source.PathAt, e.Message));
            }
        }

        if (onlyJob is not null && !document.Jobs.Any(j => j.Name == onlyJob))
        {
            errors.Add(new PipelineError(new YamlLocation(Path.GetFileName(document.File), 1, 1), $"no job named \"{onlyJob}\""));
        }

        CheckCollisions(jobs, errors);
        CheckReadFiles(jobs, read, errors);
        CheckSpace(jobs, errors);
        return jobs;
    }

    private static PlannedJob? PlanJob(JobSpec job, FormatRegistry registry, List<PipelineError> errors, FilesRead read)
    {
        string path = job.Source.Path;
        if (Directory.Exists(path))
        {
            errors.Add(new PipelineError(job.Source.PathAt, $"source \"{path}\" is a directory, not a disk image, device or VM package"));
            return null;
        }

        if (!File.Exists(path))
        {
            errors.Add(new PipelineError(job.Source.PathAt, $"source \"{path}\" does not exist"));
            return null;
        }

        if (FileIdentity.IsStream(path))
        {
            errors.Add(new PipelineError(job.Source.PathAt, $"source \"{path}\" is a pipe or character device; a pipeline needs a seekable file (it is read to plan, then to convert)"));
            return null;
        }

        var vmFormat = registry.DetectVmSourceFile(path);
        string detected = vmFormat?.Name ?? registry.DetectFile(path).Name;
        if (job.Source.Type != "auto" && !Detected[job.Source.Type].Contains(detected, StringComparer.Ordinal))
        {
            errors.Add(new PipelineError(job.Source.At, $"source \"{path}\" is a {detected} file, not {job.Source.Type}"));
            return null;
        }

        var outputs = new List<PlannedOutput>();
        if (vmFormat is null)
        {
            using var disk = registry.Open(path, SourceOptions.Default);
            read.AddRange(disk.Files, $"job \"{job.Name}\" reads");
            string vmName = Path.GetFileNameWithoutExtension(path);
            foreach (var step in job.Chain)
            {
                if (Output(job, step, registry, disk.Capacity, disk.LogicalSectorSize, PathTemplate.Expand(step.Path, job.Name, vmName, 1), errors) is { } output)
                {
                    outputs.Add(output);
                }
            }

            return new PlannedJob(job, detected, false, [], disk.Capacity, outputs);
        }

        using var package = vmFormat.Open(path, SourceOptions.Default, registry);
        read.AddRange(package.Files, $"job \"{job.Name}\" reads");
        int disks = package.Vms.Sum(vm => vm.Disks.Count());
        foreach (var step in job.Chain)
        {
            if (disks > 1 && !step.Path.Contains("{n}", StringComparison.Ordinal))
            {
                errors.Add(new PipelineError(step.PathAt, $"the source has {disks} disks: put {{n}} (the disk number) and {{vm}} in the path"));
                continue;
            }

            if (Path.GetDirectoryName(step.Path)?.Contains("{n}", StringComparison.Ordinal) == true)
            {
                errors.Add(new PipelineError(step.PathAt, "{n} may only be in the file name: a VM's disks share a folder with its description and definition, which name them"));
                continue;
            }

            foreach (var vm in package.Vms)
            {
                int n = 0;
                foreach (var drive in vm.Disks)
                {
                    n++;
                    if (Output(job, step, registry, drive.Capacity ?? 0, 512, PathTemplate.Expand(step.Path, job.Name, vm.FileSafeName, n), errors) is { } output)
                    {
                        outputs.Add(output);
                    }
                }
            }
        }

        var planned = new PlannedJob(job, detected, true, package.Vms, null, outputs);
        if (!job.Overwrite)
        {
            // Written after every disk is copied: an old one must stop the job now, not then.
            foreach (var file in planned.FilesBeside.Where(File.Exists))
            {
                errors.Add(new PipelineError(planned.Described!.PathAt, $"\"{file}\" exists (set overwrite: true to replace it)"));
            }
        }

        return planned;
    }

    private static PlannedOutput? Output(JobSpec job, StepSpec step, FormatRegistry registry, long capacity, int sectorSize, string path, List<PipelineError> errors)
    {
        ITargetFormat format;
        try
        {
            format = registry.Target(step.Format);
        }
        catch (UsageException e)
        {
            errors.Add(new PipelineError(step.At, e.Message));
            return null;
        }

        if (step.Subformat is { } sub && !format.Subformats.Contains(sub, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add(new PipelineError(step.At, $"{step.Format} has no subformat \"{sub}\" (known: {string.Join(", ", format.Subformats)})"));
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
                errors.Add(new PipelineError(step.At, e.Message));
                return null;
            }
        }

        if (step.Keep && AtomicOutputFile.NameProblem(path) is { } tooLong)
        {
            errors.Add(new PipelineError(step.PathAt, tooLong));
            return null;
        }

        if (step.Keep && !job.Overwrite && File.Exists(path))
        {
            errors.Add(new PipelineError(step.PathAt, $"\"{path}\" exists (set overwrite: true to replace it)"));
        }

        bool reserves = string.Equals(step.Subformat, "fixed", StringComparison.OrdinalIgnoreCase);
        return new PlannedOutput(step, format, path, capacity, reserves);
    }


    private static void CheckCollisions(List<PlannedJob> jobs, List<PipelineError> errors)
    {
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var written = job.Outputs.Where(o => o.Step.Keep).Select(o => (o.Path, o.Step.PathAt)).ToList();
            if (job.Described is { } described)
            {
                // Each VM's <vm>.vm.json too: two jobs (or two VMs) of the same name would share it
                // (and its script, which then needs no message of its own).
                written.AddRange(job.Vms.Select(vm => (VmFiles.DescriptionPath(described, job.Spec.Name, vm), described.PathAt)));
            }

            foreach (var (path, at) in written)
            {
                string full = Path.GetFullPath(path);
                if (!writers.TryAdd(full, job.Spec.Name))
                {
                    errors.Add(new PipelineError(at, $"\"{path}\" is also written by job \"{writers[full]}\""));
                }
            }
        }
    }

    /// <summary>No kept output, VM description or definition may be a file any job of the run reads.</summary>
    private static void CheckReadFiles(List<PlannedJob> jobs, FilesRead read, List<PipelineError> errors)
    {
        foreach (var job in jobs)
        {
            var written = job.Outputs.Where(o => o.Step.Keep).Select(o => (o.Path, o.Step.PathAt)).ToList();
            if (job.Described is { } described)
            {
                written.AddRange(job.FilesBeside.Select(file => (file, described.PathAt)));
            }

            foreach (var (path, at) in written)
            {
                if ((read.Problem(path) ?? read.Problem(path + AtomicOutputFile.PartialSuffix)) is { } problem)
                {
                    errors.Add(new PipelineError(at, problem + JobRunner.OverwriteCannotHelp));
                }
            }
        }
    }

    /// <summary>Fixed targets reserve their whole size: they must fit the free space of their filesystem.</summary>
    private static void CheckSpace(List<PlannedJob> jobs, List<PipelineError> errors)
    {
        var mounts = DriveInfo.GetDrives().Where(d => d.IsReady).OrderByDescending(d => d.RootDirectory.FullName.Length).ToList();
        var needs = new Dictionary<string, (long Bytes, PlannedOutput First)>(StringComparer.Ordinal);
        foreach (var output in jobs.SelectMany(j => j.Outputs).Where(o => o.Step.Keep && o.Reserves))
        {
            string full = Path.GetFullPath(output.Path);
            var drive = mounts.FirstOrDefault(d => IsUnder(full, d.RootDirectory.FullName));
            if (drive is null)
            {
                continue;
            }

            var (bytes, first) = needs.GetValueOrDefault(drive.RootDirectory.FullName, (0, output));
            needs[drive.RootDirectory.FullName] = (bytes + output.Capacity, first);
        }

        foreach (var (root, (bytes, first)) in needs)
        {
            long free = mounts.First(d => d.RootDirectory.FullName == root).AvailableFreeSpace;
            if (bytes > free)
            {
                errors.Add(new PipelineError(first.Step.PathAt, $"fixed targets on {root} need {ByteSize.Format(bytes)}, but only {ByteSize.Format(free)} is free"));
            }
        }
    }

    /// <summary>True when <paramref name="path"/> lies on the mount at <paramref name="root"/> ("/home2/x" is not under "/home").</summary>
    private static bool IsUnder(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || root == Path.GetPathRoot(root);
}
