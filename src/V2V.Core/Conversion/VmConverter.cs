using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;

namespace V2V.Core.Conversion;

/// <summary>
/// Converts every disk of every VM in a package, each disk read once and written to every output
/// spec, and writes <c>&lt;vm&gt;.vm.json</c> for each VM (with the
/// guest the definition writer found on the boot disk). All outputs are renamed into place
/// together at the end, after the package's own checks (manifests, checksums) passed, or none are.
/// </summary>
public static class VmConverter
{
    /// <summary>Converts the request's package; returns each VM with the final paths of everything written for it.</summary>
    /// <exception cref="Errors.UsageException">An output is refused before anything is written (a bad name, a file the run reads).</exception>
    /// <exception cref="Errors.OutputExistsException">An output exists and <see cref="VmConversionRequest.Overwrite"/> is not set.</exception>
    public static async Task<IReadOnlyList<ConvertedVm>> ConvertAsync(VmConversionRequest request, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        var (source, specs) = (request.Source, request.Outputs);
        int described = IndexOf(specs, request.Described);
        var read = request.Read ?? new FilesRead();
        read.AddRange(source.Files);
        foreach (var vm in source.Vms)
        {
            // Refused before anything is written; each disk's own files are checked again as it comes.
            read.Refuse(request.DescriptionPath(vm));
            int disks = vm.Disks.Count();
            foreach (var spec in specs)
            {
                for (int n = 1; n <= disks; n++)
                {
                    if (AtomicOutputFile.NameProblem(spec.PathFor(vm, n)) is { } problem)
                    {
                        throw new Errors.UsageException(problem);
                    }

                    read.Refuse(spec.PathFor(vm, n));
                }
            }
        }

        var folders = source.Vms.SelectMany(vm => specs.Select(s => Path.GetDirectoryName(Path.GetFullPath(s.PathFor(vm, 1)))!).Append(Path.GetDirectoryName(Path.GetFullPath(request.DescriptionPath(vm)))!)).Distinct().ToList();
        var created = folders.Where(f => !Directory.Exists(f)).ToList();
        try
        {
            using var outputs = new OutputSet(request.Overwrite, request.Options.Durable, read);
            var converted = source.Vms.ToDictionary(vm => vm, _ => new List<ConvertedDisk>());
            await source.ForEachDiskAsync(async feed =>
            {
                read.AddRange(feed.SourceFiles);
                var plans = specs.Select(s => new TargetPlan(s.Format, new TargetRequest(s.PathFor(feed.Vm, feed.DiskNumber), feed.Producer.Length, s.Subformat, s.BlockSize, s.LogicalSectorSize ?? 512))).ToList();
                var options = feed.BusyThreads > 0
                    ? request.Options with { Pipeline = request.Options.Pipeline with { Workers = Math.Max(1, Math.Min(request.Options.Pipeline.Workers, Environment.ProcessorCount) - feed.BusyThreads) } }
                    : request.Options;
                var outcome = await DiskConverter.ConvertIntoAsync(new DiskFeedRequest(feed.Producer, feed.Name, plans, outputs, request.Formats, options), progress, cancellationToken).ConfigureAwait(false);
                lock (converted)
                {
                    converted[feed.Vm].Add(ConvertedDisk.Converted(feed.DiskNumber, outcome, described));
                }
            }, cancellationToken).ConfigureAwait(false);

            var result = new List<ConvertedVm>();
            foreach (var vm in source.Vms)
            {
                string descriptionPath = Path.GetFullPath(request.DescriptionPath(vm));
                var record = new ConvertedVm(vm, [.. converted[vm].OrderBy(d => d.Disk)]) { DescriptionPath = descriptionPath };
                // The definition first: it inspects the converted boot disk, and vm.json stores what it found.
                var defined = request.Definitions?.Write(record, Path.GetDirectoryName(descriptionPath)!, n => outputs.PartialPathOf(request.Described.PathFor(vm, n)), outputs);
                record = record with { Guest = defined?.Guest };
                outputs.WriteText(descriptionPath, VmDescriptionJson.Serialize(record));
                var guestWarnings = record.Disks.SelectMany(d => d.Targets).SelectMany(t => t.Guest?.Warnings ?? []);
                result.Add(record with { Warnings = [.. vm.SourceWarnings, .. guestWarnings, .. defined?.Warnings ?? []] });
            }

            // CommitAll checks every output against every disk's files once more (one disk's output
            // must not be renamed over a disk read later).
            outputs.CommitAll();
            return result;
        }
        catch
        {
            // Leave no trace: not even the folders this run made, if they stayed empty.
            foreach (var folder in created.Where(f => Directory.Exists(f) && !Directory.EnumerateFileSystemEntries(f).Any()))
            {
                Directory.Delete(folder);
            }

            throw;
        }
    }

    private static int IndexOf(IReadOnlyList<VmOutputSpec> specs, VmOutputSpec described)
    {
        for (int i = 0; i < specs.Count; i++)
        {
            if (ReferenceEquals(specs[i], described))
            {
                return i;
            }
        }

        throw new ArgumentException("the described output is not one of the request's outputs", nameof(described));
    }
}
