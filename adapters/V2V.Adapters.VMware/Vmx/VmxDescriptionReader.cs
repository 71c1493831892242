using System.Globalization;
using System.Text.RegularExpressions;
using V2V.Core.Vm;

namespace V2V.Adapters.VMware.Vmx;

/// <summary>Turns a .vmx into the neutral VM description: firmware, CPUs, memory, drives by controller position, NICs.</summary>
public static partial class VmxDescriptionReader
{
    // Numbers as VMware writes them (ASCII, no leading zeros): "scsi0:00" or Arabic-Indic digits
    // must not name scsi0:0 a second time.
    [GeneratedRegex(@"^(ide|sata|scsi|nvme)(0|[1-9][0-9]{0,2}):(0|[1-9][0-9]{0,2})\.present$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DrivePresent();

    [GeneratedRegex(@"^ethernet(0|[1-9][0-9]{0,2})\.present$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NicPresent();

    [GeneratedRegex(@"^(usb|usb_xhci|serial\d+|parallel\d+|sound|floppy\d+)\.present$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OtherPresent();

    public static VmDescription Read(VmxFile vmx, string fallbackName)
    {
        var drives = new List<VmDrive>();
        var nics = new List<VmNic>();
        var other = new List<string>();
        foreach (var key in vmx.Values.Keys)
        {
            if (DrivePresent().Match(key) is { Success: true } drive && vmx.IsTrue(key))
            {
                drives.Add(ReadDrive(vmx, drive.Groups[1].Value.ToLowerInvariant(), Int(drive.Groups[2].Value), Int(drive.Groups[3].Value)));
            }
            else if (NicPresent().Match(key) is { Success: true } nic && vmx.IsTrue(key))
            {
                nics.Add(ReadNic(vmx, Int(nic.Groups[1].Value)));
            }
            else if (OtherPresent().Match(key) is { Success: true } device && vmx.IsTrue(key))
            {
                other.Add(device.Groups[1].Value.ToLowerInvariant());
            }
        }

        return new VmDescription(
            Name: vmx.Get("displayName") ?? fallbackName,
            SourceHypervisor: "vmware",
            SourceId: vmx.Get("vc.uuid") ?? vmx.Get("uuid.bios"),
            Firmware: string.Equals(vmx.Get("firmware"), "efi", StringComparison.OrdinalIgnoreCase) ? Firmware.Uefi : Firmware.Bios,
            Cpus: Math.Clamp(Int(vmx.Get("numvcpus") ?? "1"), 1, 4096),
            MemoryMiB: Math.Max(Int(vmx.Get("memsize") ?? "0"), 0),
            GuestOs: vmx.Get("guestOS"),
            Drives: BootOrder(vmx, VmDescription.InControllerOrder(drives)),
            Nics: [.. nics.OrderBy(n => n.Index)],
            OtherDevices: [.. other.Order(StringComparer.Ordinal)]);
    }

    /// <summary>bios.hddOrder ("scsi0:0,sata0:3") names the disks the firmware tries first.</summary>
    private static IReadOnlyList<VmDrive> BootOrder(VmxFile vmx, IReadOnlyList<VmDrive> drives)
    {
        if (vmx.Get("bios.hddOrder") is not { Length: > 0 } order)
        {
            return drives;
        }

        var names = order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        int Rank(VmDrive d)
        {
            int at = names.FindIndex(n => string.Equals(n, $"{d.Controller}{d.Bus}:{d.Unit}", StringComparison.OrdinalIgnoreCase));
            return at < 0 ? int.MaxValue : at;
        }

        return [.. drives.Select((d, i) => (d, i)).OrderBy(x => Rank(x.d)).ThenBy(x => x.i).Select(x => x.d)];
    }

    private static VmDrive ReadDrive(VmxFile vmx, string bus, int controller, int unit)
    {
        string prefix = $"{bus}{controller}:{unit}";
        string? deviceType = vmx.Get(prefix + ".deviceType");
        string? fileName = vmx.Get(prefix + ".fileName");
        bool isCdRom = deviceType is not null && deviceType.Contains("cdrom", StringComparison.OrdinalIgnoreCase);
        var kind = bus switch
        {
            "ide" => ControllerKind.Ide,
            "sata" => ControllerKind.Sata,
            "nvme" => ControllerKind.Nvme,
            _ => ControllerKind.Scsi,
        };
        string? model = kind switch
        {
            ControllerKind.Scsi => vmx.Get($"scsi{controller}.virtualDev") ?? "buslogic",
            ControllerKind.Sata => "ahci",
            ControllerKind.Nvme => "nvme",
            _ => null,
        };
        return new VmDrive(isCdRom ? DriveKind.CdRom : DriveKind.Disk, kind, model, controller, unit, fileName, null);
    }

    private static VmNic ReadNic(VmxFile vmx, int index)
    {
        string prefix = $"ethernet{index}";
        string addressType = vmx.Get(prefix + ".addressType") ?? "generated";
        bool isStatic = string.Equals(addressType, "static", StringComparison.OrdinalIgnoreCase);
        string? mac = isStatic ? vmx.Get(prefix + ".address") : vmx.Get(prefix + ".generatedAddress") ?? vmx.Get(prefix + ".address");
        string? network = vmx.Get(prefix + ".networkName") ?? WorkstationNetwork(vmx, prefix);
        return new VmNic(index, mac?.ToLowerInvariant(), isStatic, network, vmx.Get(prefix + ".virtualDev") ?? "vlance");
    }

    /// <summary>
    /// The network of a VMware Workstation or Fusion adapter, which names no port group: its
    /// connectionType ("bridged", "nat", "hostonly"), or for "custom" the virtual network it names
    /// ("VMnet2"; "/dev/vmnet2" on Linux hosts). Null when the VMX gives neither.
    /// </summary>
    private static string? WorkstationNetwork(VmxFile vmx, string prefix)
    {
        string? type = vmx.Get(prefix + ".connectionType")?.Trim();
        if (string.IsNullOrEmpty(type))
        {
            return null;
        }

        if (string.Equals(type, "custom", StringComparison.OrdinalIgnoreCase) && vmx.Get(prefix + ".vnet")?.Trim() is { Length: > 0 } vnet)
        {
            return vnet[(vnet.LastIndexOfAny(['/', '\\']) + 1)..];
        }

        return type.ToLowerInvariant();
    }

    private static int Int(string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : 0;
}
