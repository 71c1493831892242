using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Vm;

namespace V2V.Guest.Inspection;

/// <summary>
/// Turns an inspection into the <see cref="GuestReport"/> that vm.json, <c>convert --json</c> and a
/// pipeline's report store: the first Windows's facts (the one the verdict is for), Linux file
/// systems, the verdict per generation, and every finding of the disk and its Windows.
/// </summary>
public static class GuestReports
{
    /// <param name="disk">The 1-based disk number the inspection read.</param>
    public static GuestReport From(DiskInspection inspection, int disk)
    {
        var findings = inspection.Findings.Concat(inspection.Windows.SelectMany(w => w.Findings)).ToList();
        var readiness = inspection.Readiness.Select(r => new GuestReadiness(r.Generation, r.Verdict,
            [.. r.Fixes.Select(f => new GuestFix(f.Name, f.Description))], r.Reasons, r.Warnings)).ToList();
        if (inspection.Windows.Count > 0)
        {
            var w = inspection.Windows[0];
            return new GuestReport(disk, "windows")
            {
                ProductName = w.ProductName,
                Version = w.Version,
                Build = w.Build,
                ServicePack = w.ServicePack,
                Edition = w.Edition,
                Architecture = w.Architecture,
                ComputerName = w.ComputerName,
                SystemRoot = w.SystemRoot,
                Readiness = readiness,
                Findings = findings,
            };
        }

        return new GuestReport(disk, inspection.Linux is null ? "unknown" : "linux")
        {
            FileSystems = inspection.Linux?.FileSystems,
            Readiness = readiness,
            Findings = findings,
        };
    }

    /// <summary>
    /// Inspects <paramref name="source"/> and reports it as disk <paramref name="disk"/>. A disk that
    /// cannot be read at all (bad image, I/O error, a reader's bug) gives a report whose finding says
    /// so and a null inspection: inspecting never fails a conversion or a plan. Cancellation passes.
    /// </summary>
    public static (DiskInspection? Inspection, GuestReport Report) Inspect(IDiskSource source, int disk, string? name = null)
    {
        try
        {
            var inspection = GuestInspector.Inspect(source, name);
            return (inspection, From(inspection, disk));
        }
        catch (Exception e) when (e is V2VException or IOException or UnauthorizedAccessException)
        {
            return (null, new GuestReport(disk, "unknown") { Findings = [$"could not inspect disk {disk}: {e.Message}"] });
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // A reader's bug costs the inspection, not the conversion it is part of; the finding names it.
            return (null, new GuestReport(disk, "unknown") { Findings = [$"could not inspect disk {disk}: internal error: {e.GetType().Name}: {e.Message}"] });
        }
    }
}
