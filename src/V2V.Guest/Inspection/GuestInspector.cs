using System.Globalization;
using V2V.Core.Disks;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.Guest.Windows;

namespace V2V.Guest.Inspection;

/// <summary>
/// Inspects a guest disk through <see cref="IDiskSource"/> only, reading just the structures it
/// needs (partition table, NTFS metadata, hives, a few file heads): partitions and file systems,
/// every Windows installation with its Hyper-V readiness, Linux file systems by name. Never
/// throws for damaged content (findings say what could not be read); I/O errors of the source
/// itself, cancellation and out-of-memory pass through.
/// </summary>
public static class GuestInspector
{
    private static readonly int[] Generations = [1, 2];

    private static readonly FileSystemKind[] LinuxKinds =
        [FileSystemKind.Ext2, FileSystemKind.Ext3, FileSystemKind.Ext4, FileSystemKind.Xfs, FileSystemKind.Btrfs,
         FileSystemKind.LvmPhysicalVolume, FileSystemKind.LinuxSwap, FileSystemKind.Luks];

    /// <param name="name">How the disk is named in the result (defaults to <see cref="IDiskSource.Path"/>).</param>
    public static DiskInspection Inspect(IDiskSource disk, string? name = null) => Inspect(disk, name, null);

    /// <summary>As the public overload; <paramref name="handOff"/> keeps the SYSTEM hive the fix will edit (see <see cref="SystemHiveHandOff"/>).</summary>
    internal static DiskInspection Inspect(IDiskSource disk, string? name, SystemHiveHandOff? handOff)
    {
        var layout = PartitionTable.Read(disk);
        var findings = new List<string>(layout.Findings);
        var opened = new Dictionary<int, NtfsVolume?>();
        NtfsVolume? Open(DiskVolume volume)
        {
            if (!opened.TryGetValue(volume.Number, out var ntfs))
            {
                WindowsInspector.Try(findings, $"the NTFS volume {volume.Number}", () => ntfs = NtfsVolume.Open(disk, volume.Offset, volume.Length));
                opened[volume.Number] = ntfs;
            }

            return ntfs;
        }

        var windows = new List<WindowsInspection>();
        foreach (var volume in layout.Volumes.Where(v => v.FileSystem == FileSystemKind.Ntfs))
        {
            if (Open(volume) is not { } ntfs)
            {
                continue;
            }

            foreach (string root in WindowsInspector.FindSystemRoots(ntfs))
            {
                windows.Add(WindowsInspector.Inspect(disk, layout, volume.Number, ntfs, root, Open, handOff));
            }
        }

        var linux = layout.Volumes.Where(v => LinuxKinds.Contains(v.FileSystem)).Select(v => v.FileSystem.Describe()).Distinct().ToList();
        return new DiskInspection(name ?? disk.Path, disk.Capacity, layout.Scheme.ToString().ToLowerInvariant())
        {
            MbrSignature = layout.MbrDiskSignature?.ToString("X8", CultureInfo.InvariantCulture),
            GptDiskGuid = layout.GptDiskGuid,
            BootStyle = layout.BootStyle,
            Volumes = [.. layout.Volumes.Select(v => new VolumeSummary(v.Number, v.Offset, v.Length, v.FileSystem.Describe(), v.PartitionType, v.IsActive))],
            Windows = windows,
            Linux = linux.Count > 0 ? new LinuxSummary(linux) : null,
            Readiness = Readiness(layout, windows),
            Findings = findings,
        };
    }

    /// <summary>The verdict of the disk's first Windows; a dynamic disk or a BitLocker volume blocks both generations.</summary>
    private static IReadOnlyList<GenerationReadiness> Readiness(DiskLayout layout, List<WindowsInspection> windows)
    {
        var diskReasons = new List<string>();
        if (layout.IsDynamicDisk)
        {
            diskReasons.Add("dynamic disk (LDM): convert it to a basic disk at the source first");
        }

        if (layout.Volumes.Any(v => v.FileSystem == FileSystemKind.BitLocker))
        {
            diskReasons.Add("BitLocker-encrypted volume: its content cannot be read or fixed; suspend or remove BitLocker at the source first");
        }

        if (windows.Count == 0)
        {
            return diskReasons.Count == 0 ? [] : [.. Generations.Select(g => new GenerationReadiness(g, GenerationReadiness.Blocked, [], diskReasons, []))];
        }

        return [.. HyperVReadiness.Assess(windows[0], layout).Select(r => diskReasons.Count == 0 ? r
            : r with { Verdict = GenerationReadiness.Blocked, Reasons = [.. diskReasons, .. r.Reasons] })];
    }
}
