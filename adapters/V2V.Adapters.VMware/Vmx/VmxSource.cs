using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.VMware.Vmx;

/// <summary>
/// A VM's .vmx and the disks it names, each opened by content (a VMDK with its snapshot chain,
/// usually) and read in parallel. An ESXi path to another datastore is taken as the same file name
/// beside the .vmx when that file exists, and refused otherwise.
/// </summary>
public sealed class VmxSource : IVmSource
{
    private readonly SourceOptions _options;
    private readonly FormatRegistry _formats;

    private readonly List<string> _files;

    private VmxSource(string path, VmDescription vm, SourceOptions options, FormatRegistry formats, List<string>? files = null)
    {
        Path = path;
        Vms = [vm];
        _files = files ?? [path];
        _options = options;
        _formats = formats;
    }

    public string Path { get; }
    public string Format => "vmx";
    public IReadOnlyList<VmDescription> Vms { get; }
    public IReadOnlyList<string> Files => _files;

    public static VmxSource Open(string path, SourceOptions options, FormatRegistry formats)
    {
        var vmx = VmxFile.Load(path);
        if (vmx.IsEncrypted)
        {
            throw new UnsupportedFormatException(path, "the VM's configuration is encrypted (VMware Workstation encrypts it for a VM with a vTPM); its disks may not be: convert the .vmdk files directly, or remove the encryption in Workstation (VM Settings > Options > Access Control) first");
        }

        var vm = VmxDescriptionReader.Read(vmx, System.IO.Path.GetFileNameWithoutExtension(path));
        var source = new VmxSource(path, vm, options, formats);

        // The VMX does not say how large its disks are; their headers do. Known capacities let a
        // pipeline check its targets (VHD's 2040 GiB, free space for fixed disks) before any copy.
        var drives = vm.Drives.Select(d => d is { Kind: DriveKind.Disk, Source: { } name } ? d with { Capacity = source.CapacityOf(name) } : d).ToList();
        return new VmxSource(path, vm with { Drives = drives }, options, formats, source._files);
    }

    /// <summary>The disk's capacity, or null when it cannot be opened now (the conversion then says why).</summary>
    private long? CapacityOf(string name)
    {
        try
        {
            using var disk = _formats.Open(Resolve(name), _options);
            _files.AddRange(disk.Files);
            return disk.Capacity;
        }
        catch (Exception e) when (e is V2VException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public async Task ForEachDiskAsync(Func<VmDiskFeed, Task> convert, CancellationToken cancellationToken)
    {
        var vm = Vms[0];
        int number = 0;
        foreach (var drive in vm.Disks)
        {
            number++;
            cancellationToken.ThrowIfCancellationRequested();
            string name = drive.Source ?? throw new InvalidImageException(Path, $"disk {drive.Controller}{drive.Bus}:{drive.Unit} names no fileName");
            string file = Resolve(name);
            using var disk = _formats.Open(file, _options);
            await convert(new VmDiskFeed(vm, number, file, new RandomAccessProducer(disk, disk.Capacity), [Path, .. disk.Files])).ConfigureAwait(false);
        }
    }

    private string Resolve(string name)
    {
        string resolved;
        try
        {
            resolved = SafePath.Resolve(Path, name, _options.AllowExternalFiles);
        }
        catch (UnsafePathException)
        {
            string beside = System.IO.Path.GetFileName(name.Replace('\\', '/'));
            if (!File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, beside)))
            {
                throw;
            }

            resolved = SafePath.Resolve(Path, beside, allowExternal: false);
        }

        return File.Exists(resolved) ? resolved : throw new InvalidImageException(Path, $"disk file \"{name}\" does not exist");
    }

    public void Dispose()
    {
    }
}
