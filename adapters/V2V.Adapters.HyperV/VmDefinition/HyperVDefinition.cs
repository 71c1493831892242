namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>A virtual hard disk attachment: controller, number, location, and the disk file's name.</summary>
public sealed record HyperVDisk(string ControllerType, int ControllerNumber, int ControllerLocation, string File, bool Boot);

/// <summary>A network adapter: its name in the VM, the switch it connects to (null: none), a static MAC (12 hex digits) or null.</summary>
public sealed record HyperVNetworkAdapter(string Name, string? Switch, string? StaticMac, string? SourceNetwork);

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
    IReadOnlyList<string> Warnings);
