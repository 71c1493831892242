using V2V.Core.Errors;
using V2V.Core.Vm;
using V2V.DiskFormats.Common;
using static V2V.Adapters.XenServer.Xva.XmlRpcValue;

namespace V2V.Adapters.XenServer.Xva;

/// <summary>A disk of an exported VM: its VDI reference (the tar folder of its chunks) and virtual size.</summary>
public sealed record XvaDisk(VmDescription Vm, int Number, string VdiRef, long VirtualSize, string Label);

/// <summary>
/// ova.xml, the first member of an XVA: XML-RPC records of the VM, its VBDs, VDIs, VIFs and
/// networks, keyed by "Ref:N". Parsed with DTDs disabled; every number is bounded.
/// </summary>
public sealed class XvaMetadata
{
    public const int MaxLength = 64 * 1024 * 1024;
    public const long MaxVirtualSize = 64L << 40;

    private XvaMetadata(IReadOnlyList<VmDescription> vms, IReadOnlyList<XvaDisk> disks, IReadOnlySet<string> skipped)
    {
        Vms = vms;
        Disks = disks;
        Skipped = skipped;
    }

    public IReadOnlyList<VmDescription> Vms { get; }
    public IReadOnlyList<XvaDisk> Disks { get; }

    /// <summary>VDIs exported with the VM that are not disks: the memory image of a suspended VM (VDI type "suspend").</summary>
    public IReadOnlySet<string> Skipped { get; }

    public static XvaMetadata Parse(string file, byte[] xml)
    {
        var document = UntrustedXml.Load(file, "ova.xml", xml, MaxLength);

        if (document.Root is not { Name.LocalName: "value" } root || XmlRpcValue.Parse(file, root) is not IReadOnlyDictionary<string, object?> top)
        {
            throw new InvalidImageException(file, "ova.xml is not an XML-RPC struct");
        }

        var objects = new Dictionary<string, (string Class, IReadOnlyDictionary<string, object?> Record)>(StringComparer.Ordinal);
        foreach (var item in top.TryGetValue("objects", out var list) && list is List<object?> items ? items.OfType<IReadOnlyDictionary<string, object?>>() : [])
        {
            if (Text(item, "id") is { } id && Text(item, "class") is { } cls)
            {
                objects[id] = (cls, Struct(item, "snapshot"));
            }
        }

        var vmRecords = objects.Where(o => o.Value.Class == "VM").Select(o => (Ref: o.Key, o.Value.Record))
            .Where(v => Text(v.Record, "is_a_snapshot") != "true" && Text(v.Record, "is_control_domain") != "true").ToList();
        if (vmRecords.Count == 0)
        {
            throw new InvalidImageException(file, "ova.xml describes no VM");
        }

        var vms = new List<VmDescription>();
        var disks = new List<XvaDisk>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var byVdi = new Dictionary<string, XvaDisk>(StringComparer.Ordinal);
        foreach (var (vmRef, vm) in vmRecords)
        {
            var vbds = Refs(vm, "VBDs").Where(objects.ContainsKey).Select(r => objects[r].Record)
                .Where(v => string.Equals(Text(v, "type"), "Disk", StringComparison.OrdinalIgnoreCase) || string.Equals(Text(v, "type"), "CD", StringComparison.OrdinalIgnoreCase))
                .OrderBy(v => Number(v, "userdevice") ?? int.MaxValue).ToList();
            var drives = new List<VmDrive>();
            var vdis = new List<(string Ref, long Size, string Label)>();
            foreach (var vbd in vbds)
            {
                bool isCd = string.Equals(Text(vbd, "type"), "CD", StringComparison.OrdinalIgnoreCase);
                string? vdiRef = Text(vbd, "VDI");
                var vdi = vdiRef is not null && objects.TryGetValue(vdiRef, out var v) ? v.Record : null;
                long? size = vdi is null ? null : Number(vdi, "virtual_size");
                if (size is < 0 or > MaxVirtualSize)
                {
                    throw new InvalidImageException(file, $"VDI {vdiRef} virtual_size {size} is beyond 64 TiB");
                }

                drives.Add(new VmDrive(isCd ? DriveKind.CdRom : DriveKind.Disk, ControllerKind.Xen, isCd ? null : "xen-vbd", 0,
                    (int)Math.Clamp(Number(vbd, "userdevice") ?? 0, 0, 1 << 16), isCd ? null : vdiRef, size, Text(vbd, "bootable") == "true"));
                if (!isCd && vdi is not null && size is > 0)
                {
                    vdis.Add((vdiRef!, size.Value, Text(vdi, "name_label") ?? vdiRef!));
                }
            }

            var nics = Refs(vm, "VIFs").Where(objects.ContainsKey).Select(r => objects[r].Record)
                .OrderBy(f => Number(f, "device") ?? int.MaxValue)
                .Select(f => new VmNic(
                    (int)Math.Clamp(Number(f, "device") ?? 0, 0, 1 << 16),
                    Text(f, "MAC")?.ToLowerInvariant(),
                    StaticMac: true,
                    Text(f, "network") is { } net && objects.TryGetValue(net, out var n) ? Text(n.Record, "name_label") : null,
                    "xen-vif"))
                .ToList();

            var boot = Struct(vm, "HVM_boot_params");
            var other = new List<string>();
            if (string.IsNullOrEmpty(Text(vm, "HVM_boot_policy")))
            {
                other.Add("xen-pv-guest"); // paravirtualised: boots through Xen's PV kernel path, not firmware
            }

            var description = new VmDescription(
                Name: Text(vm, "name_label") is { Length: > 0 } label ? label : vmRef,
                SourceHypervisor: "xenserver",
                SourceId: Text(vm, "uuid"),
                Firmware: string.Equals(Text(boot, "firmware"), "uefi", StringComparison.OrdinalIgnoreCase) ? Firmware.Uefi : Firmware.Bios,
                Cpus: (int)Math.Clamp(Number(vm, "VCPUs_max") ?? Number(vm, "VCPUs_at_startup") ?? 1, 1, 4096),
                MemoryMiB: Math.Clamp(Number(vm, "memory_static_max") ?? 0, 0, 1L << 50) / (1024 * 1024),
                GuestOs: GuestOs(objects, vm),
                Drives: drives,
                Nics: nics,
                OtherDevices: other)
            {
                PowerState = Text(vm, "power_state") is { Length: > 0 } state ? state : null,
            };

            // preserve-power-state=true exports the memory image as a VDI with no VBD: not a disk.
            if (Text(vm, "suspend_VDI") is { } suspendRef && objects.TryGetValue(suspendRef, out var suspend) && suspend.Class == "VDI"
                && string.Equals(Text(suspend.Record, "type"), "suspend", StringComparison.OrdinalIgnoreCase))
            {
                skipped.Add(suspendRef);
                description = description with
                {
                    SourceWarnings = [$"the VM was exported suspended: its memory image (VDI {suspendRef}) is not a disk and is not converted; the VM will cold-boot (start fresh, as after a power loss)"],
                };
            }

            vms.Add(description);
            foreach (var (vdi, i) in vdis.Select((d, i) => (d, i)))
            {
                // One VDI's chunks arrive once: two disks cannot both be fed from them.
                if (byVdi.TryGetValue(vdi.Ref, out var taken))
                {
                    throw new UnsupportedFormatException(file, $"VDI {vdi.Ref} is attached twice (to \"{taken.Vm.Name}\" disk {taken.Number} and \"{description.Name}\" disk {i + 1})");
                }

                byVdi[vdi.Ref] = new XvaDisk(description, i + 1, vdi.Ref, vdi.Size, vdi.Label);
                disks.Add(byVdi[vdi.Ref]);
            }
        }

        return new XvaMetadata(vms, disks, skipped);
    }

    private static string? GuestOs(Dictionary<string, (string Class, IReadOnlyDictionary<string, object?> Record)> objects, IReadOnlyDictionary<string, object?> vm)
    {
        if (Text(vm, "guest_metrics") is { } metricsRef && objects.TryGetValue(metricsRef, out var metrics))
        {
            var os = Struct(metrics.Record, "os_version");
            if (Text(os, "name") is { Length: > 0 } name)
            {
                return name;
            }
        }

        return Struct(vm, "other_config").TryGetValue("base_template_name", out var template) ? template as string : null;
    }
}
