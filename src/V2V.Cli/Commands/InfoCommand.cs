using System.CommandLine;
using V2V.Core.Disks;
using V2V.Core.Formats;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Adapters.VMware.VSphere;
using V2V.Core.Conversion;
using V2V.Core.Pipeline;
using V2V.Core.Vm;
using V2V.Core;

namespace V2V.Cli.Commands;

/// <summary><c>v2v info IMAGE</c>: format, subformat, capacity, allocated bytes, chain and format facts.</summary>
public static class InfoCommand
{
    public static Command Build(CliContext context)
    {
        var image = new Argument<string>("IMAGE") { Description = "Image file, block device, VM package, or a VM on vCenter/ESXi (vsphere://USER@HOST/DC/vm/NAME)" };
        var json = new Option<bool>("--json") { Description = "Print as JSON" };
        var digest = DigestOption.Create();
        digest.Arity = ArgumentArity.ZeroOrOne;
        digest.Description = $"Also read the disk and print its content digest; NAME as for convert (default {DigestAlgorithm.Default.Name})";
        var allowExternal = new Option<bool>("--allow-external-extents") { Description = "Let VMDK descriptors and VHD locators name files outside their own folder" };
        var vsphere = new VSphereOptions();
        var command = new Command("info", "Describe a disk image") { image, json, digest, allowExternal };
        foreach (var option in vsphere.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, _) =>
        {
            var options = new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) };
            if (VSphereUrl.Is(parse.GetValue(image)!))
            {
                // The description only: no disk is read, so no snapshot is taken.
                using var vm = vsphere.Open(parse.GetValue(image)!, parse, context.Cancellation);
                PrintVms(context, vm, parse.GetValue(json));
                return 0;
            }

            vsphere.RefuseFor(parse.GetValue(image)!, parse);
            if (context.Registry.DetectVmSourceFile(parse.GetValue(image)!) is { } vmFormat)
            {
                using var package = vmFormat.Open(parse.GetValue(image)!, options, context.Registry);
                PrintVms(context, package, parse.GetValue(json));
                return 0;
            }

            using var disk = context.Registry.Open(parse.GetValue(image)!, options);
            var description = disk.Describe();
            long allocated = disk.EnumerateRanges().Where(e => e.Kind == RangeKind.Data).Sum(e => e.Length);
            string? contentDigest = parse.GetResult(digest) is not null
                ? (await BlockPipeline.DigestAsync(disk, disk.Capacity, new PipelineOptions { Digest = DigestOption.From(parse, digest) }, null, context.Cancellation).ConfigureAwait(false)).Digest
                : null;

            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, new InfoReport(disk.Path, description.Format, description.Subformat, disk.Capacity, allocated, disk.LogicalSectorSize,
                    description.Chain, description.Properties.ToDictionary(p => p.Key, p => p.Value), contentDigest));
                return 0;
            }

            var o = context.Out;
            o.WriteLine($"image:      {disk.Path}");
            o.WriteLine($"format:     {description.Format}{(description.Subformat is null ? "" : $" ({description.Subformat})")}");
            o.WriteLine($"capacity:   {ByteSize.Format(disk.Capacity)} ({disk.Capacity} bytes)");
            o.WriteLine($"allocated:  {ByteSize.Format(allocated)} ({allocated} bytes)");
            o.WriteLine($"sector:     {disk.LogicalSectorSize}");
            if (description.Chain.Count > 1)
            {
                o.WriteLine($"chain:      {string.Join(" <- ", description.Chain)}");
            }

            foreach (var (key, value) in description.Properties)
            {
                o.WriteLine($"{key + ":",-22}{value}");
            }

            if (contentDigest is not null)
            {
                o.WriteLine($"digest:     {contentDigest}");
            }

            o.WriteLine(Printable.Line($"guest:      {InspectCommand.GuestSummary(disk)}"));

            return 0;
        });
        return command;
    }

    /// <summary>What Hyper-V would get from <paramref name="vm"/> with default choices (convert's --switch, --generation, ... change it).</summary>
    private static HyperVDefinition HyperVWithDefaults(VmDescription vm) =>
        HyperVMapper.Map(ConvertedVm.Unconverted(vm, "vhdx"), null, new HyperVOptions(), DateTime.UtcNow);

    /// <summary>
    /// <c>info --json</c> of a package: path, format, and each VM's description with the Hyper-V
    /// definition the text form shows (<c>"hyperV"</c>, as in <c>&lt;vm&gt;.hyperv.json</c>).
    /// </summary>
    private static string Json(IVmSource package) => VmDescriptionJson.Text(w =>
    {
        w.WriteStartObject();
        w.WriteString("path", package.Path);
        w.WriteString("format", package.Format);
        w.WriteStartArray("vms");
        foreach (var vm in package.Vms)
        {
            w.WriteStartObject();
            VmDescriptionJson.WriteProperties(w, vm, VmJsonForm.Description);
            w.WritePropertyName("hyperV");
            HyperVDefinitionJson.Write(w, HyperVWithDefaults(vm));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void PrintVms(CliContext context, IVmSource package, bool json)
    {
        if (json)
        {
            context.Out.Write(Json(package) + "\n");
            return;
        }

        var o = context.Out;
        o.WriteLine(Printable.Line($"package:    {package.Path} ({package.Format})"));
        foreach (var vm in package.Vms)
        {
            o.WriteLine(Printable.Line($"vm:         {vm.Name} ({vm.SourceHypervisor}{(string.IsNullOrWhiteSpace(vm.SourceId) ? "" : $", id {vm.SourceId}")})"));
            // BIOS and UEFI as the field writes them, not the enum's "Bios" and "Uefi".
            o.WriteLine(Printable.Line($"  firmware  {vm.Firmware.ToString().ToUpperInvariant()}, {vm.Cpus} CPU(s), {vm.MemoryMiB} MiB, guest {vm.GuestOs ?? "unknown"}"));
            if (vm.PowerState is { } state)
            {
                o.WriteLine(Printable.Line($"  power     {state}"));
            }

            int disk = 0;
            foreach (var drive in vm.Drives)
            {
                string label = drive.Kind == DriveKind.Disk ? $"disk {++disk}" : "cd-rom";
                string size = drive.Capacity is { } c ? $", {ByteSize.Format(c)}" : "";
                o.WriteLine(Printable.Line($"  {label,-8}  {drive.Controller.ToString().ToLowerInvariant()}{drive.Bus}:{drive.Unit}{(drive.ControllerModel is null ? "" : $" ({drive.ControllerModel})")}  {drive.Source}{size}"));
            }

            foreach (var nic in vm.Nics)
            {
                o.WriteLine(Printable.Line($"  nic {nic.Index}     {nic.Model} {nic.Mac ?? "(no MAC)"}{(nic.StaticMac ? " static" : "")} on \"{nic.Network}\""));
            }

            if (vm.OtherDevices.Count > 0)
            {
                o.WriteLine(Printable.Line($"  other     {string.Join(", ", vm.OtherDevices)}"));
            }

            var hyperV = HyperVWithDefaults(vm);
            o.WriteLine($"  hyper-v   generation {hyperV.Generation} ({hyperV.GenerationReason}), {hyperV.ProcessorCount} CPU(s), {hyperV.MemoryStartupBytes / (1024 * 1024)} MiB static"
                + (hyperV.SecureBoot ? $", Secure Boot {hyperV.SecureBootTemplate}" : ""));
            foreach (var attached in hyperV.Disks)
            {
                o.WriteLine(Printable.Line($"            {attached.File} on {attached.ControllerType} {attached.ControllerNumber}:{attached.ControllerLocation}{(attached.Boot ? " (boot)" : "")}"));
            }

            foreach (var warning in vm.SourceWarnings.Concat(hyperV.Warnings))
            {
                o.WriteLine(Printable.Line($"  warning   {warning}"));
            }
        }
    }
}
