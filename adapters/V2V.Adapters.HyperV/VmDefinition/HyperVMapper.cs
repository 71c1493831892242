using System.Globalization;
using V2V.Core.Conversion;
using V2V.Core.Vm;
using V2V.Guest.Partitions;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// Maps a neutral VM description onto Hyper-V: generation from the firmware, overruled by the boot
/// disk's partition table when they disagree; the boot disk on IDE 0:0 (generation 1) or first on
/// SCSI (generation 2); CPUs; static memory; one adapter per source NIC, switch from the map, MAC
/// kept; Secure Boot by guest family. Whatever has no Hyper-V equivalent becomes a warning.
/// </summary>
public static class HyperVMapper
{
    public const int ScsiPerController = 64;
    public const int ScsiControllers = 4;
    private const long TwoMiB = 2 * 1024 * 1024;

    /// <param name="bootDisk">The converted boot disk's partition style; null when the disks are not converted yet (v2v info).</param>
    /// <param name="guest">What guest inspection found (<see cref="GuestFacts.FromInspection"/>); null: the source's guest OS id is the hint.</param>
    public static HyperVDefinition Map(ConvertedVm converted, BootStyle? bootDisk, HyperVOptions options, DateTime convertedAt, GuestFacts? guest = null)
    {
        var vm = converted.Vm;
        var warnings = new List<string>();
        guest ??= GuestFacts.FromGuestOsHint(vm.GuestOs);
        var (generation, reason) = Generation(vm, bootDisk, options, warnings);
        (generation, reason) = GuestRules.Generation(guest, generation, reason, options.Generation is not null, warnings);

        var disks = converted.Disks.OrderBy(d => d.Disk).ToList();
        var attachments = new List<HyperVDisk>();
        int scsi = 0;
        foreach (var disk in disks)
        {
            bool boot = disk.Disk == disks[0].Disk;
            if (generation == 1 && boot)
            {
                attachments.Add(new HyperVDisk("IDE", 0, 0, disk.File, true));
                continue;
            }

            if (scsi >= ScsiPerController * ScsiControllers)
            {
                warnings.Add($"disk {disk.Disk} ({disk.File}) not attached: Hyper-V takes at most {ScsiPerController * ScsiControllers} SCSI disks");
                continue;
            }

            attachments.Add(new HyperVDisk("SCSI", scsi / ScsiPerController, scsi % ScsiPerController, disk.File, boot));
            scsi++;
        }

        if (scsi > ScsiPerController)
        {
            warnings.Add($"{scsi} disks on SCSI: more than the {ScsiPerController} of one controller, so they are spread over {(scsi + ScsiPerController - 1) / ScsiPerController} SCSI controllers");
        }

        long memory = options.MemoryBytes ?? vm.MemoryMiB * 1024 * 1024;
        if (memory <= 0)
        {
            memory = 1024L * 1024 * 1024;
            warnings.Add("the source states no memory size: 1 GiB assumed");
        }

        if (memory < HyperVOptions.MinimumMemoryBytes)
        {
            warnings.Add($"memory {memory / (1024 * 1024)} MiB is below Hyper-V's minimum startup memory: raised to 32 MiB");
            memory = HyperVOptions.MinimumMemoryBytes;
        }

        if (memory % TwoMiB != 0)
        {
            long rounded = (memory + TwoMiB - 1) / TwoMiB * TwoMiB;
            warnings.Add($"memory {memory} bytes is not a multiple of 2 MiB (Hyper-V's unit): rounded up to {rounded}");
            memory = rounded;
        }

        var adapters = vm.Nics.Select((nic, i) =>
        {
            string? target = nic.Network is not null && options.SwitchMap.TryGetValue(nic.Network, out var mapped) ? mapped : options.DefaultSwitch;
            if (target is null)
            {
                // Named for both places the admin may be: the command line and a pipeline's hyperv: section.
                warnings.Add(nic.Network is { Length: > 0 } network
                    ? $"network adapter {i + 1} (source network \"{network}\") is not connected: map it with --switch \"{network}=SWITCH\" (switch-map in a pipeline) or give --default-switch (default-switch)"
                    : $"network adapter {i + 1} (no source network) is not connected: give --default-switch (default-switch in a pipeline)");
            }

            string? mac = options.StaticMac ? HyperVMac(nic.Mac) : null;
            return new HyperVNetworkAdapter($"Network Adapter {i + 1}", target, mac, nic.Network) { Legacy = GuestRules.LegacyNic(guest, generation) };
        }).ToList();

        foreach (var drive in vm.Drives.Where(d => d.Kind == DriveKind.CdRom))
        {
            warnings.Add($"CD/DVD drive {drive.Controller.ToString().ToLowerInvariant()}{drive.Bus}:{drive.Unit}{(string.IsNullOrEmpty(drive.Source) ? "" : $" ({drive.Source})")} not recreated: attach media by hand if needed");
        }

        foreach (var device in vm.OtherDevices)
        {
            warnings.Add(device switch
            {
                "xen-pv-guest" => "the guest is paravirtualised (Xen PV): it needs an HVM-capable kernel and boot loader before it can boot on Hyper-V",
                _ when device.StartsWith("usb", StringComparison.Ordinal) => $"{device}: Hyper-V VMs have no USB controller (use Enhanced Session or USB over IP)",
                _ when device.StartsWith("serial", StringComparison.Ordinal) => $"{device}: serial port not mapped (Hyper-V COM ports attach to named pipes: Set-VMComPort)",
                _ => $"{device}: no Hyper-V equivalent, not mapped",
            });
        }

        var (secureBoot, template) = generation == 2 ? SecureBoot(guest?.IsWindows == true ? "windows" : vm.GuestOs) : (false, null);
        int processors = Math.Clamp(vm.Cpus, 1, 240);
        GuestRules.Warn(guest, generation, processors, adapters, warnings);
        string digests = string.Join(", ", disks.Select(d => $"disk{d.Disk} {d.Digest}"));
        string notes = string.Create(CultureInfo.InvariantCulture,
            $"Converted by V2V on {convertedAt:yyyy-MM-dd} from {vm.SourceHypervisor} VM \"{vm.Name}\"{(vm.SourceId is null ? "" : $" (id {vm.SourceId})")}. Content digests: {digests}.");
        return new HyperVDefinition(vm.Name, generation, reason, processors, memory, secureBoot, template, attachments, adapters, options.VmFolder, notes, warnings)
        {
            GuestOs = guest is null ? null : $"{guest.Name} (from {guest.From})",
            Readiness = guest?.Readiness ?? [],
        };
    }

    private static (int Generation, string Reason) Generation(VmDescription vm, BootStyle? disk, HyperVOptions options, List<string> warnings)
    {
        int fromFirmware = vm.Firmware == Firmware.Uefi ? 2 : 1;
        int? fromDisk = disk switch
        {
            BootStyle.Mbr or BootStyle.GptWithoutEsp => 1,
            BootStyle.GptWithEsp => 2,
            _ => null,
        };

        if (options.Generation is { } forced)
        {
            if (fromDisk is { } d && d != forced)
            {
                warnings.Add($"generation {forced} was asked for, but the boot disk ({Describe(disk!.Value)}) boots as generation {d}");
            }

            return (forced, "asked for in the options");
        }

        if (disk is null)
        {
            return (fromFirmware, $"{FirmwareName(vm.Firmware)} firmware (the boot disk is checked when it is converted)");
        }

        if (fromDisk is null)
        {
            warnings.Add($"the boot disk has no partition table V2V recognises: generation {fromFirmware} chosen from the source's {FirmwareName(vm.Firmware)} firmware alone");
            return (fromFirmware, $"{FirmwareName(vm.Firmware)} firmware (the boot disk could not confirm it)");
        }

        if (fromDisk != fromFirmware)
        {
            warnings.Add($"the source says {FirmwareName(vm.Firmware)} firmware, but the boot disk is {Describe(disk.Value)}, which boots as generation {fromDisk}: the disk wins");
            return (fromDisk.Value, $"boot disk is {Describe(disk.Value)} (the source's {FirmwareName(vm.Firmware)} firmware disagrees)");
        }

        return (fromDisk.Value, $"{FirmwareName(vm.Firmware)} firmware, confirmed by the boot disk ({Describe(disk.Value)})");
    }

    private static string FirmwareName(Firmware firmware) => firmware == Firmware.Uefi ? "UEFI" : "BIOS";

    private static string Describe(BootStyle style) => style switch
    {
        BootStyle.Mbr => "MBR",
        BootStyle.GptWithoutEsp => "GPT without an EFI system partition",
        BootStyle.GptWithEsp => "GPT with an EFI system partition",
        _ => "unrecognised",
    };

    /// <summary>Secure Boot template by guest family; off when the guest is unknown.</summary>
    private static (bool, string?) SecureBoot(string? guestOs)
    {
        string os = guestOs?.ToLowerInvariant() ?? "";
        if (os.Contains("win", StringComparison.Ordinal))
        {
            return (true, "MicrosoftWindows");
        }

        string[] linux = ["linux", "rhel", "centos", "ubuntu", "debian", "sles", "suse", "fedora", "oracle", "alma", "rocky"];
        return linux.Any(l => os.Contains(l, StringComparison.Ordinal)) ? (true, "MicrosoftUEFICertificateAuthority") : (false, null);
    }

    /// <summary>"00:0c:29:aa:bb:cc" → "000C29AABBCC", Hyper-V's form; null for anything that is not a unicast MAC.</summary>
    private static string? HyperVMac(string? mac)
    {
        if (mac is null)
        {
            return null;
        }

        string hex = new string(mac.Where(char.IsAsciiHexDigit).ToArray()).ToUpperInvariant();
        return hex.Length == 12 && (Convert.ToByte(hex[..2], 16) & 1) == 0 ? hex : null;
    }
}
