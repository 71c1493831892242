using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.Guest.Inspection;

namespace V2V.Jobs.Planning;

/// <summary>One guest a dry run shows: the inspection of a disk, or why there is none yet.</summary>
/// <param name="Vm">The VM's name; null for a disk job.</param>
/// <param name="Report">What inspection found; null when the disk was not inspected (see <paramref name="Note"/>).</param>
public sealed record PlannedGuest(string? Vm, GuestReport? Report, string? Note = null);

/// <summary>
/// Inspects a planned job's guest from its source before any copy (for <c>--dry-run</c>): a disk
/// job's source, and each VM's boot disk (disk 1) when the package hands it over for random access
/// (a VMX's or OVF's disk files, an OVA file's members read in place). A streamed disk (XVA, a
/// streamed or compressed package member) cannot be read before it is copied: it is noted as
/// inspected after conversion (when a target hypervisor's definition inspects the converted disk)
/// or not inspected. Reading stops at the last boot disk, so a package is not read through (nor
/// its members hashed). Never fails: a source that cannot be read gives a finding.
/// </summary>
public static class PlanInspection
{
    public static async Task<IReadOnlyList<PlannedGuest>> InspectAsync(PlannedJob job, FormatRegistry formats, CancellationToken cancellationToken)
    {
        try
        {
            using var source = job.Spec.Source.Open(formats);
            if (source.Disk is { } disk)
            {
                return [new PlannedGuest(null, GuestReports.Inspect(disk, 1, job.Spec.Source.Name).Report)];
            }

            return await InspectVmsAsync(job, source.Vms!, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is V2VException or IOException or UnauthorizedAccessException or Sources.JobFileException)
        {
            return [new PlannedGuest(null, new GuestReport(1, "unknown") { Findings = [$"could not inspect {job.Spec.Source.Name}: {e.Message}"] })];
        }
    }

    private static async Task<IReadOnlyList<PlannedGuest>> InspectVmsAsync(PlannedJob job, IVmSource package, CancellationToken cancellationToken)
    {
        var found = new Dictionary<VmDescription, PlannedGuest>();
        var booting = package.Vms.Where(vm => vm.Disks.Any()).ToList();
        string later = job.Target is null
            ? "not inspected: the disk is streamed, so it cannot be read before it is copied, and only a Hyper-V target inspects the converted disk"
            : "inspected after conversion: the disk is streamed, so it cannot be read before it is copied";
        bool stopped = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await package.ForEachDiskAsync(feed =>
            {
                lock (found)
                {
                    if (stopped)
                    {
                        return Task.CompletedTask;
                    }

                    bool random = feed.Producer is RandomAccessProducer;
                    if (feed.DiskNumber == 1 && !found.ContainsKey(feed.Vm))
                    {
                        found[feed.Vm] = random
                            ? new PlannedGuest(feed.Vm.Name, GuestReports.Inspect(((RandomAccessProducer)feed.Producer).Source, 1, feed.Name).Report)
                            : new PlannedGuest(feed.Vm.Name, null, later);
                    }

                    // A streamed disk cannot be skipped without reading it through; after the last boot disk nothing more is needed.
                    if (!random || booting.All(found.ContainsKey))
                    {
                        stopped = true;
                        stop.Cancel();
                        throw new OperationCanceledException(stop.Token);
                    }
                }

                return Task.CompletedTask;
            }, stop.Token).ConfigureAwait(false);
        }
        catch (Exception) when (stopped && !cancellationToken.IsCancellationRequested)
        {
            // Our own stop, however the package words it.
        }
        catch (Exception e) when (e is V2VException or IOException)
        {
            foreach (var vm in booting.Where(vm => !found.ContainsKey(vm)))
            {
                found[vm] = new PlannedGuest(vm.Name, new GuestReport(1, "unknown") { Findings = [$"could not inspect: {e.Message}"] });
            }
        }

        return [.. booting.Select(vm => found.TryGetValue(vm, out var guest) ? guest : new PlannedGuest(vm.Name, null, later))];
    }
}
