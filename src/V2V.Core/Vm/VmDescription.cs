namespace V2V.Core.Vm;

public enum Firmware
{
    Bios,
    Uefi,
}

/// <summary>Controller kinds, in the order firmware usually looks for the boot disk.</summary>
public enum ControllerKind
{
    Ide,
    Scsi,
    Sata,
    Nvme,
    Xen,
}

public enum DriveKind
{
    Disk,
    CdRom,
}

/// <summary>
/// A disk or CD-ROM and where it sits: controller kind and model, bus (controller number) and unit.
/// <see cref="Source"/> is what the source names it by (a VMX fileName, an OVF disk id, an XVA VDI ref).
/// </summary>
public sealed record VmDrive(DriveKind Kind, ControllerKind Controller, string? ControllerModel, int Bus, int Unit, string? Source, long? Capacity, bool Bootable = false);

/// <summary>A network adapter: MAC (static when the source pinned it), network name, adapter model.</summary>
public sealed record VmNic(int Index, string? Mac, bool StaticMac, string? Network, string? Model);

/// <summary>
/// The hypervisor-neutral description of a VM that VMX, OVF and XVA readers produce and the
/// Hyper-V mapping consumes. Drives are in controller order (IDE, SCSI, SATA, NVMe, Xen; then bus,
/// unit), which is also the order of the converted disk files (disk1, disk2, ...): disk1 is
/// the disk the firmware would boot from unless the source says otherwise.
/// </summary>
public sealed record VmDescription(
    string Name,
    string SourceHypervisor,
    string? SourceId,
    Firmware Firmware,
    int Cpus,
    long MemoryMiB,
    string? GuestOs,
    IReadOnlyList<VmDrive> Drives,
    IReadOnlyList<VmNic> Nics,
    IReadOnlyList<string> OtherDevices)
{
    /// <summary>The power state the source recorded ("Suspended", "Halted", ...), when it records one.</summary>
    public string? PowerState { get; init; }

    /// <summary>What the source reader left out or could not take, shown with the VM's other warnings.</summary>
    public IReadOnlyList<string> SourceWarnings { get; init; } = [];

    /// <summary>The hard disks, in the order their converted files are numbered.</summary>
    public IEnumerable<VmDrive> Disks => Drives.Where(d => d.Kind == DriveKind.Disk);

    public static IReadOnlyList<VmDrive> InControllerOrder(IEnumerable<VmDrive> drives) =>
        [.. drives.OrderBy(d => d.Controller).ThenBy(d => d.Bus).ThenBy(d => d.Unit)];

    /// <summary>
    /// A name safe to use in output file names here and on the Windows host the scripts are for:
    /// no separators or control characters, not a DOS device name (CON, NUL, COM1...), and at most
    /// 100 UTF-8 bytes, so "&lt;name&gt;-disk12.vhdx.partial" stays under the 255-byte limit.
    /// </summary>
    public string FileSafeName
    {
        get
        {
            var invalid = Path.GetInvalidFileNameChars().Concat(['\\', ':', '*', '?', '"', '<', '>', '|']).ToHashSet();
            var safe = new string(Name.Select(c => invalid.Contains(c) || char.IsControl(c) ? '_' : c).ToArray()).Trim().Trim('.');
            if (safe.Length == 0)
            {
                return "vm";
            }

            if (System.Text.Encoding.UTF8.GetByteCount(safe) > MaxFileNameBytes)
            {
                // Cut on a character boundary and keep names that share a long prefix apart.
                string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Name)))[..8];
                var kept = new System.Text.StringBuilder();
                int bytes = 0;
                foreach (var rune in safe.EnumerateRunes())
                {
                    bytes += rune.Utf8SequenceLength;
                    if (bytes > MaxFileNameBytes - 9)
                    {
                        break;
                    }

                    kept.Append(rune.ToString());
                }

                safe = $"{kept}-{hash}";
            }

            string stem = safe.Split('.')[0].TrimEnd();
            return DosDeviceNames.Contains(stem, StringComparer.OrdinalIgnoreCase) ? "_" + safe : safe;
        }
    }

    private const int MaxFileNameBytes = 100;

    private static readonly string[] DosDeviceNames =
        ["CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9"];
}
