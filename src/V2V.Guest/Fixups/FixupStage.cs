using V2V.Core.Conversion;
using V2V.Core.Errors;
using V2V.Guest.Devices;
using V2V.Guest.Inspection;
using V2V.Guest.Windows;

namespace V2V.Guest.Fixups;

/// <summary>
/// The conversion's post-copy guest stage (issue 14 item 4): inspects the partial target, and when
/// it holds Windows applies <see cref="WindowsFixups"/> through it. When a fixup changed the disk,
/// <c>TARGET.fixups.json</c> (with both digests) and <c>TARGET.undo.reg</c> are written as partial
/// outputs of the conversion's set, so they appear with the target or not at all. In
/// <see cref="FixupMode.Auto"/> every problem is a warning and the target keeps what could be done;
/// in <see cref="FixupMode.On"/> a needed fixup not applied fails the conversion
/// (<see cref="GuestFixupException"/>, exit 4) and nothing is written. A fixup is needed unless
/// the readiness verdict asks for it only on blocked generations (scsi-boot for a Server 2003
/// guest, which boots from IDE on generation 1 and never on generation 2): such a fixup not
/// applied is reported on its line, not as a warning.
/// </summary>
public sealed class FixupStage : IGuestStage
{
    private readonly FixupMode _mode;
    private readonly FixupOptions _options;

    private FixupStage(FixupMode mode, FixupOptions options) => (_mode, _options) = (mode, options);

    /// <summary>The stage for <paramref name="request"/>; null when fixups are off.</summary>
    /// <param name="where">Names the option or YAML key in the error.</param>
    /// <exception cref="UsageException">A fixup name is not one of <see cref="FixupNames.All"/>.</exception>
    public static FixupStage? From(FixupRequest request, string where)
    {
        foreach (string name in request.Skip)
        {
            if (!FixupNames.All.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                throw new UsageException($"{where}: unknown fixup \"{name}\" (known: {string.Join(", ", FixupNames.All)})");
            }
        }

        return request.Mode == FixupMode.Off ? null : new FixupStage(request.Mode, new FixupOptions(request.Skip, request.DisableServices));
    }

    public bool AppliesTo(TargetPlan plan, bool canReadBack) => _mode switch
    {
        FixupMode.On when !canReadBack => throw new UsageException(
            $"{plan.Request.Path}: --fixups on cannot fix a {plan.Format.Name} target (its writer lays data out in disk order); convert to vhdx, vhd or raw, or use --fixups auto"),
        FixupMode.On => true,
        _ => canReadBack && plan.Format.Name is "vhdx" or "vhd",
    };

    public GuestStageReport Run(GuestStageTarget target, CancellationToken cancellationToken)
    {
        var device = new StageDevice(target);
        // The inspection keeps the SYSTEM hive it reads for the fix, which checks it against the disk and edits it in place: one read, one copy.
        var systemHive = new SystemHiveHandOff(WindowsFixups.SpareHiveBytes);
        DiskInspection inspection;
        try
        {
            inspection = GuestInspector.Inspect(new DeviceDiskSource(device), target.SourceName, systemHive);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or IOException))
        {
            // Inspection problems never fail a conversion in auto: the target keeps the source's bytes.
            return Refused([], $"{target.FinalPath}: fixups not applied, the guest could not be inspected: {e.Message}");
        }

        var lines = new List<string>(inspection.Readiness.Select(r => r.Summary));
        if (inspection.Windows.Count == 0)
        {
            // auto stays silent about disks that are not Windows (most Linux conversions); on says why nothing happened.
            return new GuestStageReport(_mode == FixupMode.On ? [.. lines, "no Windows system volume: nothing to fix"] : lines, [], []);
        }

        cancellationToken.ThrowIfCancellationRequested();
        // The inspection's parsed keys are garbage now; the fix's damage walk allocates ~30 MiB of
        // short-lived objects on top of the kept hive. Collecting here, once per target, keeps the
        // heap from growing by both (peak 63 -> 61 MiB in the benchmark's guest).
        GC.Collect();
        FixupJournal journal;
        try
        {
            journal = WindowsFixups.Apply(device, _options, null, systemHive);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or IOException or GuestFixupException))
        {
            // A damaged volume or hive the reader tolerated is never written: drop whatever was changed.
            target.Discard();
            return Refused(lines, $"{target.FinalPath}: fixups not applied, the guest could not be written safely: {e.Message}");
        }

        var warnings = new List<string>();
        var needed = Needed(inspection.Readiness);
        foreach (var fixup in journal.Fixups)
        {
            bool notApplied = fixup.Status == "not-applied";
            lines.Add($"{fixup.Name}: {fixup.Status}{(notApplied && !needed(fixup.Name) ? " (only a blocked generation needs it)" : "")}");
            if (notApplied && needed(fixup.Name))
            {
                warnings.Add($"{target.FinalPath}: fixup {fixup.Name} not applied: {string.Join("; ", fixup.Details)}");
            }
        }

        if (_mode == FixupMode.On && warnings.Count > 0)
        {
            throw new GuestFixupException(string.Join(" / ", warnings) + " (--fixups on: nothing written)");
        }

        if (!target.Changed)
        {
            return new GuestStageReport(lines, [], warnings);
        }

        journal = journal with { SourceDigest = target.SourceDigest, OutputDigest = target.Flush(), SourceCapacity = target.Capacity };
        string journalPath = FixupJournalFile.JournalPathOf(target.FinalPath);
        string undoPath = FixupJournalFile.UndoRegPathOf(target.FinalPath);
        target.Outputs.WriteBytes(journalPath, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(journal, FixupJournalJson.Default.FixupJournal));
        target.Outputs.WriteBytes(undoPath, UndoRegFile.Bytes(journal));
        lines.Add($"journal: {Path.GetFileName(journalPath)}, {Path.GetFileName(undoPath)}");
        return new GuestStageReport(lines, [journalPath, undoPath], warnings);
    }

    /// <summary>
    /// Whether a fixup matters for a generation the guest can boot on: the readiness verdicts name
    /// ide-boot, scsi-boot, disk2vhd-hal and foreign-agents per generation, so one named only by
    /// blocked generations is not needed; the others (disable-services, crash-autoreboot) always
    /// are. When every generation is blocked, every fixup counts, as before there was a verdict.
    /// </summary>
    private static Func<string, bool> Needed(IReadOnlyList<GenerationReadiness> readiness)
    {
        var bootable = readiness.Where(r => r.Verdict != GenerationReadiness.Blocked).ToList();
        if (bootable.Count == 0)
        {
            return _ => true;
        }

        string[] judged = [FixupNames.IdeBoot, FixupNames.ScsiBoot, FixupNames.Disk2vhdHal, FixupNames.ForeignAgents];
        return name => !judged.Contains(name) || bootable.Any(r => r.Fixes.Any(f => f.Name == name));
    }

    private GuestStageReport Refused(List<string> lines, string problem)
    {
        if (_mode == FixupMode.On)
        {
            throw new GuestFixupException(problem + " (--fixups on: nothing written)");
        }

        lines.Add("fixups not applied");
        return new GuestStageReport(lines, [], [problem]);
    }

    /// <summary>The partial target as the device the guest writers take.</summary>
    private sealed class StageDevice(GuestStageTarget target) : IBlockDevice
    {
        public string Path => target.FinalPath;
        public long Capacity => target.Capacity;
        public void Read(long offset, Span<byte> destination) => target.Read(offset, destination);
        public void Write(long offset, ReadOnlySpan<byte> source) => target.Write(offset, source);
    }
}
