using System.Text.Json.Serialization;
using V2V.Guest.Partitions;
using V2V.Guest.Windows;

namespace V2V.Guest.Inspection;

/// <summary>
/// What <see cref="GuestInspector"/> found on one disk: its partitions and file systems, every
/// Windows installation, Linux file systems (named, not inspected further) and, when the disk holds
/// Windows, whether it will boot on each Hyper-V generation.
/// </summary>
/// <param name="Name">The disk as the user knows it (a path, or "package:disk" inside a VM package).</param>
/// <param name="PartitionScheme">"mbr", "gpt" or "none".</param>
public sealed record DiskInspection(string Name, long Capacity, string PartitionScheme)
{
    /// <summary>The MBR disk signature as 8 hex digits (also in a GPT disk's protective MBR).</summary>
    public string? MbrSignature { get; init; }

    public Guid? GptDiskGuid { get; init; }

    /// <summary>How the disk boots, from its partition table (<see cref="DiskLayout.BootStyle"/>); not part of the report.</summary>
    [JsonIgnore]
    public BootStyle BootStyle { get; init; }

    public IReadOnlyList<VolumeSummary> Volumes { get; init; } = [];

    public IReadOnlyList<WindowsInspection> Windows { get; init; } = [];

    /// <summary>Linux file systems found (ext4, XFS, LVM2 physical volume, ...); null when there are none.</summary>
    public LinuxSummary? Linux { get; init; }

    /// <summary>One verdict per Hyper-V generation (1 then 2) for the disk's first Windows; empty without Windows or a blocking disk layout.</summary>
    public IReadOnlyList<GenerationReadiness> Readiness { get; init; } = [];

    /// <summary>Problems of the partition table and volumes, in plain sentences.</summary>
    public IReadOnlyList<string> Findings { get; init; } = [];
}

/// <summary>A volume of the disk (offsets and lengths in bytes).</summary>
/// <param name="FileSystem">"NTFS", "FAT32", "ext4", "BitLocker", ... or "unknown".</param>
public sealed record VolumeSummary(int Number, long Offset, long Length, string FileSystem, string PartitionType, bool Active);

/// <summary>Linux file systems of a disk, which V2V does not inspect further.</summary>
/// <param name="Note">Always "not inspected further".</param>
public sealed record LinuxSummary(IReadOnlyList<string> FileSystems, string Note = "not inspected further");

/// <summary>A fix the guest needs before it boots on a generation, named for the fix step (issue 14) that applies it.</summary>
/// <param name="Name">Stable: "ide-boot", "scsi-boot", "disk2vhd-hal", "foreign-agents".</param>
public sealed record ReadinessFix(string Name, string Description);

/// <summary>The verdict for one Hyper-V generation.</summary>
/// <param name="Verdict">"ready", "fixable" (see <see cref="Fixes"/>) or "blocked" (see <see cref="Reasons"/>).</param>
public sealed record GenerationReadiness(int Generation, string Verdict, IReadOnlyList<ReadinessFix> Fixes, IReadOnlyList<string> Reasons, IReadOnlyList<string> Warnings)
{
    public const string Ready = "ready";
    public const string Fixable = "fixable";
    public const string Blocked = "blocked";

    public string Summary => Verdict switch
    {
        Ready => $"generation {Generation}: ready",
        Fixable => $"generation {Generation}: fixable ({string.Join(", ", Fixes.Select(f => f.Name))})",
        _ => $"generation {Generation}: blocked ({string.Join("; ", Reasons)})",
    };
}
