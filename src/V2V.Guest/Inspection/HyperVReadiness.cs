using V2V.Guest.Partitions;
using V2V.Guest.Windows;

namespace V2V.Guest.Inspection;

/// <summary>
/// Whether a Windows guest boots on each Hyper-V generation (WINDOWS.md §1-6): ready, fixable by a
/// named fix of the fix step (issue 14), or blocked with the reasons. The fix names are stable:
/// <c>ide-boot</c> (intelide/atapi boot-start, PIIX4 Critical Device Database entries),
/// <c>scsi-boot</c> (vmbus/storvsc boot-start), <c>disk2vhd-hal</c> (a boot.ini default entry that
/// forces a HAL or kernel) and <c>foreign-agents</c> (other hypervisors' services disabled).
/// </summary>
public static class HyperVReadiness
{
    public const string IdeBoot = "ide-boot";
    public const string ScsiBoot = "scsi-boot";
    public const string Disk2vhdHal = "disk2vhd-hal";
    public const string ForeignAgentsFix = "foreign-agents";

    public static IReadOnlyList<GenerationReadiness> Assess(WindowsInspection windows, DiskLayout layout) =>
        [Generation(1, windows, layout), Generation(2, windows, layout)];

    private static GenerationReadiness Generation(int generation, WindowsInspection windows, DiskLayout layout)
    {
        var fixes = new List<ReadinessFix>();
        var reasons = new List<string>();
        var warnings = new List<string>();
        CommonBlocks(windows, reasons);

        if (generation == 1)
        {
            if (windows.MajorVersion >= 10 && windows.Build >= 22000 && !windows.IsServer)
            {
                reasons.Add("Windows 11 runs on generation 2 only");
            }

            IdePath(windows, fixes, reasons);
            Hal(windows, fixes, reasons, warnings);
        }
        else
        {
            if (windows.Is32Bit || windows.Architecture is null)
            {
                reasons.Add(windows.Architecture is null ? "the architecture is unknown; generation 2 needs 64-bit Windows" : "32-bit Windows cannot boot with UEFI on generation 2");
            }

            if (!windows.IsWindows8OrLater)
            {
                reasons.Add($"generation 2 needs Windows 8 / Server 2012 or later{(windows.Version is null ? " (the version is unknown)" : $", not version {windows.Version}")}");
            }

            if (layout.Scheme != PartitionScheme.Gpt || !layout.HasEfiSystemPartition)
            {
                reasons.Add("generation 2 needs a GPT disk with an EFI system partition (converting MBR to GPT is not done)");
            }

            if (windows.StorageDrivers.Where(d => StorageDrivers.SyntheticServices.Contains(d.Name, StringComparer.OrdinalIgnoreCase)).ToList() is { } synthetic
                && synthetic.Any(d => !d.IsBootStart))
            {
                fixes.Add(new ReadinessFix(ScsiBoot, "start vmbus and storvsc at boot for the synthetic SCSI boot disk"
                    + $" (now {string.Join(", ", synthetic.Select(d => $"{d.Name} {StartName(d.EffectiveStart)}"))})"));
            }
        }

        Agents(windows, fixes, warnings);
        ProcessorDrivers(windows, warnings);
        if (fixes.Count > 0 && windows.VolumeState is { CleanlyShutDown: false } state && !state.Hibernated)
        {
            reasons.Add($"volume {windows.Volume} was not shut down cleanly (dirty flag {(state.Dirty ? "set" : "clear")}, $LogFile {state.LogFile}), so it cannot be fixed offline: shut Windows down cleanly at the source first");
        }

        string verdict = reasons.Count > 0 ? GenerationReadiness.Blocked : fixes.Count > 0 ? GenerationReadiness.Fixable : GenerationReadiness.Ready;
        return new GenerationReadiness(generation, verdict, fixes, reasons, warnings);
    }

    private static void CommonBlocks(WindowsInspection windows, List<string> reasons)
    {
        if (windows.VolumeState?.Hibernated == true)
        {
            reasons.Add("Windows is hibernated (hiberfil.sys holds a hibernation image): resume and shut it down at the source first");
        }

        if (windows.CurrentControlSet is null)
        {
            reasons.Add("the SYSTEM hive's control set could not be read, so the boot drivers are unknown");
        }
    }

    /// <summary>Generation 1 boots from the emulated PIIX4 IDE controller: intelide + atapi boot-start, their files, and on 2000-7 the CDDB entries.</summary>
    private static void IdePath(WindowsInspection windows, List<ReadinessFix> fixes, List<string> reasons)
    {
        if (windows.CurrentControlSet is null)
        {
            return;
        }

        var changes = new List<string>();
        foreach (string name in new[] { "intelide", "atapi" })
        {
            var driver = windows.StorageDrivers.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            if (driver is null || driver.Start is null)
            {
                changes.Add($"create the {name} service (Start 0)");
            }
            else if (!driver.IsBootStart)
            {
                changes.Add($"{name} Start {StartName(driver.EffectiveStart)} → boot");
            }

            if (driver is { FileExists: false })
            {
                reasons.Add($"{driver.File} is missing (copy it from the installation's driver.cab or service pack cab first)");
            }
        }

        if (windows.StorageDrivers.FirstOrDefault(d => d.Name == "pciidex") is { FileExists: false } library)
        {
            reasons.Add($"{library.File} is missing (intelide loads it)");
        }

        if (windows.HasCriticalDeviceDatabase)
        {
            foreach (var device in windows.CriticalDevices)
            {
                string expected = StorageDrivers.IdeCriticalDevices.First(d => d.DeviceId == device.DeviceId).Service;
                if (!string.Equals(device.Service, expected, StringComparison.OrdinalIgnoreCase))
                {
                    changes.Add(device.Service is null ? $"add CriticalDeviceDatabase\\{device.DeviceId} → {expected}" : $"CriticalDeviceDatabase\\{device.DeviceId} names {device.Service}, not {expected}");
                }
            }
        }

        if (changes.Count > 0)
        {
            fixes.Add(new ReadinessFix(IdeBoot, "enable intelide/atapi as boot drivers for the IDE boot disk: " + string.Join("; ", changes)));
        }
    }

    /// <summary>Integration services need an ACPI APIC HAL; a boot.ini switch that merely forces another HAL is undone.</summary>
    private static void Hal(WindowsInspection windows, List<ReadinessFix> fixes, List<string> reasons, List<string> warnings)
    {
        var hal = windows.Hal;
        if (hal is null)
        {
            return;
        }

        if (hal.ForcedHal is not null || hal.ForcedKernel is not null)
        {
            string forced = string.Join(" ", new[] { hal.ForcedHal is null ? null : $"/HAL={hal.ForcedHal}", hal.ForcedKernel is null ? null : $"/KERNEL={hal.ForcedKernel}" }.Where(s => s is not null));
            string alternative = windows.BootLoader?.BootIni?.UnforcedAlternative is { } entry ? $"make \"{entry.Description}\" the default again" : "drop the switches from the default entry";
            fixes.Add(new ReadinessFix(Disk2vhdHal, $"undo the boot entry that forces {forced} (Disk2vhd's \"Prepare for use in Virtual PC\"): {alternative}"));
        }

        if (hal.HardwareId is null)
        {
            return;
        }

        if (!hal.Acpi)
        {
            reasons.Add($"non-ACPI HAL ({hal.HardwareId}) cannot run Hyper-V integration services (change the HAL to ACPI at the source)");
        }
        else if (!hal.ApicAcpi)
        {
            reasons.Add($"ACPI PIC HAL ({hal.HardwareId}, halacpi.dll) cannot run Hyper-V integration services (VMBus fails, KB 954282)");
        }

        if (hal.Uniprocessor)
        {
            warnings.Add($"uniprocessor HAL ({hal.HardwareId}): give the VM 1 virtual processor");
        }
    }

    private static void Agents(WindowsInspection windows, List<ReadinessFix> fixes, List<string> warnings)
    {
        var enabled = windows.ForeignAgents.Where(a => !a.IsDisabled).ToList();
        if (enabled.Count > 0)
        {
            fixes.Add(new ReadinessFix(ForeignAgentsFix, "disable other hypervisors' services (Start 4): "
                + string.Join(", ", enabled.GroupBy(a => a.Vendor).Select(g => $"{g.Key} {string.Join(" ", g.Select(a => a.Service))}"))));
        }

        if (windows.BootStorageServices.Count > 0 && windows.BootStorageServices.All(s => !StorageDrivers.IdeServices.Concat(StorageDrivers.SyntheticServices).Contains(s, StringComparer.OrdinalIgnoreCase)))
        {
            warnings.Add($"boots today through {string.Join(", ", windows.BootStorageServices)}, which Hyper-V does not emulate");
        }
    }

    private static void ProcessorDrivers(WindowsInspection windows, List<string> warnings)
    {
        var active = windows.ProcessorDrivers.Where(d => d.EffectiveStart is not null and < 3).ToList();
        if (active.Count > 0)
        {
            warnings.Add($"processor power driver(s) {string.Join(", ", active.Select(d => d.Name))} enabled: if the Hyper-V host's CPU vendor differs from the source's, disable the other vendor's driver (STOP 0x7E/0xFC otherwise)");
        }
    }

    /// <summary>A start type by name: boot, system, automatic, demand, disabled, absent.</summary>
    public static string StartName(int? start) => start switch
    {
        0 => "boot",
        1 => "system",
        2 => "automatic",
        3 => "demand",
        4 => "disabled",
        null => "absent",
        _ => start.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
