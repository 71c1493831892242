namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// What the admin decides for the Hyper-V side: a generation override, which virtual switch each
/// source network lands on, a memory override, whether MACs stay static, where the VM lives.
/// </summary>
public sealed record HyperVOptions
{
    /// <summary>1 or 2; null: from the firmware, checked against the boot disk.</summary>
    public int? Generation { get; init; }

    /// <summary>Source network name → Hyper-V switch name.</summary>
    public IReadOnlyDictionary<string, string> SwitchMap { get; init; } = new Dictionary<string, string>();

    /// <summary>Switch for networks the map does not name; null leaves such adapters unconnected.</summary>
    public string? DefaultSwitch { get; init; }

    public long? MemoryBytes { get; init; }

    /// <summary>Keep each NIC's source MAC as a static MAC (default on: guests often license or DHCP-reserve by MAC).</summary>
    public bool StaticMac { get; init; } = true;

    /// <summary>Folder on the Hyper-V host for the VM's configuration (New-VM -Path); null: Hyper-V's default.</summary>
    public string? VmFolder { get; init; }
}
