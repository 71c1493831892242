using System.Globalization;
using System.Xml.Linq;
using V2V.Core.Vm;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>A datastore path "[DS] folder/file.vmdk" split: datastore name and path inside it.</summary>
public sealed record DatastorePath(string Datastore, string Path)
{
    public override string ToString() => $"[{Datastore}] {Path}";

    public static DatastorePath? Parse(string? text)
    {
        if (text is null || !text.StartsWith('[') || text.IndexOf(']', StringComparison.Ordinal) is var close && close < 2)
        {
            return null;
        }

        return new DatastorePath(text[1..close], text[(close + 1)..].Trim());
    }
}

/// <summary>A virtual disk as vSphere configures it: its backing file and the parents it records (newest first).</summary>
public sealed record VSphereDisk(VmDrive Drive, DatastorePath? File, IReadOnlyList<DatastorePath> Parents, string BackingType);

/// <summary>A VM read from vSphere: the neutral description, its disks' backings and its power state.</summary>
public sealed record VSphereVm(FoundVm Found, VmDescription Description, IReadOnlyList<VSphereDisk> Disks, string PowerState, DatastorePath? VmxPath);

/// <summary>
/// Reads a VM's <c>config</c> through the PropertyCollector into the neutral description, with
/// the same vocabulary the VMX reader uses (controller models "pvscsi", "lsilogic"...; NIC models
/// "e1000", "vmxnet3"...; guest ids in the .vmx form), so a VM read from vCenter maps to the same
/// Hyper-V definition as its .vmx.
/// </summary>
public static class VSphereVmReader
{
    /// <summary>Bound on a disk's recorded parent chain, as for local VMDK chains.</summary>
    private const int MaxParents = 64;

    private static readonly string[] Properties =
    [
        "name", "config.firmware", "config.guestId", "config.hardware.numCPU", "config.hardware.memoryMB", "config.hardware.device",
        "config.instanceUuid", "config.uuid", "config.files.vmPathName", "runtime.powerState",
    ];

    public static VSphereVm Read(VimClient client, FoundVm found)
    {
        var vm = PropertyReader.Retrieve(client, found.Ref, Properties);
        var devices = vm.Element("config.hardware.device")?.Elements().ToList() ?? [];
        var byKey = new Dictionary<int, XElement>();
        foreach (var device in devices)
        {
            if (Int(device.ChildValue("key")) is { } key)
            {
                byKey[key] = device;
            }
        }

        var drives = new List<VmDrive>();
        var disks = new List<VSphereDisk>();
        var nics = new List<VmNic>();
        var other = new List<string>();
        var warnings = new List<string>();
        int serial = 0, parallel = 0, floppy = 0;
        foreach (var device in devices)
        {
            string type = VimXml.TypeOf(device) ?? "";
            switch (type)
            {
                case "VirtualDisk" or "VirtualCdrom":
                    var drive = Drive(device, byKey, type == "VirtualCdrom" ? DriveKind.CdRom : DriveKind.Disk);
                    if (drive is null)
                    {
                        warnings.Add($"{Label(device)} sits on no controller V2V knows; left out");
                        break;
                    }

                    drives.Add(drive);
                    if (type == "VirtualDisk")
                    {
                        disks.Add(Disk(client, device, drive));
                    }

                    break;
                case var nic when device.Child("macAddress") is not null:
                    nics.Add(Nic(client, device, nic, nics.Count));
                    break;
                case "VirtualUSBController":
                    other.Add("usb");
                    break;
                case "VirtualUSBXHCIController":
                    other.Add("usb_xhci");
                    break;
                case "VirtualSerialPort":
                    other.Add($"serial{serial++}");
                    break;
                case "VirtualParallelPort":
                    other.Add($"parallel{parallel++}");
                    break;
                case "VirtualFloppy":
                    other.Add($"floppy{floppy++}");
                    break;
                case "VirtualEnsoniq1371" or "VirtualHdAudioCard" or "VirtualSoundBlaster16":
                    other.Add("sound");
                    break;
            }
        }

        var ordered = VmDescription.InControllerOrder(drives);
        var description = new VmDescription(
            Name: vm.Text("name") ?? found.InventoryPath,
            SourceHypervisor: "vmware",
            SourceId: vm.Text("config.instanceUuid") ?? vm.Text("config.uuid"),
            Firmware: string.Equals(vm.Text("config.firmware"), "efi", StringComparison.OrdinalIgnoreCase) ? Firmware.Uefi : Firmware.Bios,
            Cpus: Math.Clamp(Int(vm.Text("config.hardware.numCPU")) ?? 1, 1, 4096),
            MemoryMiB: Math.Max(Int(vm.Text("config.hardware.memoryMB")) ?? 0, 0),
            GuestOs: VmxGuestOs(vm.Text("config.guestId")),
            Drives: ordered,
            Nics: nics,
            OtherDevices: [.. other.Order(StringComparer.Ordinal)])
        {
            PowerState = vm.Text("runtime.powerState"),
            SourceWarnings = warnings,
        };
        var diskOrder = ordered.Where(d => d.Kind == DriveKind.Disk).ToList();
        return new VSphereVm(found, description, [.. disks.OrderBy(d => diskOrder.IndexOf(d.Drive))], vm.Text("runtime.powerState") ?? "", DatastorePath.Parse(vm.Text("config.files.vmPathName")));
    }

    /// <summary>"windows9_64Guest" → "windows9-64", "otherGuest" → "other": the guestOS form a .vmx holds.</summary>
    public static string? VmxGuestOs(string? guestId)
    {
        if (string.IsNullOrEmpty(guestId))
        {
            return null;
        }

        string id = guestId.EndsWith("Guest", StringComparison.Ordinal) ? guestId[..^5] : guestId;
        id = id.EndsWith("_64", StringComparison.Ordinal) ? id[..^3] + "-64" : id.EndsWith("64", StringComparison.Ordinal) ? id[..^2] + "-64" : id;
        return id.ToLowerInvariant();
    }

    /// <summary>
    /// The virtual disks of a device list (a VM's or a snapshot's <c>config.hardware.device</c>) in
    /// controller order, the order <see cref="Read"/> gives them; disks on no known controller are left out.
    /// </summary>
    public static IReadOnlyList<VSphereDisk> DisksOf(VimClient client, XElement? deviceList)
    {
        var devices = deviceList?.Elements().ToList() ?? [];
        var byKey = new Dictionary<int, XElement>();
        foreach (var device in devices)
        {
            if (Int(device.ChildValue("key")) is { } key)
            {
                byKey[key] = device;
            }
        }

        var disks = new List<VSphereDisk>();
        foreach (var device in devices.Where(d => VimXml.TypeOf(d) == "VirtualDisk"))
        {
            if (Drive(device, byKey, DriveKind.Disk) is { } drive)
            {
                disks.Add(Disk(client, device, drive));
            }
        }

        var order = VmDescription.InControllerOrder(disks.Select(d => d.Drive)).ToList();
        return [.. disks.OrderBy(d => order.IndexOf(d.Drive))];
    }

    private static VmDrive? Drive(XElement device, Dictionary<int, XElement> byKey, DriveKind kind)
    {
        if (Int(device.ChildValue("controllerKey")) is not { } controllerKey || !byKey.TryGetValue(controllerKey, out var controller))
        {
            return null;
        }

        if (Controller(VimXml.TypeOf(controller)) is not { } found)
        {
            return null;
        }

        long? capacity = Long(device.ChildValue("capacityInBytes")) ?? Long(device.ChildValue("capacityInKB")) * 1024;
        return new VmDrive(kind, found.Kind, found.Model, Int(controller.ChildValue("busNumber")) ?? 0, Int(device.ChildValue("unitNumber")) ?? 0,
            device.Child("backing")?.ChildValue("fileName"), kind == DriveKind.Disk ? capacity : null);
    }

    /// <summary>A controller's vim25 type ("ParaVirtualSCSIController") as the bus and model a .vmx names; null for one V2V does not know.</summary>
    internal static (ControllerKind Kind, string? Model)? Controller(string? vimType) =>
        vimType switch
        {
            "VirtualIDEController" => (ControllerKind.Ide, null),
            "ParaVirtualSCSIController" => (ControllerKind.Scsi, "pvscsi"),
            "VirtualLsiLogicController" => (ControllerKind.Scsi, "lsilogic"),
            "VirtualLsiLogicSASController" => (ControllerKind.Scsi, "lsisas1068"),
            "VirtualBusLogicController" => (ControllerKind.Scsi, "buslogic"),
            "VirtualAHCIController" or "VirtualSATAController" => (ControllerKind.Sata, "ahci"),
            "VirtualNVMEController" => (ControllerKind.Nvme, "nvme"),
            _ => null,
        };

    private static VSphereDisk Disk(VimClient client, XElement device, VmDrive drive)
    {
        var backing = device.Child("backing");
        var parents = new List<DatastorePath>();
        for (var parent = backing?.Child("parent"); parent is not null; parent = parent.Child("parent"))
        {
            if (parents.Count >= MaxParents)
            {
                throw client.Malformed($"{Label(device)} records more than {MaxParents} parent disks");
            }

            if (DatastorePath.Parse(parent.ChildValue("fileName")) is { } path)
            {
                parents.Add(path);
            }
        }

        return new VSphereDisk(drive, DatastorePath.Parse(backing?.ChildValue("fileName")), parents, backing is null ? "" : VimXml.TypeOf(backing) ?? "");
    }

    private static VmNic Nic(VimClient client, XElement device, string type, int index)
    {
        string? model = type switch
        {
            "VirtualE1000" => "e1000",
            "VirtualE1000e" => "e1000e",
            "VirtualVmxnet3" or "VirtualVmxnet3Vrdma" => "vmxnet3",
            "VirtualVmxnet2" => "vmxnet",
            "VirtualPCNet32" => "vlance",
            "VirtualSriovEthernetCard" => "sriov",
            _ => type,
        };
        bool isStatic = string.Equals(device.ChildValue("addressType"), "manual", StringComparison.OrdinalIgnoreCase);
        return new VmNic(index, device.ChildValue("macAddress")?.ToLowerInvariant(), isStatic, Network(client, device.Child("backing")), model);
    }

    /// <summary>The port group: a standard switch's by name, a distributed one's looked up from its key.</summary>
    private static string? Network(VimClient client, XElement? backing)
    {
        if (backing is null)
        {
            return null;
        }

        if (backing.ChildValue("deviceName") is { Length: > 0 } name)
        {
            return name;
        }

        if (backing.Child("port")?.ChildValue("portgroupKey") is { Length: > 0 } key)
        {
            try
            {
                return PropertyReader.Retrieve(client, new MoRef("DistributedVirtualPortgroup", key), "name").Text("name") ?? key;
            }
            catch (VSphereException e) when (e.FaultName is "ManagedObjectNotFound" or "NoPermission")
            {
                return key;
            }
        }

        return backing.ChildValue("opaqueNetworkId");
    }

    private static string Label(XElement device) => device.Child("deviceInfo")?.ChildValue("label") ?? $"device {device.ChildValue("key")}";

    private static int? Int(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static long? Long(string? text) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;
}
