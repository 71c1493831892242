using V2V.Guest.Inspection;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// What the Hyper-V mapping needs to know about the guest OS (WINDOWS.md §1, §4): its Windows
/// version and bitness, whether it has a synthetic NIC driver, a uniprocessor HAL, and the
/// readiness verdict lines for the script's header. Taken from guest inspection when there is one
/// (<see cref="FromInspection"/>), else from the source's guest OS id (<see cref="FromGuestOsHint"/>).
/// </summary>
/// <param name="Name">"Microsoft Windows XP Professional" or the source's id, e.g. "winXPProGuest".</param>
/// <param name="From">"guest inspection" or "the source's guest OS id".</param>
/// <param name="WindowsVersion">Major·10 + minor (51 = XP, 52 = 2003, 60 = Vista/2008, 61 = 7/2008 R2, 62 = 8/2012...); null when not Windows or unknown.</param>
public sealed record GuestFacts(string Name, string From, int? WindowsVersion, bool Is32Bit)
{
    /// <summary>The guest has a driver for Hyper-V's synthetic network adapter (inbox on Vista/2008 with IS and later; never on 2000/XP/2003).</summary>
    public bool HasSyntheticNicDriver { get; init; } = true;

    /// <summary>A uniprocessor HAL (…_up): more than one virtual processor is wasted or worse.</summary>
    public bool UniprocessorHal { get; init; }

    /// <summary>Readiness lines for the script's header ("generation 1: fixable (ide-boot)").</summary>
    public IReadOnlyList<string> Readiness { get; init; } = [];

    /// <summary>Windows 2000, XP, 2003, Vista, 2008 and every 32-bit Windows: generation 1 whatever the firmware says (issue 13 item 7).</summary>
    public bool Generation1Only => WindowsVersion is < 61 || (WindowsVersion is not null && Is32Bit);

    /// <summary>64-bit Windows 7 / 2008 R2: no generation 2 either, but a UEFI install sits on a GPT disk generation 1 cannot boot; warned, not moved.</summary>
    public bool NoGeneration2 => WindowsVersion is < 62;

    public bool IsWindows => WindowsVersion is not null;

    /// <summary>The first Windows the inspection of the boot disk found; null when it found none.</summary>
    public static GuestFacts? FromInspection(DiskInspection inspection)
    {
        if (inspection.Windows.Count == 0)
        {
            return null;
        }

        var w = inspection.Windows[0];
        int? version = w.MajorVersion is { } major ? (major * 10) + Math.Min(w.MinorVersion ?? 0, 9) : null;
        return new GuestFacts(w.ProductName ?? "Windows", "guest inspection", version, w.Is32Bit)
        {
            HasSyntheticNicDriver = version >= 60 && w.HasSyntheticNetworkDriver,
            UniprocessorHal = w.Hal?.Uniprocessor == true,
            Readiness = [.. inspection.Readiness.Select(r => r.Summary)],
        };
    }

    /// <summary>
    /// Windows facts from a VMware/OVF guest OS id ("winXPProGuest", "winNetStandardGuest",
    /// "windows7Server64Guest", "windows9-64") or a free-text name; null when it names no Windows
    /// this mapping treats specially (Windows 8 / 2012 and later, other systems, nothing).
    /// </summary>
    public static GuestFacts? FromGuestOsHint(string? guestOs)
    {
        string id = guestOs?.ToLowerInvariant() ?? "";
        bool is64 = id.Contains("64", StringComparison.Ordinal);
        int? version =
            id.Contains("win2000", StringComparison.Ordinal) || id.Contains("windows 2000", StringComparison.Ordinal) ? 50
            : id.Contains("winxp", StringComparison.Ordinal) || id.Contains("windows xp", StringComparison.Ordinal) ? 51
            : id.Contains("winnet", StringComparison.Ordinal) || id.Contains("windows server 2003", StringComparison.Ordinal) ? 52
            : id.Contains("winvista", StringComparison.Ordinal) || id.Contains("winlonghorn", StringComparison.Ordinal) ? 60
            : id.StartsWith("windows7", StringComparison.Ordinal) ? 61
            : null;
        if (version is null)
        {
            return null;
        }

        return new GuestFacts(guestOs!, "the source's guest OS id", version, !is64) { HasSyntheticNicDriver = version >= 60 };
    }
}
