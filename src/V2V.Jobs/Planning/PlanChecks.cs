using V2V.Core;
using V2V.Jobs.Running;
using V2V.Core.Output;

namespace V2V.Jobs.Planning;

/// <summary>The checks a plan makes across jobs: shared outputs, outputs that are read files, free space for fixed targets.</summary>
internal static class PlanChecks
{
    public static void Collisions(List<PlannedJob> jobs, List<JobFileError> errors)
    {
        var writers = new Dictionary<string, string>(FilesRead.PathComparer);
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
                    errors.Add(new JobFileError(at, $"\"{path}\" is also written by job \"{writers[full]}\""));
                }
            }
        }
    }

    /// <summary>No kept output, VM description or definition may be a file any job of the run reads.</summary>
    public static void ReadFiles(List<PlannedJob> jobs, FilesRead read, List<JobFileError> errors)
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
                    errors.Add(new JobFileError(at, problem + JobRunner.OverwriteCannotHelp));
                }
            }
        }
    }

    /// <summary>Fixed targets reserve their whole size: they must fit the free space of their filesystem.</summary>
    public static void Space(List<PlannedJob> jobs, List<JobFileError> errors)
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
                errors.Add(new JobFileError(first.Step.PathAt, $"fixed targets on {root} need {ByteSize.Format(bytes)}, but only {ByteSize.Format(free)} is free"));
            }
        }
    }

    /// <summary>True when <paramref name="path"/> lies on the mount at <paramref name="root"/> ("/home2/x" is not under "/home").</summary>
    private static bool IsUnder(string path, string root) =>
        path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) || root == Path.GetPathRoot(root);
}
