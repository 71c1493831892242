using V2V.Guest.Ntfs;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// The storage drivers each Hyper-V generation boots through (WINDOWS.md §2-3): generation 1's
/// PIIX4 IDE controller (intelide, atapi, with pciide and the pciidex library) and the synthetic
/// SCSI path (vmbus, storvsc); the Critical Device Database entries that bind those devices on
/// Windows 2000 to 7; the boot-start storage services in use today.
/// </summary>
public static class StorageDrivers
{
    /// <summary>Generation 1's IDE boot path.</summary>
    public static readonly IReadOnlyList<string> IdeServices = ["intelide", "atapi", "pciide"];

    /// <summary>The synthetic SCSI boot path (generation 2, or data disks on generation 1).</summary>
    public static readonly IReadOnlyList<string> SyntheticServices = ["vmbus", "storvsc"];

    /// <summary>Critical Device Database IDs generation 1 needs, and the service each should name (KB 314082).</summary>
    public static readonly IReadOnlyList<(string DeviceId, string Service)> IdeCriticalDevices =
    [
        ("pci#ven_8086&dev_7111", "intelide"),
        ("primary_ide_channel", "atapi"),
        ("secondary_ide_channel", "atapi"),
    ];

    /// <summary>Service groups of boot-path storage drivers.</summary>
    private static readonly string[] StorageGroups = ["SCSI miniport", "Boot Bus Extender", "System Bus Extender", "SCSI Class"];

    public static IReadOnlyList<StorageDriver> Read(RegistryKey controlSet, NtfsVolume volume, string systemRoot)
    {
        var drivers = new List<StorageDriver>();
        foreach (string name in IdeServices.Concat(SyntheticServices))
        {
            var start = ServiceKeys.Start(controlSet, name);
            string file = DriverFile(ServiceKeys.String(ServiceKeys.Service(controlSet, name), "ImagePath"), name, systemRoot);
            drivers.Add(new StorageDriver(start.Exists ? start.Name : name, start.Start, start.StartOverride, file, volume.Exists(file)));
        }

        // pciidex.sys is a library intelide and pciide load: no service, but the file must be there.
        string library = $@"{systemRoot}\System32\drivers\pciidex.sys";
        drivers.Add(new StorageDriver("pciidex", null, null, library, volume.Exists(library)));
        return drivers;
    }

    public static IReadOnlyList<CriticalDevice> CriticalDevices(RegistryKey controlSet)
    {
        var database = controlSet.Subkey("Control")?.Subkey("CriticalDeviceDatabase");
        if (database is null)
        {
            return [];
        }

        return [.. IdeCriticalDevices.Select(d => new CriticalDevice(d.DeviceId, database.Subkey(d.DeviceId) is { } entry ? ServiceKeys.String(entry, "Service") ?? "" : null))];
    }

    /// <summary>Boot-start (Start 0) kernel drivers of a storage group that a device uses today (<c>Enum\Count</c> above 0).</summary>
    public static IReadOnlyList<string> BootStorageServices(RegistryKey controlSet)
    {
        var services = controlSet.Subkey("Services");
        if (services is null)
        {
            return [];
        }

        var found = new List<string>();
        foreach (var service in services.Subkeys)
        {
            if (ServiceKeys.Dword(service, "Start") != 0 || ServiceKeys.Dword(service, "Type") != 1)
            {
                continue;
            }

            string? group = ServiceKeys.String(service, "Group");
            if (group is null || !StorageGroups.Contains(group, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (ServiceKeys.Dword(service.Subkey("Enum"), "Count") is > 0)
            {
                found.Add(service.Name);
            }
        }

        return found;
    }

    /// <summary>
    /// ImagePath as a path in the volume: "\SystemRoot\…", "System32\…" (relative to the system
    /// root) and "%SystemRoot%\…" resolve; anything else falls back to System32\drivers\NAME.sys.
    /// </summary>
    internal static string DriverFile(string? imagePath, string name, string systemRoot)
    {
        string fallback = $@"{systemRoot}\System32\drivers\{name}.sys";
        if (string.IsNullOrWhiteSpace(imagePath))
        {
            return fallback;
        }

        string path = imagePath.Replace('/', '\\');
        foreach (string prefix in new[] { @"\SystemRoot\", @"%SystemRoot%\", @"\??\C:\Windows\", @"C:\Windows\" })
        {
            if (path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return systemRoot + @"\" + path[prefix.Length..];
            }
        }

        return path.StartsWith(@"system32\", StringComparison.OrdinalIgnoreCase) ? systemRoot + @"\" + path : fallback;
    }
}
