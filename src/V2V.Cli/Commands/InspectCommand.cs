using System.CommandLine;
using V2V.Adapters.VMware.VSphere;
using V2V.Core;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Guest.Inspection;
using V2V.Guest.Windows;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v inspect SOURCE [--json]</c>: what is inside a guest's disks and whether it will boot on
/// Hyper-V (per generation: ready, fixable with the named fix, or blocked). SOURCE is any disk V2V
/// reads or a VM package file (OVA, OVF, VMX, XVA: every disk; not stdin). Random-access disks are
/// read only where inspection looks; streamed package disks are read whole into a temporary file.
/// Damaged guest content gives findings, not errors; an unreadable source is an error (exit 2).
/// </summary>
public static class InspectCommand
{
    public static Command Build(CliContext context)
    {
        var source = new Argument<string>("SOURCE") { Description = "Disk image, block device, VM package file (OVA, OVF, VMX, XVA) or a VM on vCenter/ESXi (vsphere://USER@HOST/DC/vm/NAME)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var allowExternal = GuestCommand.AllowExternalOption();
        var vsphere = new VSphereOptions();
        var command = new Command("inspect", "Inspect a guest's partitions, Windows and Hyper-V readiness (read-only)") { source, json, allowExternal };
        foreach (var option in vsphere.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellation) =>
        {
            string path = parse.GetValue(source)!;
            if (path == "-")
            {
                throw new UsageException("inspect reads a file, not standard input: a VM package must be given as a file");
            }

            InspectReport report;
            if (VSphereUrl.Is(path))
            {
                using var vm = vsphere.Open(path, parse, cancellation);
                report = await InspectVmsAsync(path, vm, cancellation).ConfigureAwait(false);
            }
            else
            {
                vsphere.RefuseFor(path, parse);
                report = await InspectAsync(context, path, new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) }, cancellation).ConfigureAwait(false);
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(InspectJson.Serialize(report));
            }
            else
            {
                InspectText.Write(context.Out, report);
            }

            return 0;
        });
        return command;
    }

    internal static async Task<InspectReport> InspectAsync(CliContext context, string path, SourceOptions options, CancellationToken cancellation)
    {
        if (context.Registry.DetectVmSourceFile(path) is { } vmFormat)
        {
            using var package = vmFormat.Open(path, options, context.Registry);
            return await InspectVmsAsync(path, package, cancellation).ConfigureAwait(false);
        }

        using var source = context.Registry.Open(path, options);
        return new InspectReport(path, source.Describe().Format, [new InspectedDisk(null, null, GuestInspector.Inspect(source))]);
    }

    /// <summary>Every disk of every VM of a package or a vSphere VM, in VM and disk order.</summary>
    private static async Task<InspectReport> InspectVmsAsync(string path, IVmSource package, CancellationToken cancellation)
    {
        var disks = new List<InspectedDisk>();
        await package.ForEachDiskAsync(async feed =>
        {
            using var disk = await PackageDiskSource.OpenAsync(feed, cancellation).ConfigureAwait(false);
            var inspection = GuestInspector.Inspect(disk, feed.Name);
            lock (disks)
            {
                disks.Add(new InspectedDisk(feed.Vm.Name, feed.DiskNumber, inspection));
            }
        }, cancellation).ConfigureAwait(false);
        return new InspectReport(path, package.Format, [.. disks.OrderBy(d => d.Vm, StringComparer.Ordinal).ThenBy(d => d.DiskNumber)]);
    }

    /// <summary>The one-line summary of a disk's guest; inspection problems become the line, never an error.</summary>
    public static string GuestSummary(Core.Disks.IDiskSource disk)
    {
        try
        {
            return Summary(GuestInspector.Inspect(disk));
        }
        catch (V2VException e)
        {
            return $"not inspected ({e.Message})";
        }
    }

    /// <summary>One line about a disk's guest, for <c>info</c>: "Microsoft Windows Server 2003 (5.2 build 3790, x86); Hyper-V generation 1: fixable (ide-boot)".</summary>
    public static string Summary(DiskInspection inspection)
    {
        if (inspection.Windows.Count > 0)
        {
            var w = inspection.Windows[0];
            string readiness = inspection.Readiness.Count == 0 ? "" : "; Hyper-V " + string.Join(", ", inspection.Readiness.Select(r => r.Summary));
            return $"{WindowsText.Product(w)}{readiness}";
        }

        if (inspection.Linux is { } linux)
        {
            return $"Linux file systems ({string.Join(", ", linux.FileSystems)}), {linux.Note}";
        }

        return inspection.Volumes.Count == 0 ? "no partitions or file systems found"
            : $"no Windows found ({string.Join(", ", inspection.Volumes.Select(v => v.FileSystem))})";
    }
}
