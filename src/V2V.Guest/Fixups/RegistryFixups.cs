using V2V.Guest.Registry;
using static V2V.Guest.Registry.RegistryData;

namespace V2V.Guest.Fixups;

/// <summary>
/// The SYSTEM-hive fixups (WINDOWS.md §2, §3, §6), applied to the control sets <c>Select\Current</c>
/// and <c>Select\Default</c> name. Each returns its outcome; values already right are left alone,
/// so a guest that needs nothing gets no change.
/// </summary>
internal static class RegistryFixups
{
    private const string HdcClass = "{4D36E96A-E325-11CE-BFC1-08002BE10318}";
    private const string DiskClass = "{4D36E967-E325-11CE-BFC1-08002BE10318}";

    /// <summary>mergeide.reg's Critical Device Database entries (KB 314082): hardware id → service.</summary>
    private static readonly (string Id, string Service, string Class)[] IdeDevices =
    [
        ("primary_ide_channel", "atapi", HdcClass), ("secondary_ide_channel", "atapi", HdcClass),
        ("*pnp0600", "atapi", HdcClass), ("*azt0502", "atapi", HdcClass),
        ("pci#ven_8086&dev_1222", "intelide", HdcClass), ("pci#ven_8086&dev_1230", "intelide", HdcClass),
        ("pci#ven_8086&dev_7010", "intelide", HdcClass), ("pci#ven_8086&dev_7111", "intelide", HdcClass),
        ("pci#ven_8086&dev_7199", "intelide", HdcClass), ("pci#ven_8086&dev_2411", "intelide", HdcClass),
        ("pci#ven_8086&dev_2421", "intelide", HdcClass), ("pci#cc_0101", "pciide", HdcClass),
        ("gendisk", "disk", DiskClass),
    ];

    /// <summary>The boot drivers of the IDE path: service, group, and file in system32\drivers.</summary>
    private static readonly (string Service, string Group, string File)[] IdeDrivers =
    [
        ("atapi", "SCSI miniport", "atapi.sys"), ("IntelIde", "System Bus Extender", "intelide.sys"), ("PCIIde", "System Bus Extender", "pciide.sys"),
    ];

    /// <summary>
    /// Guest agents and drivers of other hypervisors: exactly the services the inspection reports
    /// (<see cref="V2V.Guest.Windows.ForeignAgents.Known"/>), so a fixed guest's verdict is ready.
    /// </summary>
    public static readonly string[] ForeignAgents = [.. V2V.Guest.Windows.ForeignAgents.Known.SelectMany(k => k.Services).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Distinct control sets named by Select\Current and Select\Default ("ControlSet001"...).</summary>
    public static List<string> ControlSets(JournaledHive hive)
    {
        var sets = new List<string>();
        foreach (string name in (string[])["Current", "Default"])
        {
            if (hive.Dword("Select", name) is { } number and > 0 and <= 999 && hive.KeyExists($"ControlSet{number:D3}")
                && !sets.Contains($"ControlSet{number:D3}"))
            {
                sets.Add($"ControlSet{number:D3}");
            }
        }

        return sets;
    }

    public static FixupOutcome IdeBoot(JournaledHive hive, List<string> sets, Func<string, bool> driverExists)
    {
        var missing = IdeDrivers.Select(d => d.File).Append("pciidex.sys").Where(f => !driverExists(f)).ToList();
        if (missing.Count > 0)
        {
            return new(FixupNames.IdeBoot, "not-applied", missing.Select(f =>
                $"system32\\drivers\\{f} is missing: copy it from the installation's driver.cab (Driver Cache\\i386, or sp*.cab for the installed service pack) and run the fixups again").ToList());
        }

        var details = new List<string>();
        foreach (string set in sets)
        {
            string cddb = $@"{set}\Control\CriticalDeviceDatabase";
            if (hive.KeyExists(cddb))
            {
                foreach (var (id, service, cls) in IdeDevices)
                {
                    hive.CreateKey($@"{cddb}\{id}");
                    bool changed = hive.Set($@"{cddb}\{id}", "Service", RegistryValueType.String, Text(service));
                    changed |= hive.Set($@"{cddb}\{id}", "ClassGUID", RegistryValueType.String, Text(cls));
                    if (changed)
                    {
                        details.Add($@"{cddb}\{id} -> {service}");
                    }
                }
            }

            foreach (var (service, group, file) in IdeDrivers)
            {
                string key = $@"{set}\Services\{service}";
                bool existed = hive.KeyExists(key);
                hive.CreateKey(key);
                bool changed = hive.Set(key, "Type", RegistryValueType.Dword, Dword(1));
                changed |= hive.Set(key, "Start", RegistryValueType.Dword, Dword(0));
                changed |= SetIfAbsent(hive, key, "ErrorControl", RegistryValueType.Dword, Dword(1));
                changed |= SetIfAbsent(hive, key, "Group", RegistryValueType.String, Text(group));
                changed |= SetIfAbsent(hive, key, "ImagePath", RegistryValueType.ExpandString, Text($@"System32\DRIVERS\{file}"));
                if (changed)
                {
                    details.Add($"{key}: boot start{(existed ? "" : " (key created)")}");
                }
            }
        }

        return Outcome(FixupNames.IdeBoot, details);
    }

    public static FixupOutcome ScsiBoot(JournaledHive hive, List<string> sets)
    {
        var details = new List<string>();
        foreach (string set in sets)
        {
            foreach (string service in (string[])["vmbus", "storvsc"])
            {
                string key = $@"{set}\Services\{service}";
                if (!hive.KeyExists(key))
                {
                    details.Add($"{key} does not exist: install the Hyper-V integration services in the guest");
                    continue;
                }

                if (hive.Set(key, "Start", RegistryValueType.Dword, Dword(0)))
                {
                    details.Add($"{key}: boot start");
                }

                // Windows 8+: a StartOverride value other than 0 (boot) overrides Start.
                string overrides = key + @"\StartOverride";
                foreach (string name in OverrideValues(hive, overrides))
                {
                    if (hive.Dword(overrides, name) is { } start and not 0 && hive.Delete(overrides, name))
                    {
                        details.Add($"{overrides}\\{name} (start {start}) removed");
                    }
                }
            }
        }

        return details.All(d => d.Contains("does not exist", StringComparison.Ordinal)) && details.Count > 0
            ? new(FixupNames.ScsiBoot, "not-applied", details)
            : Outcome(FixupNames.ScsiBoot, details);
    }

    /// <summary>Sets Start=4 on each existing service named and drops it from every device class's UpperFilters/LowerFilters.</summary>
    public static FixupOutcome Disable(string fixup, JournaledHive hive, List<string> sets, IEnumerable<string> services)
    {
        var details = new List<string>();
        var names = services.ToList();
        foreach (string set in sets)
        {
            var disabled = new List<string>();
            foreach (string service in names)
            {
                string key = $@"{set}\Services\{service}";
                if (hive.KeyExists(key))
                {
                    disabled.Add(service);
                    if (hive.Set(key, "Start", RegistryValueType.Dword, Dword(4)))
                    {
                        details.Add($"{key}: disabled (Start=4)");
                    }
                }
                else if (fixup == FixupNames.DisableServices)
                {
                    details.Add($"{key} does not exist");
                }
            }

            string classes = $@"{set}\Control\Class";
            foreach (string cls in hive.SubkeyNames(classes))
            {
                foreach (string list in (string[])["UpperFilters", "LowerFilters"])
                {
                    if (hive.Get($@"{classes}\{cls}", list) is not { Type: RegistryValueType.MultiString } value)
                    {
                        continue;
                    }

                    var filters = System.Text.Encoding.Unicode.GetString(value.Data).Split('\0', StringSplitOptions.RemoveEmptyEntries).ToList();
                    var kept = filters.Where(f => !disabled.Contains(f, StringComparer.OrdinalIgnoreCase)).ToList();
                    if (kept.Count == filters.Count)
                    {
                        continue;
                    }

                    _ = kept.Count == 0 ? hive.Delete($@"{classes}\{cls}", list) : hive.Set($@"{classes}\{cls}", list, RegistryValueType.MultiString, MultiString(kept));
                    details.Add($@"{classes}\{cls}\{list}: {string.Join(", ", filters.Except(kept))} removed");
                }
            }
        }

        return Outcome(fixup, details);
    }

    public static FixupOutcome CrashAutoReboot(JournaledHive hive, List<string> sets)
    {
        var details = new List<string>();
        foreach (string set in sets)
        {
            string key = $@"{set}\Control\CrashControl";
            hive.CreateKey(key);
            if (hive.Set(key, "AutoReboot", RegistryValueType.Dword, Dword(0)))
            {
                details.Add($@"{key}\AutoReboot = 0");
            }
        }

        return Outcome(FixupNames.CrashAutoReboot, details);
    }

    private static List<string> OverrideValues(JournaledHive hive, string key) =>
        hive.KeyExists(key) ? Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Where(n => hive.Get(key, n) is not null).ToList() : [];

    private static bool SetIfAbsent(JournaledHive hive, string key, string name, RegistryValueType type, byte[] data) =>
        hive.Get(key, name) is null && hive.Set(key, name, type, data);

    private static FixupOutcome Outcome(string name, List<string> details) => new(name, details.Count > 0 ? "applied" : "not-needed", details);
}
