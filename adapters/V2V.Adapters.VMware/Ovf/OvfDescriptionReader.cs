using System.Globalization;
using System.Xml.Linq;
using V2V.Core.Vm;
using static V2V.Adapters.VMware.Ovf.OvfEnvelope;

namespace V2V.Adapters.VMware.Ovf;

/// <summary>
/// Turns an OVF VirtualSystem into the neutral VM description: CIM resource items (3 CPU, 4 memory,
/// 5 IDE, 6 SCSI, 20 SATA/NVMe, 17 disk, 15/16 CD/DVD, 10 NIC) and the firmware from vmw:Config
/// (VMware) or vbox:Machine (VirtualBox). A drive's Source is the OVF disk id.
/// </summary>
public static class OvfDescriptionReader
{
    private const long MaxMemoryMiB = 1L << 30; // 1 PiB

    public static VmDescription Read(OvfEnvelope envelope, XElement system, string name)
    {
        var hardware = Children(system, "VirtualHardwareSection").FirstOrDefault();
        var items = hardware is null ? [] : Children(hardware, "Item").Concat(Children(hardware, "StorageItem")).Concat(Children(hardware, "EthernetPortItem")).ToList();
        var byInstance = new Dictionary<string, XElement>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (Value(item, "InstanceID") is { } id)
            {
                byInstance[id] = item;
            }
        }

        int cpus = 1;
        long memoryMiB = 0;
        var drives = new List<VmDrive>();
        var nics = new List<VmNic>();
        var other = new List<string>();
        foreach (var item in items)
        {
            switch (Value(item, "ResourceType"))
            {
                case "3":
                    cpus = (int)Math.Clamp(Number(item, "VirtualQuantity") ?? 1, 1, 4096);
                    break;
                case "4":
                    long quantity = Math.Max(Number(item, "VirtualQuantity") ?? 0, 0);
                    long factor = UnitFactor(name, Value(item, "AllocationUnits") ?? "byte * 2^20");
                    // In floating point and capped at 1 PiB: a hostile quantity must not wrap to a small or negative size.
                    memoryMiB = (long)Math.Min((double)quantity * factor / (1 << 20), MaxMemoryMiB);
                    break;
                case "17":
                    drives.Add(Drive(envelope, item, byInstance, DriveKind.Disk));
                    break;
                case "15" or "16":
                    drives.Add(Drive(envelope, item, byInstance, DriveKind.CdRom));
                    break;
                case "10":
                    string? mac = Value(item, "Address") ?? VirtualBoxMac(system, nics.Count);
                    nics.Add(new VmNic(nics.Count, mac?.ToLowerInvariant(), mac is not null, Value(item, "Connection"), Value(item, "ResourceSubType")));
                    break;
                case "14":
                    other.Add("floppy");
                    break;
                case "21":
                    other.Add("serial");
                    break;
                case "23":
                    other.Add("usb");
                    break;
                case "35":
                    other.Add("sound");
                    break;
            }
        }

        var os = Children(system, "OperatingSystemSection").FirstOrDefault();
        return new VmDescription(
            Name: Children(system, "Name").FirstOrDefault()?.Value.Trim() is { Length: > 0 } n ? n : Attr(system, "id") ?? "vm",
            SourceHypervisor: HypervisorOf(system),
            SourceId: Attr(system, "id"),
            Firmware: FirmwareOf(system),
            Cpus: cpus,
            MemoryMiB: memoryMiB,
            GuestOs: os is null ? null : Attr(os, "osType") ?? Children(os, "Description").FirstOrDefault()?.Value,
            Drives: VmDescription.InControllerOrder(drives),
            Nics: nics,
            OtherDevices: [.. other.Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Which product wrote the OVF, from its own marks: VirtualBox's vbox:Machine, XenServer's
    /// xenovf namespace or "hvm-3.0-*"/"xen-3.0-*" system types, VMware's vmw: namespace or "vmx-NN"
    /// system types; "unknown" when it carries none.
    /// </summary>
    private static string HypervisorOf(XElement system)
    {
        var root = system.Document?.Root ?? system;
        var namespaces = root.DescendantsAndSelf().SelectMany(e => e.Attributes().Where(a => a.IsNamespaceDeclaration).Select(a => a.Value).Append(e.Name.NamespaceName)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var types = system.Descendants().Where(e => e.Name.LocalName == "VirtualSystemType").Select(e => e.Value.Trim()).ToList();
        if (system.Descendants().Any(e => e.Name.LocalName == "Machine" && e.Name.NamespaceName.Contains("virtualbox", StringComparison.OrdinalIgnoreCase)))
        {
            return "virtualbox";
        }

        if (namespaces.Any(n => n.Contains("citrix.com/ovf", StringComparison.OrdinalIgnoreCase))
            || types.Any(t => t.StartsWith("hvm-", StringComparison.OrdinalIgnoreCase) || t.StartsWith("xen-", StringComparison.OrdinalIgnoreCase)))
        {
            return "xenserver";
        }

        return namespaces.Any(n => n.Contains("vmware.com/schema/ovf", StringComparison.OrdinalIgnoreCase))
            || types.Any(t => t.StartsWith("vmx-", StringComparison.OrdinalIgnoreCase)) ? "vmware" : "unknown";
    }

    /// <summary>VirtualBox records a NIC's MAC only in vbox:Machine/Hardware/Network/Adapter slot="N" MACAddress="080027000001".</summary>
    private static string? VirtualBoxMac(XElement system, int slot)
    {
        var adapter = system.Descendants().Where(e => e.Name.LocalName == "Adapter" && e.Parent?.Name.LocalName == "Network"
            && e.Ancestors().Any(a => a.Name.LocalName == "Machine" && a.Name.NamespaceName.Contains("virtualbox", StringComparison.OrdinalIgnoreCase)))
            .FirstOrDefault(e => Attr(e, "slot") == slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string? raw = adapter is null ? null : Attr(adapter, "MACAddress");
        if (raw is not { Length: 12 } || !raw.All(char.IsAsciiHexDigit))
        {
            return null;
        }

        return string.Join(':', Enumerable.Range(0, 6).Select(i => raw.Substring(i * 2, 2)));
    }

    private static VmDrive Drive(OvfEnvelope envelope, XElement item, Dictionary<string, XElement> byInstance, DriveKind kind)
    {
        var parent = Value(item, "Parent") is { } p && byInstance.TryGetValue(p, out var controller) ? controller : null;
        var (controllerKind, model) = parent is null ? (ControllerKind.Ide, null) : ControllerOf(parent);
        int bus = (int)(parent is null ? 0 : Number(parent, "Address") ?? 0);
        int unit = (int)(Number(item, "AddressOnParent") ?? 0);
        string? source = null;
        long? capacity = null;
        if (Value(item, "HostResource") is { } resource)
        {
            // "ovf:/disk/vmdisk1" names a DiskSection disk; "/disk/..." without the scheme occurs too.
            string id = resource[(resource.LastIndexOf('/') + 1)..];
            var disk = envelope.Disks.FirstOrDefault(d => d.DiskId == id);
            source = disk?.DiskId ?? id;
            capacity = disk?.Capacity;
        }

        return new VmDrive(kind, controllerKind, model, bus, unit, source, capacity);
    }

    private static (ControllerKind Kind, string? Model) ControllerOf(XElement controller)
    {
        string? subtype = Value(controller, "ResourceSubType");
        return Value(controller, "ResourceType") switch
        {
            "5" => (ControllerKind.Ide, subtype),
            "6" => (ControllerKind.Scsi, subtype switch
            {
                null => "lsilogic",
                _ when subtype.Equals("VirtualSCSI", StringComparison.OrdinalIgnoreCase) => "pvscsi",
                _ => subtype.ToLowerInvariant(),
            }),
            "20" when subtype?.Contains("nvme", StringComparison.OrdinalIgnoreCase) == true => (ControllerKind.Nvme, "nvme"),
            "20" => (ControllerKind.Sata, "ahci"),
            _ => (ControllerKind.Ide, subtype),
        };
    }

    private static Firmware FirmwareOf(XElement system)
    {
        foreach (var config in system.Descendants().Where(e => e.Name.LocalName == "Config"))
        {
            if (Attr(config, "key") == "firmware")
            {
                return string.Equals(Attr(config, "value"), "efi", StringComparison.OrdinalIgnoreCase) ? Firmware.Uefi : Firmware.Bios;
            }
        }

        // VirtualBox: vbox:Machine/Hardware/Firmware type="EFI" (or EFI64).
        var vboxFirmware = system.Descendants().FirstOrDefault(e => e.Name.LocalName == "Firmware" && Attr(e, "type") is not null);
        return vboxFirmware is not null && Attr(vboxFirmware, "type")!.StartsWith("EFI", StringComparison.OrdinalIgnoreCase) ? Firmware.Uefi : Firmware.Bios;
    }

    private static string? Value(XElement item, string localName) =>
        item.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value.Trim();

    private static long? Number(XElement item, string localName) =>
        long.TryParse(Value(item, localName), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;
}
