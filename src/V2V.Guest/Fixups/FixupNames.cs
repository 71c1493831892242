namespace V2V.Guest.Fixups;

/// <summary>The fixups by the names a user turns them off with (issue 14 item 3).</summary>
public static class FixupNames
{
    public const string IdeBoot = "ide-boot";
    public const string ScsiBoot = "scsi-boot";
    public const string Disk2vhdHal = "disk2vhd-hal";
    public const string ForeignAgents = "foreign-agents";
    public const string DisableServices = "disable-services";
    public const string CrashAutoReboot = "crash-autoreboot";

    public static IReadOnlyList<string> All { get; } = [IdeBoot, ScsiBoot, Disk2vhdHal, ForeignAgents, DisableServices, CrashAutoReboot];
}

/// <summary>
/// What to apply: every fixup not named in <paramref name="Skip"/>; <paramref name="DisableServices"/>
/// are services the user wants disabled (Start=4) as well, e.g. intelppm.
/// </summary>
public sealed record FixupOptions(IReadOnlyCollection<string> Skip, IReadOnlyList<string> DisableServices)
{
    public static FixupOptions Default { get; } = new([], []);

    public bool Wants(string name) => !Skip.Contains(name, StringComparer.OrdinalIgnoreCase);
}
