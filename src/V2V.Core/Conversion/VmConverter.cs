using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;

namespace V2V.Core.Conversion;

/// <summary>A converted disk of a VM: its number, the file written and the content digest.</summary>
public sealed record ConvertedDisk(int Disk, string File, string Source, long Capacity, string Digest, bool Verified);

/// <summary>What <c>&lt;vm&gt;.vm.json</c> holds: the VM's description and its converted disks.</summary>
public sealed record ConvertedVm(VmDescription Vm, IReadOnlyList<ConvertedDisk> Disks);

/// <summary>How every disk of a VM package is written: format, subformat, block and sector size.</summary>
public sealed record VmTargetSpec(ITargetFormat Format, string? Subformat, long? BlockSize, int? LogicalSectorSize, string Extension);

/// <summary>
/// Converts every disk of every VM in a package into a folder, as <c>&lt;vm&gt;-diskN.&lt;ext&gt;</c>,
/// and writes <c>&lt;vm&gt;.vm.json</c> beside them. All outputs are renamed into place together
/// at the end, after the package's own checks (manifests, checksums) passed, or none are.
/// </summary>
public static class VmConverter
{
    public static async Task<IReadOnlyList<ConvertedVm>> ConvertAsync(
        IVmSource source,
        string folder,
        VmTargetSpec spec,
        bool overwrite,
        FormatRegistry registry,
        ConversionOptions options,
        IProgress<ConversionProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (File.Exists(folder))
        {
            throw new Errors.UsageException($"{folder}: a VM package converts into a folder, and this is a file");
        }

        bool created = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        try
        {
            return await ConvertIntoAsync(source, folder, spec, overwrite, registry, options, progress, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Leave no trace: not even the folder, if this run made it and it stayed empty.
            if (created && !Directory.EnumerateFileSystemEntries(folder).Any())
            {
                Directory.Delete(folder);
            }

            throw;
        }
    }

    private static async Task<IReadOnlyList<ConvertedVm>> ConvertIntoAsync(IVmSource source, string folder, VmTargetSpec spec, bool overwrite,
        FormatRegistry registry, ConversionOptions options, IProgress<ConversionProgress>? progress, CancellationToken cancellationToken)
    {
        using var outputs = new OutputSet(overwrite, options.Durable);
        var converted = source.Vms.ToDictionary(vm => vm, _ => new List<ConvertedDisk>());
        await source.ForEachDiskAsync(async feed =>
        {
            string file = $"{feed.Vm.FileSafeName}-disk{feed.DiskNumber}.{spec.Extension}";
            var plan = new TargetPlan(spec.Format, new TargetRequest(Path.Combine(folder, file), feed.Producer.Length, spec.Subformat, spec.BlockSize, spec.LogicalSectorSize ?? 512));
            var outcome = await DiskConverter.ConvertIntoAsync(feed.Producer, feed.Name, feed.SourceFiles, [plan], outputs, registry, options, progress, cancellationToken).ConfigureAwait(false);
            lock (converted)
            {
                converted[feed.Vm].Add(new ConvertedDisk(feed.DiskNumber, file, feed.Name, outcome.SourceCapacity, outcome.Copy.Digest, outcome.Targets[0].VerifiedDigest is not null));
            }
        }, cancellationToken).ConfigureAwait(false);

        var result = new List<ConvertedVm>();
        foreach (var vm in source.Vms)
        {
            var record = new ConvertedVm(vm, [.. converted[vm].OrderBy(d => d.Disk)]);
            outputs.WriteText(Path.Combine(folder, $"{vm.FileSafeName}.vm.json"), VmDescriptionJson.Serialize(record));
            result.Add(record);
        }

        outputs.CommitAll();
        return result;
    }
}
