using System.Text;
using V2V.Guest.Devices;
using V2V.Guest.Ntfs;
using V2V.Guest.Partitions;
using V2V.Guest.Registry;
using V2V.Guest.Windows;

namespace V2V.Guest.Fixups;

/// <summary>
/// Applies the Hyper-V boot fixups (issue 14 item 3) to the Windows system volume of a disk, in
/// place, through the registry and NTFS writers, and returns the journal of everything changed
/// (<see cref="FixupJournal"/>; serialise it with <see cref="FixupJournalJson"/>, undo it with
/// <see cref="FixupUndo"/> or <see cref="UndoRegFile"/>). Nothing is written when the volume may
/// not be written (hibernated, unclean, dirty: every fixup is then <c>not-applied</c> with the
/// reason), when the SYSTEM hive is damaged in a way the reader tolerates (still dirty, or
/// inconsistent: every fixup <c>not-applied</c> with the reason) or when no fixup changes anything. The SYSTEM hive is read with its logs replayed and
/// written back whole and clean; only the sectors that differ reach the disk.
/// </summary>
public static class WindowsFixups
{
    private const string DriversPath = @"Windows\System32\drivers\";

    /// <summary>Room read after the SYSTEM hive for the bins the fixups may append (a few KiB), so the hive is never moved to a larger array.</summary>
    internal const int SpareHiveBytes = 256 * 1024;

    /// <param name="disk">The whole disk (partition table included), read and written in place.</param>
    /// <param name="options">Fixups to skip and services to disable.</param>
    /// <param name="fileTime">FILETIME stamped on changed keys and the hive (default: now).</param>
    /// <exception cref="V2V.Core.Errors.InvalidImageException">The partition table, volume or hive is damaged (nothing written).</exception>
    public static FixupJournal Apply(IBlockDevice disk, FixupOptions options, long? fileTime = null) => Apply(disk, options, fileTime, null);

    /// <summary>
    /// As the public overload; the SYSTEM hive is taken from <paramref name="inspected"/> (the
    /// inspection's read of this disk) when it is still the file's exact content, else read again.
    /// </summary>
    internal static FixupJournal Apply(IBlockDevice disk, FixupOptions options, long? fileTime, SystemHiveHandOff? inspected)
    {
        var source = new DeviceDiskSource(disk);
        var found = WindowsSystemVolume.Find(source, PartitionTable.Read(source));
        if (found is not { } windows)
        {
            return Unfixed(0, options, "no Windows system volume (an NTFS volume holding Windows\\System32\\config\\SYSTEM) on this disk");
        }

        var recording = new RecordingDevice(disk);
        NtfsWriter writer;
        try
        {
            writer = NtfsWriter.Open(recording, windows.Volume.Offset, windows.Volume.Length);
        }
        catch (NtfsWriteRefusedException e)
        {
            return Unfixed(windows.Volume.Offset, options, e.Reason);
        }

        // The inspection's image is used only if the file still holds exactly those bytes (nothing wrote it since).
        var system = inspected?.Take(windows.Volume.Offset, writer.Volume) is { } image
            ? RegistryHive.Open("SYSTEM", image, [])
            : VolumeHive.Open(writer.Volume, WindowsSystemVolume.SystemHivePath, "SYSTEM", SpareHiveBytes);
        if (Damage(system) is { } damage)
        {
            return Unfixed(windows.Volume.Offset, options, damage);
        }

        // The writer edits the image just read (the hive is not read again): one copy of the SYSTEM hive in memory.
        var hive = new JournaledHive(HiveWriter.Adopt(system, fileTime), WindowsSystemVolume.SystemHivePath);
        var sets = RegistryFixups.ControlSets(hive);
        var outcomes = new List<FixupOutcome>();
        var files = new List<FileChange>();
        foreach (string name in FixupNames.All)
        {
            if (!options.Wants(name))
            {
                outcomes.Add(new(name, "skipped", []));
                continue;
            }

            outcomes.Add(name switch
            {
                _ when sets.Count == 0 && name != FixupNames.Disk2vhdHal => new(name, "not-applied", ["the SYSTEM hive names no control set in Select\\Current or Select\\Default"]),
                FixupNames.IdeBoot => RegistryFixups.IdeBoot(hive, sets, file => writer.Volume.Exists(DriversPath + file)),
                FixupNames.ScsiBoot => RegistryFixups.ScsiBoot(hive, sets),
                FixupNames.ForeignAgents => RegistryFixups.Disable(name, hive, sets, RegistryFixups.ForeignAgents),
                FixupNames.DisableServices => RegistryFixups.Disable(name, hive, sets, options.DisableServices),
                FixupNames.CrashAutoReboot => RegistryFixups.CrashAutoReboot(hive, sets),
                _ => FixBootIni(writer, files),
            });
        }

        var registry = hive.Changes().ToList();
        if (hive.Writer.Changed)
        {
            long before;
            using (var old = writer.Volume.OpenFile(WindowsSystemVolume.SystemHivePath))
            {
                before = old.Length;
            }

            var bytes = hive.Writer.Commit();
            writer.ReplaceContent(WindowsSystemVolume.SystemHivePath, bytes.Span);
            files.Insert(0, new FileChange(WindowsSystemVolume.SystemHivePath, before, bytes.Length));
        }

        return new FixupJournal(FixupJournal.CurrentVersion, windows.Volume.Offset, outcomes, registry, hive.CreatedKeys, files,
            recording.Changes.Select(c => new DiskChange(c.Offset, c.Original.Length, Convert.ToBase64String(c.Original))).ToList());
    }

    /// <summary>
    /// Why a hive the reader tolerates must not be written, or null: still dirty (no log could be
    /// replayed, so its newest content may be in logs V2V could not read), or inconsistent where a
    /// walk of every key and value finds it (the reader notes such damage and reads on).
    /// </summary>
    private static string? Damage(RegistryHive hive)
    {
        if (hive.BaseBlock.IsDirty)
        {
            return $"{hive.File} is dirty and none of its transaction logs could be replayed, so it is not written: boot the source once, shut it down cleanly and convert again";
        }

        int before = hive.Findings.Count;
        hive.Root.ReadTree();
        return hive.Findings.Count > before
            ? $"{hive.Findings[before]}: a damaged hive is not written (let Windows repair it: boot the source once, shut it down cleanly and convert again)"
            : null;
    }

    private static FixupOutcome FixBootIni(NtfsWriter writer, List<FileChange> files)
    {
        if (!writer.Volume.Exists("boot.ini"))
        {
            return new(FixupNames.Disk2vhdHal, "not-needed", ["no boot.ini on the Windows volume (BOOTMGR or another boot volume)"]);
        }

        var old = writer.Volume.ReadAllBytes("boot.ini");
        if (BootIniFix.Fix(Encoding.Latin1.GetString(old)) is not { } fixedIni)
        {
            return new(FixupNames.Disk2vhdHal, "not-needed", []);
        }

        var bytes = Encoding.Latin1.GetBytes(fixedIni.Text);
        writer.ReplaceContent("boot.ini", bytes);
        files.Add(new FileChange(@"\boot.ini", old.Length, bytes.Length));
        return new(FixupNames.Disk2vhdHal, "applied", [fixedIni.Detail]);
    }

    private static FixupJournal Unfixed(long offset, FixupOptions options, string reason) =>
        new(FixupJournal.CurrentVersion, offset,
            FixupNames.All.Select(n => options.Wants(n) ? new FixupOutcome(n, "not-applied", [reason]) : new FixupOutcome(n, "skipped", [])).ToList(),
            [], [], [], []);
}
