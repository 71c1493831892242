using System.Text.Json.Serialization;

namespace V2V.Guest.Windows;

/// <summary>
/// What <see cref="WindowsInspector"/> read from one Windows system volume (WINDOWS.md §1-6).
/// Every field is null (or empty) when its source could not be read; why is in
/// <see cref="Findings"/>. Versions are as the registry writes them ("5.2", "6.1", "10.0").
/// </summary>
/// <param name="Volume">Partition number of the system volume on its disk (<see cref="Partitions.DiskVolume.Number"/>).</param>
/// <param name="SystemRoot">The Windows folder in the volume, e.g. <c>\Windows</c> or <c>\WINNT</c>.</param>
public sealed record WindowsInspection(int Volume, string SystemRoot)
{
    public string? ProductName { get; init; }

    /// <summary>Major.minor from <c>CurrentMajorVersionNumber</c>/<c>CurrentMinorVersionNumber</c> (10+), else <c>CurrentVersion</c>.</summary>
    public string? Version { get; init; }

    public int? MajorVersion { get; init; }
    public int? MinorVersion { get; init; }
    public int? Build { get; init; }

    /// <summary><c>CSDVersion</c>, e.g. "Service Pack 2".</summary>
    public string? ServicePack { get; init; }

    /// <summary><c>EditionID</c>, e.g. "ServerStandard", "Professional".</summary>
    public string? Edition { get; init; }

    /// <summary><c>InstallationType</c>: "Client", "Server", "Server Core" (Windows 7 / 2008 R2 and later).</summary>
    public string? InstallationType { get; init; }

    /// <summary><c>Control\ProductOptions\ProductType</c>: "WinNT" (client), "ServerNT", "LanmanNT" (domain controller).</summary>
    public string? ProductType { get; init; }

    /// <summary>"x86", "x64", "ia64" or "arm64".</summary>
    public string? Architecture { get; init; }

    /// <summary>Where <see cref="Architecture"/> came from: "PE header of \Windows\System32\cmd.exe", or the registry value.</summary>
    public string? ArchitectureSource { get; init; }

    public string? ComputerName { get; init; }

    /// <summary>"ControlSet001" etc.: the control set <c>Select\Current</c> names (what Windows booted with last).</summary>
    public string? CurrentControlSet { get; init; }

    /// <summary>Drive letters whose <c>MountedDevices</c> entry names a volume of this disk.</summary>
    public IReadOnlyList<DriveLetter> DriveLetters { get; init; } = [];

    public BootLoaderInfo? BootLoader { get; init; }
    public HalInfo? Hal { get; init; }
    public IReadOnlyList<StorageDriver> StorageDrivers { get; init; } = [];

    /// <summary>Critical Device Database entries Hyper-V generation 1 needs (Windows 2000 to 7/2008 R2); empty on Windows 8+ (none exists).</summary>
    public IReadOnlyList<CriticalDevice> CriticalDevices { get; init; } = [];

    /// <summary>False on Windows 8 / 2012 and later (a <c>DriverDatabase</c> replaced it).</summary>
    public bool HasCriticalDeviceDatabase { get; init; }

    /// <summary>Boot-start SCSI miniport / storage services bound to a device today (their <c>Enum\Count</c> is above 0).</summary>
    public IReadOnlyList<string> BootStorageServices { get; init; } = [];

    public IReadOnlyList<ForeignAgent> ForeignAgents { get; init; } = [];

    /// <summary>A <c>netvsc</c> service (Hyper-V's synthetic network driver, any version) exists.</summary>
    public bool HasSyntheticNetworkDriver { get; init; }

    /// <summary><c>intelppm</c> and <c>amdppm</c> (or XP's <c>amdk8</c>) with their start types.</summary>
    public IReadOnlyList<ServiceStart> ProcessorDrivers { get; init; } = [];

    public VolumeState? VolumeState { get; init; }

    /// <summary>Problems met while reading (damaged hives, unreadable files), in plain sentences.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];

    /// <summary>32-bit (x86) Windows: generation 1 only.</summary>
    [JsonIgnore]
    public bool Is32Bit => Architecture == "x86";

    /// <summary>Windows 8 / Server 2012 (6.2) or later.</summary>
    [JsonIgnore]
    public bool IsWindows8OrLater => MajorVersion > 6 || (MajorVersion == 6 && MinorVersion >= 2);

    /// <summary>ProductType is a server (ServerNT or LanmanNT), or InstallationType says so.</summary>
    [JsonIgnore]
    public bool IsServer => ProductType is "ServerNT" or "LanmanNT" || (InstallationType?.StartsWith("Server", StringComparison.OrdinalIgnoreCase) ?? false);
}

/// <summary>A drive letter and the volume of this disk it names (<c>MountedDevices\\DosDevices\X:</c>).</summary>
public sealed record DriveLetter(string Letter, int Volume);

/// <summary>A service's start type: 0 boot, 1 system, 2 automatic, 3 on demand, 4 disabled; null when the service or its Start value is absent.</summary>
/// <param name="StartOverride">The highest value under <c>Services\NAME\StartOverride</c> (Windows 8+), which wins over Start when present.</param>
public sealed record ServiceStart(string Name, bool Exists, int? Start, int? StartOverride = null)
{
    /// <summary>The start type Windows uses: the override when there is one.</summary>
    [JsonIgnore]
    public int? EffectiveStart => StartOverride ?? Start;
}

/// <summary>A storage driver a Hyper-V generation boots through, its start type and whether its file is in the volume.</summary>
/// <param name="File">The driver file in the volume (ImagePath resolved, else <c>System32\drivers\NAME.sys</c>).</param>
public sealed record StorageDriver(string Name, int? Start, int? StartOverride, string File, bool FileExists)
{
    [JsonIgnore]
    public int? EffectiveStart => StartOverride ?? Start;
    public bool IsBootStart => EffectiveStart == 0;
}

/// <summary>A Critical Device Database entry (<c>Control\CriticalDeviceDatabase\ID</c>) and the service it names; null when absent.</summary>
public sealed record CriticalDevice(string DeviceId, string? Service);

/// <summary>Another hypervisor's guest agent or driver service found in the guest.</summary>
/// <param name="Vendor">"VMware", "Xen", "VirtualBox" or "Parallels".</param>
public sealed record ForeignAgent(string Vendor, string Service, int? Start)
{
    [JsonIgnore]
    public bool IsDisabled => Start == 4;
}

/// <summary>The boot loader: NTLDR with boot.ini (Windows 2000/XP/2003) or BOOTMGR with a BCD store (Vista and later).</summary>
/// <param name="Kind">"ntldr" or "bootmgr".</param>
/// <param name="Volume">Partition number of the volume holding boot.ini or \Boot\BCD.</param>
public sealed record BootLoaderInfo(string Kind, int Volume)
{
    public BootIni? BootIni { get; init; }
    public BcdSummary? Bcd { get; init; }
}

/// <summary>The HAL: the HardwareID under <c>Enum\Root\ACPI_HAL\0000</c> or <c>PCI_HAL\0000</c>, and what boot.ini forces.</summary>
/// <param name="HardwareId">"acpiapic_mp", "acpiapic_up", "acpipic_up", "mps_up", "e_isa_up", ... or "acpiapic" on Vista+.</param>
public sealed record HalInfo(string? HardwareId, bool Acpi)
{
    /// <summary>Device Manager's name of the HAL (WINDOWS.md §4 table).</summary>
    public string? Description { get; init; }

    /// <summary>boot.ini's default entry <c>/HAL=</c> file, if any.</summary>
    public string? ForcedHal { get; init; }

    /// <summary>boot.ini's default entry <c>/KERNEL=</c> file, if any.</summary>
    public string? ForcedKernel { get; init; }

    /// <summary>A uniprocessor HAL (…_up): the guest uses one CPU.</summary>
    public bool Uniprocessor => HardwareId?.EndsWith("_up", StringComparison.OrdinalIgnoreCase) ?? false;

    /// <summary>An APIC ACPI HAL, which Hyper-V integration services need (Vista+'s "acpiapic" included).</summary>
    [JsonIgnore]
    public bool ApicAcpi => HardwareId?.StartsWith("acpiapic", StringComparison.OrdinalIgnoreCase) ?? false;
}

/// <summary>NTFS state that decides whether the volume may be changed offline (WINDOWS.md §6, §8).</summary>
/// <param name="Hibernated">hiberfil.sys starts with "hibr"/"HIBR": Windows is hibernated, not shut down.</param>
/// <param name="Dirty">$Volume's dirty flag (chkdsk at next boot).</param>
/// <param name="LogFile">"clean", "empty", "dirty", "windowsCachedMetadata" (Fast Startup) or "unreadable".</param>
public sealed record VolumeState(bool Hibernated, bool Dirty, string LogFile, string NtfsVersion)
{
    /// <summary>Safe to change offline: not hibernated, not dirty, the log clean or reset.</summary>
    public bool CleanlyShutDown => !Hibernated && !Dirty && LogFile is "clean" or "empty";
}
