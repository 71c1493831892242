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

    /// <summary>Startup memory in bytes; null: the source's. At least <see cref="MinimumMemoryBytes"/> (see <see cref="MemoryProblem"/>).</summary>
    public long? MemoryBytes { get; init; }

    /// <summary>Hyper-V's smallest startup memory, 32 MiB: New-VM and Set-VMMemory refuse less.</summary>
    public const long MinimumMemoryBytes = 32L * 1024 * 1024;

    /// <summary>
    /// Why <paramref name="bytes"/> cannot be a VM's startup memory, or null. A bare number is bytes
    /// (as every size V2V takes), so "--memory 4096" meaning MiB is caught here rather than giving a
    /// VM Hyper-V refuses to create.
    /// </summary>
    public static string? MemoryProblem(long bytes) => bytes < MinimumMemoryBytes
        ? $"{bytes} bytes is below Hyper-V's minimum startup memory of 32 MiB (a bare number is bytes: write a unit, e.g. 4GiB or 4096MiB)"
        : null;

    /// <summary>Keep each NIC's source MAC as a static MAC (default on: guests often license or DHCP-reserve by MAC).</summary>
    public bool StaticMac { get; init; } = true;

    /// <summary>Folder on the Hyper-V host for the VM's configuration (New-VM -Path); null: Hyper-V's default.</summary>
    public string? VmFolder { get; init; }
}
