using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// Other hypervisors' guest agents and drivers (WINDOWS.md §6): services of VMware Tools, Xen PV
/// drivers, VirtualBox Guest Additions and Parallels Tools found in the control set (virt-v2v's
/// lists for Xen and Parallels); the foreign-agents fixup disables exactly these.
/// </summary>
public static class ForeignAgents
{
    /// <summary>Service names by vendor (compared case-insensitively).</summary>
    public static readonly IReadOnlyList<(string Vendor, string[] Services)> Known =
    [
        ("VMware", new[] {"VMTools", "VGAuthService", "vmvss", "vm3dservice", "GISvc", "vmci", "vsock", "vmhgfs", "vmmemctl", "vmrawdsk", "vmmouse",
            "vmusbmouse", "vm3dmp", "vm3dmp-debug", "vm3dmp-stats", "vm3dmp_loader", "vmx_svga", "vmxnet", "vmxnet3ndis6", "vmxnet3ndis5",
            "pvscsi", "vnetWFP", "vsepflt", "vmwefifw", "VMUpgradeHelper", "vmdebug" }),
        ("Xen", new[] {"xenbus", "xenpci", "xenvbd", "xennet", "xenvif", "xeniface", "xenfilt", "xenbus_monitor", "XenSvc", "xensvc", "xenagent",
            "XenPVInstall", "xenscsi", "xenvkbd", "xenhid", "xendisk", "xenevtchn" }),
        ("VirtualBox", new[] {"VBoxGuest", "VBoxMouse", "VBoxSF", "VBoxVideo", "VBoxWddm", "VBoxService" }),
        ("Parallels", new[] {"prl_strg", "prl_tg", "prl_fs", "prl_eth5", "prl_boot", "prl_memdev", "prl_mouf", "prl_pv32", "prl_pv64", "prl_time",
            "prl_tools", "prl_tools_service", "prl_dd", "prl_sound", "prl_vid" }),
    ];

    private static readonly string[] ProcessorDriverNames = ["intelppm", "amdppm", "amdk8"];

    public static IReadOnlyList<ForeignAgent> Read(RegistryKey controlSet)
    {
        var services = controlSet.Subkey("Services");
        if (services is null)
        {
            return [];
        }

        var found = new List<ForeignAgent>();
        foreach (var service in services.Subkeys)
        {
            foreach (var (vendor, names) in Known)
            {
                if (names.Contains(service.Name, StringComparer.OrdinalIgnoreCase))
                {
                    found.Add(new ForeignAgent(vendor, service.Name, ServiceKeys.Dword(service, "Start")));
                }
            }
        }

        return found;
    }

    /// <summary>intelppm, amdppm and XP's amdk8: the processor power drivers that stop an image moved between Intel and AMD.</summary>
    public static IReadOnlyList<ServiceStart> ProcessorDrivers(RegistryKey controlSet) =>
        [.. ProcessorDriverNames.Select(n => ServiceKeys.Start(controlSet, n)).Where(s => s.Exists)];
}
