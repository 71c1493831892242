using V2V.Core.Vm;

namespace V2V.Adapters.VMware.Ovf;

/// <summary>Where each package file's disk goes: which VM, which disk number.</summary>
public sealed record OvfDiskTarget(VmDescription Vm, int DiskNumber, OvfDisk Disk, OvfFile File);

/// <summary>Joins VirtualSystems' drives to DiskSection disks and References files.</summary>
public static class OvfDiskMap
{
    public static (IReadOnlyList<VmDescription> Vms, IReadOnlyList<OvfDiskTarget> Disks) Build(OvfEnvelope envelope, string name)
    {
        var vms = envelope.VirtualSystems.Select(system => OvfDescriptionReader.Read(envelope, system, name)).ToList();
        var targets = new List<OvfDiskTarget>();
        foreach (var vm in vms)
        {
            int number = 0;
            foreach (var drive in vm.Disks)
            {
                number++;
                var disk = envelope.Disks.FirstOrDefault(d => d.DiskId == drive.Source)
                    ?? throw new V2V.Core.Errors.InvalidImageException(name, $"VM \"{vm.Name}\" uses disk \"{drive.Source}\", which DiskSection does not define");
                if (disk.FileRef is null)
                {
                    continue; // a blank disk to be created on import: no data to convert
                }

                var file = envelope.Files.FirstOrDefault(f => f.Id == disk.FileRef)
                    ?? throw new V2V.Core.Errors.InvalidImageException(name, $"disk \"{disk.DiskId}\" refers to file \"{disk.FileRef}\", which References does not list");
                if (file.Compression is not (null or "identity" or "gzip"))
                {
                    throw new V2V.Core.Errors.UnsupportedFormatException(name, $"file \"{file.Href}\" uses compression \"{file.Compression}\" (gzip is the only one OVF defines)");
                }

                targets.Add(new OvfDiskTarget(vm, number, disk, file));
            }
        }

        return (vms, targets);
    }
}
