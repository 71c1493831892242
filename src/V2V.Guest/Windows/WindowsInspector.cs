using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.Guest.Registry;

namespace V2V.Guest.Windows;

/// <summary>
/// Reads one Windows installation (WINDOWS.md §1-6) from an NTFS volume: SYSTEM and SOFTWARE
/// hives (replayed from their logs), the PE header of cmd.exe, boot.ini or the BCD store, driver
/// files, hiberfil.sys, $Volume and $LogFile. Read-only. Every concern is read on its own: a
/// damaged structure becomes a sentence in <see cref="WindowsInspection.Findings"/> and leaves its
/// fields null, so inspection never fails (only cancellation and out-of-memory pass through).
/// </summary>
public static class WindowsInspector
{
    /// <summary>Folders a Windows system root may be (2000 installs to \WINNT).</summary>
    public static readonly IReadOnlyList<string> SystemRoots = [@"\Windows", @"\WINNT"];

    /// <summary>The system roots of <paramref name="volume"/> that hold a SYSTEM hive.</summary>
    public static IReadOnlyList<string> FindSystemRoots(NtfsVolume volume)
    {
        // Named as the volume spells them ("\WINDOWS" on 2003), which lookups ignore but people read.
        var names = Guarded(() => volume.ListDirectory("\\")) ?? [];
        return [.. SystemRoots
            .Select(root => names.FirstOrDefault(e => e.IsDirectory && string.Equals("\\" + e.Name, root, StringComparison.OrdinalIgnoreCase)) is { } entry ? "\\" + entry.Name : root)
            .Where(root => Guarded(() => volume.Exists(root + @"\System32\config\SYSTEM")))];
    }

    /// <summary>
    /// Inspects the Windows at <paramref name="systemRoot"/> of <paramref name="volume"/> (partition
    /// <paramref name="number"/> of a disk laid out as <paramref name="layout"/>). <paramref name="openVolume"/>
    /// opens another NTFS volume of the same disk by number (for boot.ini or \Boot\BCD on an active
    /// partition of its own), or returns null.
    /// </summary>
    public static WindowsInspection Inspect(IDiskSource disk, DiskLayout layout, int number, NtfsVolume volume, string systemRoot,
        Func<DiskVolume, NtfsVolume?> openVolume) => Inspect(disk, layout, number, volume, systemRoot, openVolume, null);

    /// <summary>As the public overload; the SYSTEM hive read goes to <paramref name="handOff"/> too when it wants that one.</summary>
    internal static WindowsInspection Inspect(IDiskSource disk, DiskLayout layout, int number, NtfsVolume volume, string systemRoot,
        Func<DiskVolume, NtfsVolume?> openVolume, SystemHiveHandOff? handOff)
    {
        var findings = new List<string>();
        var inspection = new WindowsInspection(number, systemRoot);
        string where = $"volume {number}";

        Try(findings, $"the NTFS state of {where}", () => inspection = inspection with { VolumeState = ReadVolumeState(volume) });

        RegistryKey? controlSet = null;
        RegistryHive? system = null;
        Try(findings, $@"{systemRoot}\System32\config\SYSTEM", () =>
        {
            string path = $@"{systemRoot}\System32\config\SYSTEM";
            bool keep = handOff?.Wants(path) == true;
            system = VolumeHive.Open(volume, path, path, keep ? handOff!.Spare : 0);
            if (keep)
            {
                handOff!.Keep(volume.Offset, system);
            }

            findings.AddRange(system.Findings);
            controlSet = system.CurrentControlSet;
            if (controlSet is null)
            {
                findings.Add($@"{systemRoot}\System32\config\SYSTEM: Select\Current names no control set that exists");
            }
        });

        if (system is not null)
        {
            Try(findings, "MountedDevices", () => inspection = inspection with { DriveLetters = MountedDevices.Letters(system, layout) });
        }

        if (controlSet is not null)
        {
            var cs = controlSet;
            inspection = inspection with { CurrentControlSet = cs.Name };
            Try(findings, "the product type and computer name", () => inspection = WindowsVersion.FromSystem(inspection, cs));
            Try(findings, "the HAL", () => inspection = inspection with { Hal = HalReader.Read(cs) });
            Try(findings, "the storage drivers", () => inspection = inspection with
            {
                StorageDrivers = StorageDrivers.Read(cs, volume, systemRoot),
                HasCriticalDeviceDatabase = cs.Subkey("Control")?.Subkey("CriticalDeviceDatabase") is not null,
                CriticalDevices = StorageDrivers.CriticalDevices(cs),
                BootStorageServices = StorageDrivers.BootStorageServices(cs),
            });
            Try(findings, "other hypervisors' services", () => inspection = inspection with
            {
                ForeignAgents = ForeignAgents.Read(cs),
                HasSyntheticNetworkDriver = cs.Subkey("Services")?.Subkeys.Any(s => s.Name.StartsWith("netvsc", StringComparison.OrdinalIgnoreCase)) == true,
                ProcessorDrivers = ForeignAgents.ProcessorDrivers(cs),
            });
        }

        Try(findings, $@"{systemRoot}\System32\config\SOFTWARE", () =>
        {
            var software = VolumeHive.Open(volume, $@"{systemRoot}\System32\config\SOFTWARE", $@"{systemRoot}\System32\config\SOFTWARE");
            findings.AddRange(software.Findings);
            inspection = WindowsVersion.FromSoftware(inspection, software);
        });

        inspection = ReadArchitecture(inspection, volume, systemRoot, controlSet, findings);
        inspection = ReadBootLoader(inspection, layout, number, volume, openVolume, findings);
        return inspection with { Findings = findings };
    }

    /// <summary>The PE header of cmd.exe, else ntoskrnl.exe, else the registry's PROCESSOR_ARCHITECTURE.</summary>
    private static WindowsInspection ReadArchitecture(WindowsInspection inspection, NtfsVolume volume, string systemRoot, RegistryKey? controlSet, List<string> findings)
    {
        foreach (string file in new[] { "cmd.exe", "ntoskrnl.exe" })
        {
            string path = $@"{systemRoot}\System32\{file}";
            string? architecture = null;
            Try(findings, path, () =>
            {
                if (volume.Exists(path))
                {
                    using var stream = volume.OpenFile(path);
                    var head = new byte[Math.Min(PeMachine.HeadBytes, stream.Length)];
                    stream.ReadExactly(head);
                    architecture = PeMachine.Architecture(head);
                }
            });
            if (architecture is not null)
            {
                return inspection with { Architecture = architecture, ArchitectureSource = $"PE header of {path}" };
            }
        }

        string? fromRegistry = null;
        if (controlSet is not null)
        {
            Try(findings, "PROCESSOR_ARCHITECTURE", () => fromRegistry = PeMachine.FromProcessorArchitecture(WindowsVersion.ProcessorArchitecture(controlSet)));
        }

        return fromRegistry is null ? inspection
            : inspection with { Architecture = fromRegistry, ArchitectureSource = @"Control\Session Manager\Environment\PROCESSOR_ARCHITECTURE" };
    }

    /// <summary>
    /// \Boot\BCD (BOOTMGR) or \boot.ini (NTLDR) on the active partition, else on the system volume,
    /// else on another NTFS volume of the disk. A boot.ini default entry forcing /HAL or /KERNEL is
    /// copied into <see cref="HalInfo"/>.
    /// </summary>
    private static WindowsInspection ReadBootLoader(WindowsInspection inspection, DiskLayout layout, int number, NtfsVolume system,
        Func<DiskVolume, NtfsVolume?> openVolume, List<string> findings)
    {
        var candidates = layout.Volumes.Where(v => v.FileSystem == FileSystemKind.Ntfs)
            .OrderBy(v => v.IsActive ? 0 : v.Number == number ? 1 : 2).ThenBy(v => v.Number);
        foreach (var candidate in candidates)
        {
            var ntfs = candidate.Number == number ? system : Guarded(() => openVolume(candidate));
            if (ntfs is null)
            {
                continue;
            }

            BootLoaderInfo? loader = null;
            Try(findings, $@"\Boot\BCD of volume {candidate.Number}", () =>
            {
                if (ntfs.Exists(@"\Boot\BCD"))
                {
                    var bcd = VolumeHive.Open(ntfs, @"\Boot\BCD", @"\Boot\BCD");
                    findings.AddRange(bcd.Findings);
                    loader = new BootLoaderInfo("bootmgr", candidate.Number) { Bcd = BcdStore.ReadDefault(bcd, findings) };
                }
            });
            Try(findings, $@"\boot.ini of volume {candidate.Number}", () =>
            {
                if (loader is null && ntfs.Exists(@"\boot.ini"))
                {
                    using var stream = ntfs.OpenFile(@"\boot.ini");
                    var bytes = new byte[Math.Min(stream.Length, BootIni.MaxBytes)];
                    stream.ReadExactly(bytes);
                    loader = new BootLoaderInfo("ntldr", candidate.Number) { BootIni = BootIni.Parse(bytes) };
                }
            });

            if (loader is not null)
            {
                var entry = loader.BootIni?.DefaultEntry;
                var hal = inspection.Hal ?? new HalInfo(null, false);
                string? forcedHal = entry?.Switch("HAL") ?? loader.Bcd?.HalPath;
                string? forcedKernel = entry?.Switch("KERNEL") ?? loader.Bcd?.Kernel;
                if (loader.BootIni is { } ini && ini.Default is not null && entry is null)
                {
                    findings.Add($@"\boot.ini of volume {candidate.Number}: default={ini.Default} names no entry of [operating systems]");
                }

                return inspection with
                {
                    BootLoader = loader,
                    Hal = forcedHal is null && forcedKernel is null ? inspection.Hal : hal with { ForcedHal = forcedHal, ForcedKernel = forcedKernel },
                };
            }
        }

        findings.Add(layout.Scheme == PartitionScheme.Gpt
            ? "no boot loader found on the disk's NTFS volumes (a UEFI boot loader on the FAT EFI system partition is not read)"
            : "no boot loader found: neither \\Boot\\BCD nor \\boot.ini on the disk's NTFS volumes");
        return inspection;
    }

    private static VolumeState ReadVolumeState(NtfsVolume volume)
    {
        bool hibernated = false;
        if (volume.Exists(@"\hiberfil.sys"))
        {
            using var stream = volume.OpenFile(@"\hiberfil.sys");
            var magic = new byte[4];
            hibernated = stream.Length >= 4 && stream.Read(magic) == 4 && (magic.AsSpan().SequenceEqual("hibr"u8) || magic.AsSpan().SequenceEqual("HIBR"u8));
        }

        var information = volume.Information;
        string log = volume.LogFileState switch
        {
            LogFileState.Clean => "clean",
            LogFileState.Empty => "empty",
            LogFileState.Dirty => "dirty",
            LogFileState.WindowsCachedMetadata => "windowsCachedMetadata",
            _ => "unreadable",
        };
        return new VolumeState(hibernated, information.IsDirty, log, $"{information.MajorVersion}.{information.MinorVersion}");
    }

    /// <summary>Runs one concern; its failure becomes a finding "could not read WHAT: why".</summary>
    internal static void Try(List<string> findings, string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (Problem(e) is { } problem)
        {
            findings.Add($"could not read {what}: {problem}");
        }
    }

    private static T? Guarded<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (Problem(e) is not null)
        {
            return default;
        }
    }

    /// <summary>The message of an exception inspection absorbs; null for cancellation and out-of-memory, which pass through.</summary>
    private static string? Problem(Exception e) => e switch
    {
        OperationCanceledException or OutOfMemoryException => null,
        V2VException or IOException or InvalidOperationException or ArgumentException or FormatException => e.Message,
        _ => $"internal error: {e.GetType().Name}: {e.Message}",
    };
}
