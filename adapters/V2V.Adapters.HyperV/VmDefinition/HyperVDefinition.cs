namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>A virtual hard disk attachment: controller, number, location, and the disk file's name.</summary>
public sealed record HyperVDisk(string ControllerType, int ControllerNumber, int ControllerLocation, string File, bool Boot);

/// <summary>A network adapter: its name in the VM, the switch it connects to (null: none), a static MAC (12 hex digits) or null.</summary>
public sealed record HyperVNetworkAdapter(string Name, string? Switch, string? StaticMac, string? SourceNetwork)
{
    /// <summary>A Legacy Network Adapter (emulated 21140, generation 1 only) for guests without a synthetic NIC driver.</summary>
    public bool Legacy { get; init; }
}

/// <summary>The Hyper-V VM a converted VM becomes; written as a PowerShell script and as JSON.</summary>
public sealed record HyperVDefinition(
    string Name,
    int Generation,
    string GenerationReason,
    int ProcessorCount,
    long MemoryStartupBytes,
    bool SecureBoot,
    string? SecureBootTemplate,
    IReadOnlyList<HyperVDisk> Disks,
    IReadOnlyList<HyperVNetworkAdapter> NetworkAdapters,
    string? VmFolder,
    string Notes,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The guest OS the mapping knew of ("Microsoft Windows XP Professional (from guest inspection)"), or null.</summary>
    public string? GuestOs { get; init; }

    /// <summary>Guest inspection's readiness verdict per generation ("generation 1: fixable (ide-boot)"); empty without inspection.</summary>
    public IReadOnlyList<string> Readiness { get; init; } = [];
}
