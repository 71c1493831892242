using System.Globalization;
using V2V.Core;
using V2V.Guest.Inspection;
using V2V.Guest.Windows;

namespace V2V.Cli.Commands;

/// <summary>The text form of <c>v2v inspect</c>: a block per disk, a block per Windows, the verdicts, the findings.</summary>
internal static class InspectText
{
    public static void Write(TextWriter o, InspectReport report)
    {
        o.WriteLine(Printable.Line($"source:     {report.Source} ({report.Format})"));
        foreach (var (vm, number, disk) in report.Disks)
        {
            o.WriteLine();
            string owner = vm is null ? "" : $"VM \"{vm}\" disk {number}: ";
            string id = disk.MbrSignature is null ? "" : $", signature {disk.MbrSignature}";
            id += disk.GptDiskGuid is { } guid ? $", GUID {guid}" : "";
            o.WriteLine(Printable.Line($"disk:       {owner}{disk.Name} ({ByteSize.Format(disk.Capacity)}, {disk.PartitionScheme}{id})"));
            foreach (var v in disk.Volumes)
            {
                o.WriteLine(Printable.Line($"  volume {v.Number}  {v.FileSystem}, {ByteSize.Format(v.Length)} at {v.Offset.ToString(CultureInfo.InvariantCulture)}{(v.Active ? ", active" : "")} ({v.PartitionType})"));
            }

            foreach (var w in disk.Windows)
            {
                Windows(o, w);
            }

            if (disk.Linux is { } linux)
            {
                o.WriteLine(Printable.Line($"  linux     {string.Join(", ", linux.FileSystems)}: {linux.Note}"));
            }

            foreach (var r in disk.Readiness)
            {
                o.WriteLine(Printable.Line($"  hyper-v   {r.Summary}"));
                foreach (var fix in r.Fixes)
                {
                    o.WriteLine(Printable.Line($"    fix {fix.Name}: {fix.Description}"));
                }

                foreach (var warning in r.Warnings)
                {
                    o.WriteLine(Printable.Line($"    warning: {warning}"));
                }
            }

            foreach (var finding in disk.Findings.Concat(disk.Windows.SelectMany(w => w.Findings)))
            {
                o.WriteLine(Printable.Line($"  finding   {finding}"));
            }
        }
    }

    private static void Windows(TextWriter o, WindowsInspection w)
    {
        o.WriteLine(Printable.Line($"  windows   {WindowsText.Product(w)} in {w.SystemRoot} of volume {w.Volume}"));
        o.WriteLine(Printable.Line($"    type {w.ProductType ?? "?"}{(w.Edition is null ? "" : $", edition {w.Edition}")}{(w.InstallationType is null ? "" : $", {w.InstallationType}")}; computer {w.ComputerName ?? "?"}; {w.CurrentControlSet ?? "no control set"}"
            + $"; drive letters {(w.DriveLetters.Count == 0 ? "none" : string.Join(" ", w.DriveLetters.Select(d => $"{d.Letter}:=volume {d.Volume}")))}"));
        if (w.BootLoader is { } loader)
        {
            string detail = loader.BootIni?.DefaultEntry is { } entry ? $"default \"{entry.Description}\" {entry.ArcPath} {string.Join(' ', entry.Switches)}"
                : loader.Bcd is { } bcd ? $"default {bcd.Identifier} \"{bcd.Description}\", device {bcd.Device}, osdevice {bcd.OsDevice}, {bcd.SystemRoot}" : "no default entry";
            o.WriteLine(Printable.Line($"    boot loader {loader.Kind} on volume {loader.Volume}: {detail.TrimEnd()}"));
        }

        if (w.Hal is { } hal)
        {
            string forced = hal.ForcedHal is null && hal.ForcedKernel is null ? "" : $"; boot entry forces {hal.ForcedHal ?? "-"} / {hal.ForcedKernel ?? "-"}";
            o.WriteLine(Printable.Line($"    HAL {hal.HardwareId ?? "?"}{(hal.Description is null ? "" : $" ({hal.Description})")}{forced}"));
        }

        if (w.StorageDrivers.Count > 0)
        {
            o.WriteLine(Printable.Line("    storage " + string.Join(", ", w.StorageDrivers.Select(d =>
                $"{d.Name} {(d.Start is null && d.Name != "pciidex" ? "absent" : d.Name == "pciidex" ? "library" : HyperVReadiness.StartName(d.EffectiveStart))}{(d.FileExists ? "" : " (file missing)")}"))));
        }

        if (w.HasCriticalDeviceDatabase)
        {
            o.WriteLine(Printable.Line("    critical devices " + string.Join(", ", w.CriticalDevices.Select(c => $"{c.DeviceId} → {c.Service ?? "missing"}"))));
        }

        o.WriteLine(Printable.Line($"    boots today through {(w.BootStorageServices.Count == 0 ? "?" : string.Join(", ", w.BootStorageServices))}"));
        if (w.ForeignAgents.Count > 0)
        {
            o.WriteLine(Printable.Line("    other hypervisors " + string.Join(", ", w.ForeignAgents.Select(a => $"{a.Vendor} {a.Service} ({HyperVReadiness.StartName(a.Start)})"))));
        }

        if (w.ProcessorDrivers.Count > 0)
        {
            o.WriteLine(Printable.Line("    processor drivers " + string.Join(", ", w.ProcessorDrivers.Select(p => $"{p.Name} {HyperVReadiness.StartName(p.EffectiveStart)}"))));
        }

        if (w.VolumeState is { } state)
        {
            o.WriteLine($"    NTFS {state.NtfsVersion}: {(state.Hibernated ? "hibernated" : "not hibernated")}, {(state.Dirty ? "dirty" : "not dirty")}, $LogFile {state.LogFile}");
        }
    }
}

/// <summary>Shared wording of Windows versions and start types.</summary>
internal static class WindowsText
{
    public static string Product(WindowsInspection w)
    {
        string name = w.ProductName ?? "Windows (product unknown)";
        string sp = w.ServicePack is null ? "" : $" {w.ServicePack}";
        string version = w.Version is null ? "" : $"{w.Version}{(w.Build is null ? "" : $" build {w.Build}")}, ";
        return $"{name}{sp} ({version}{w.Architecture ?? "architecture unknown"})";
    }
}
