using V2V.Core.Disks;
using V2V.Core.Vm;

namespace V2V.Jobs.Sources;

/// <summary>A job's source, opened: one disk (<see cref="Disk"/>), or VMs with their disks (<see cref="Vms"/>).</summary>
public sealed class OpenedSource : IDisposable
{
    private OpenedSource(string format, IDiskSource? disk, IVmSource? vms)
    {
        Format = format;
        Disk = disk;
        Vms = vms;
    }

    /// <summary>What the source was found to be: "raw", "vhdx", "ova", "vsphere".</summary>
    public string Format { get; }

    public IDiskSource? Disk { get; }

    public IVmSource? Vms { get; }

    public bool IsVm => Vms is not null;

    /// <summary>Local files the source reads once opened (none for a source that is not a local file); no output may be one of them.</summary>
    public IReadOnlyList<string> Files => Disk?.Files ?? Vms!.Files;

    public static OpenedSource OfDisk(string format, IDiskSource disk) => new(format, disk, null);

    public static OpenedSource OfVms(string format, IVmSource vms) => new(format, null, vms);

    public void Dispose()
    {
        Disk?.Dispose();
        Vms?.Dispose();
    }
}
