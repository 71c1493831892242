using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;

namespace V2V.Core.Conversion;

/// <summary>A converted disk of a VM: its number, the files written and the content digest.</summary>
public sealed record ConvertedDisk(int Disk, string File, string Source, long Capacity, string Digest, bool Verified, long DataBytesRead);

/// <summary>What <c>&lt;vm&gt;.vm.json</c> holds: the VM's description and its converted disks.</summary>
/// <param name="Warnings">What the target hypervisor's definition could not map (not written to vm.json).</param>
public sealed record ConvertedVm(VmDescription Vm, IReadOnlyList<ConvertedDisk> Disks, IReadOnlyList<string>? Warnings = null);

/// <summary>One output every disk of a VM package gets: format, subformat, sizes, and where the file for (vm, disk n) goes.</summary>
public sealed record VmOutputSpec(ITargetFormat Format, string? Subformat, long? BlockSize, int? LogicalSectorSize, Func<VmDescription, int, string> PathFor);

/// <summary>
/// Converts every disk of every VM in a package, each disk read once and written to every output
/// spec, and writes <c>&lt;vm&gt;.vm.json</c> for each VM. All outputs are renamed into place
/// together at the end, after the package's own checks (manifests, checksums) passed, or none are.
/// </summary>
public static class VmConverter
{
    /// <summary>The CLI's form: every disk as <c>&lt;vm&gt;-diskN.&lt;ext&gt;</c> in one folder.</summary>
    public static Task<IReadOnlyList<ConvertedVm>> ConvertAsync(IVmSource source, string folder, VmOutputSpec spec, bool overwrite,
        FormatRegistry registry, ConversionOptions options, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken) =>
        ConvertAsync(source, folder, spec, overwrite, registry, options, null, progress, cancellationToken);

    /// <summary>As above, with a target hypervisor's VM definition written beside each VM's description.</summary>
    public static Task<IReadOnlyList<ConvertedVm>> ConvertAsync(IVmSource source, string folder, VmOutputSpec spec, bool overwrite,
        FormatRegistry registry, ConversionOptions options, IVmDefinitionWriter? definitions, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        if (File.Exists(folder))
        {
            throw new Errors.UsageException($"{folder}: a VM package converts into a folder, and this is a file");
        }

        return ConvertAsync(source, [spec], 0, vm => Path.Combine(folder, $"{vm.FileSafeName}.vm.json"), overwrite, registry, options, definitions, progress, cancellationToken);
    }

    /// <param name="described">The spec whose files the descriptions and definitions name.</param>
    public static async Task<IReadOnlyList<ConvertedVm>> ConvertAsync(
        IVmSource source,
        IReadOnlyList<VmOutputSpec> specs,
        int described,
        Func<VmDescription, string> descriptionPath,
        bool overwrite,
        FormatRegistry registry,
        ConversionOptions options,
        IVmDefinitionWriter? definitions,
        IProgress<ConversionProgress>? progress,
        CancellationToken cancellationToken,
        FilesRead? read = null)
    {
        read ??= new FilesRead();
        read.AddRange(source.Files);
        foreach (var vm in source.Vms)
        {
            // Refused before anything is written; each disk's own files are checked again as it comes.
            read.Refuse(descriptionPath(vm));
            int disks = vm.Disks.Count();
            foreach (var spec in specs)
            {
                for (int n = 1; n <= disks; n++)
                {
                    if (Output.AtomicOutputFile.NameProblem(spec.PathFor(vm, n)) is { } problem)
                    {
                        throw new Errors.UsageException(problem);
                    }

                    read.Refuse(spec.PathFor(vm, n));
                }
            }
        }

        var folders = source.Vms.SelectMany(vm => specs.Select(s => Path.GetDirectoryName(Path.GetFullPath(s.PathFor(vm, 1)))!).Append(Path.GetDirectoryName(Path.GetFullPath(descriptionPath(vm)))!)).Distinct().ToList();
        var created = folders.Where(f => !Directory.Exists(f)).ToList();
        try
        {
            using var outputs = new OutputSet(overwrite, options.Durable, read);
            var converted = source.Vms.ToDictionary(vm => vm, _ => new List<ConvertedDisk>());
            await source.ForEachDiskAsync(async feed =>
            {
                read.AddRange(feed.SourceFiles);
                var plans = specs.Select(s => new TargetPlan(s.Format, new TargetRequest(s.PathFor(feed.Vm, feed.DiskNumber), feed.Producer.Length, s.Subformat, s.BlockSize, s.LogicalSectorSize ?? 512))).ToList();
                var outcome = await DiskConverter.ConvertIntoAsync(feed.Producer, feed.Name, plans, outputs, registry, options, progress, cancellationToken).ConfigureAwait(false);
                lock (converted)
                {
                    converted[feed.Vm].Add(new ConvertedDisk(feed.DiskNumber, Path.GetFileName(plans[described].Request.Path), feed.Name, outcome.SourceCapacity, outcome.Copy.Digest, outcome.Targets.All(t => t.VerifiedDigest is not null), outcome.Copy.DataBytesRead));
                }
            }, cancellationToken).ConfigureAwait(false);

            var result = new List<ConvertedVm>();
            foreach (var vm in source.Vms)
            {
                var record = new ConvertedVm(vm, [.. converted[vm].OrderBy(d => d.Disk)]);
                outputs.WriteText(descriptionPath(vm), VmDescriptionJson.Serialize(record));
                var warnings = definitions?.Write(record, Path.GetDirectoryName(Path.GetFullPath(descriptionPath(vm)))!, n => outputs.PartialPathOf(specs[described].PathFor(vm, n)), outputs) ?? [];
                result.Add(record with { Warnings = [.. vm.SourceWarnings, .. warnings] });
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
}
