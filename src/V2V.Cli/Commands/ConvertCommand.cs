using System.CommandLine;
using System.Globalization;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Core;

namespace V2V.Cli.Commands;

/// <summary><c>v2v convert SOURCE TARGET</c>: one disk into one image, verified on request, atomic.</summary>
public static class ConvertCommand
{
    public static Command Build(CliContext context)
    {
        var source = new Argument<string>("SOURCE") { Description = "Image file, block device, or VM package (OVA, OVF, VMX); format detected from its content" };
        var target = new Argument<string>("TARGET") { Description = "Image file to write; for a VM package, the folder to write its disks into" };
        var to = new Option<string?>("--to") { Description = "Target format: vhdx, raw (default: from TARGET's extension)" };
        var subformat = new Option<string?>("--subformat") { Description = "vhdx: dynamic (default) or fixed" };
        var blockSize = new Option<string?>("--block-size") { Description = "vhdx block size, 1M–256M (default 32M)" };
        var sectorSize = new Option<int?>("--sector-size") { Description = "Logical sector size of the target: 512 or 4096 (default: the source's)" };
        var verify = new Option<bool>("--verify") { Description = "Re-read the target and compare its content digest before it is put in place" };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing target" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var noProgress = new Option<bool>("--no-progress") { Description = "Do not draw a progress bar" };
        var allowExternal = new Option<bool>("--allow-external-extents") { Description = "Let VMDK descriptors and VHD locators name files outside their own folder" };
        var generation = new Option<int?>("--generation") { Description = "VM packages: Hyper-V generation 1 or 2 (default: from the firmware, checked against the boot disk)" };
        var switches = new Option<string[]>("--switch") { Description = "VM packages: map a source network to a Hyper-V switch, NETWORK=SWITCH (repeatable)", AllowMultipleArgumentsPerToken = false };
        var defaultSwitch = new Option<string?>("--default-switch") { Description = "VM packages: switch for networks --switch does not map" };
        var memory = new Option<string?>("--memory") { Description = "VM packages: Hyper-V startup memory (default: the source's)" };
        var noStaticMac = new Option<bool>("--no-static-mac") { Description = "VM packages: let Hyper-V assign MACs instead of keeping the source's" };
        var vmFolder = new Option<string?>("--vm-folder") { Description = "VM packages: folder on the Hyper-V host for the VM's configuration" };
        var noSync = new Option<bool>("--no-sync") { Description = "Do not fsync the target before renaming it into place (faster; not crash-safe)" };
        var digest = DigestOption.Create();

        var command = new Command("convert", "Convert a disk image or device into another format")
        {
            source, target, to, subformat, blockSize, sectorSize, verify, force, json, noProgress, noSync, digest, allowExternal,
            generation, switches, defaultSwitch, memory, noStaticMac, vmFolder,
        };

        command.SetAction(async (parse, _) =>
        {
            string sourcePath = parse.GetValue(source)!;
            string targetPath = parse.GetValue(target)!;
            long? block = parse.GetValue(blockSize) is { } size ? ByteSize.Parse(size, "--block-size") : null;
            var sourceOptions = new SourceOptions { AllowExternalFiles = parse.GetValue(allowExternal) };
            var options = ConversionOptions.Default with
            {
                Verify = parse.GetValue(verify),
                Durable = !parse.GetValue(noSync),
                Pipeline = ConversionOptions.Default.Pipeline with { Digest = DigestOption.From(parse, digest) },
            };
            bool showProgress = context.ProgressAllowed && !parse.GetValue(noProgress);

            // stdin, a FIFO or a process substitution: read as a stream, which only OVA and XVA can be.
            bool streamed = sourcePath == "-" || FileIdentity.IsStream(sourcePath);
            var vmFormat = streamed ? null : context.Registry.DetectVmSourceFile(sourcePath);
            if (streamed || vmFormat is not null)
            {
                // A VM package (OVA, OVF, VMX; OVA or XVA on stdin): TARGET is a folder for <vm>-diskN.<ext> and <vm>.vm.json.
                var targetFormat = context.Registry.Target(parse.GetValue(to) ?? "vhdx");
                string extension = targetFormat.Extensions.Count > 0 ? targetFormat.Extensions[0] : targetFormat.Name;
                var spec = new VmOutputSpec(targetFormat, parse.GetValue(subformat), block, parse.GetValue(sectorSize),
                    (vm, n) => Path.Combine(targetPath, $"{vm.FileSafeName}-disk{n}.{extension}"));
                using var package = vmFormat is null
                    ? sourcePath == "-"
                        ? context.Registry.OpenVmStream("stdin", PipeInput.StandardInput(context.Cancellation), sourceOptions)
                        : context.Registry.OpenVmStream(sourcePath, PipeInput.Open(sourcePath, context.Cancellation), sourceOptions)
                    : vmFormat.Open(sourcePath, sourceOptions, context.Registry);
                IVmDefinitionWriter? definitions = HyperVDefinitionWriter.IsHyperVFormat(targetFormat.Name)
                    ? new HyperVDefinitionWriter(HyperVOptionsFrom(parse, generation, switches, defaultSwitch, memory, noStaticMac, vmFolder), context.Registry)
                    : null;
                var vms = await ProgressDisplay.RunAsync(showProgress,
                    progress => VmConverter.ConvertAsync(package, targetPath, spec, parse.GetValue(force), context.Registry, options, definitions, progress, context.Cancellation)).ConfigureAwait(false);
                if (parse.GetValue(json))
                {
                    JsonOutput.Write(context.Out, new VmConvertReport(sourcePath, package.Format, Path.GetFullPath(targetPath), vms));
                }
                else
                {
                    foreach (var vm in vms)
                    {
                        context.Out.WriteLine($"converted VM \"{Printable.Line(vm.Vm.Name)}\" from {sourcePath} into {Path.GetFullPath(targetPath)}");
                        foreach (var converted in vm.Disks)
                        {
                            context.Out.WriteLine($"  disk {converted.Disk}  {converted.File}  {ByteSize.Format(converted.Capacity)}  {converted.Digest}{(converted.Verified ? "  verified" : "")}");
                        }

                        context.Out.WriteLine($"  vm        {vm.Vm.FileSafeName}.vm.json{(definitions is null ? "" : $", Hyper-V: {vm.Vm.FileSafeName}.ps1, {vm.Vm.FileSafeName}.hyperv.json")}");
                        foreach (var warning in vm.Warnings ?? [])
                        {
                            context.Out.WriteLine(Printable.Line($"  warning   {warning}"));
                        }
                    }
                }

                return 0;
            }

            var format = parse.GetValue(to) is { } name
                ? context.Registry.Target(name)
                : context.Registry.TargetForPath(targetPath)
                  ?? throw new UsageException($"{targetPath}: cannot tell the target format from the name; add --to vhdx (or raw)");

            using var disk = context.Registry.Open(sourcePath, sourceOptions);
            var request = new TargetRequest(targetPath, disk.Capacity, parse.GetValue(subformat), block, parse.GetValue(sectorSize) ?? disk.LogicalSectorSize);
            var plans = new[] { new TargetPlan(format, request) };

            var outcome = await ProgressDisplay.RunAsync(
                showProgress,
                progress => DiskConverter.ConvertAsync(disk, plans, parse.GetValue(force), context.Registry, options, progress, context.Cancellation)).ConfigureAwait(false);

            if (parse.GetValue(json))
            {
                JsonOutput.Write(context.Out, ToJson(outcome));
            }
            else
            {
                PrintText(context.Out, outcome);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The Hyper-V choices given on the command line.</summary>
    internal static HyperVOptions HyperVOptionsFrom(ParseResult parse, Option<int?> generation, Option<string[]> switches, Option<string?> defaultSwitch,
        Option<string?> memory, Option<bool> noStaticMac, Option<string?> vmFolder)
    {
        if (parse.GetValue(generation) is { } g && g is not (1 or 2))
        {
            throw new UsageException($"--generation {g}: Hyper-V generations are 1 and 2");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in parse.GetValue(switches) ?? [])
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new UsageException($"--switch \"{pair}\": write NETWORK=SWITCH");
            }

            map[pair[..equals]] = pair[(equals + 1)..];
        }

        return new HyperVOptions
        {
            Generation = parse.GetValue(generation),
            SwitchMap = map,
            DefaultSwitch = parse.GetValue(defaultSwitch),
            MemoryBytes = parse.GetValue(memory) is { } m ? ByteSize.Parse(m, "--memory") : null,
            StaticMac = !parse.GetValue(noStaticMac),
            VmFolder = parse.GetValue(vmFolder),
        };
    }

    private static DiskConvertReport ToJson(ConversionOutcome outcome) => new(
        outcome.Source,
        outcome.SourceCapacity,
        outcome.Copy.Digest,
        outcome.Copy.DataBytesRead,
        outcome.Copy.ZeroBytesDropped,
        Math.Round(outcome.Copy.Elapsed.TotalSeconds, 3),
        [.. outcome.Targets.Select(t => new DiskConvertReportTarget(t.Path, t.Format, t.Subformat, t.Capacity, t.FileLength, t.VerifiedDigest is not null, t.Notes))]);

    private static void PrintText(TextWriter output, ConversionOutcome outcome)
    {
        var copy = outcome.Copy;
        double seconds = Math.Max(copy.Elapsed.TotalSeconds, 0.001);
        foreach (var t in outcome.Targets)
        {
            output.WriteLine($"converted {outcome.Source} -> {t.Path}");
            output.WriteLine($"  format    {t.Format}{(t.Subformat is null ? "" : $" ({t.Subformat})")}, capacity {ByteSize.Format(t.Capacity)}, file {ByteSize.Format(t.FileLength)}");
            foreach (var note in t.Notes)
            {
                output.WriteLine($"  note      {note}");
            }

            output.WriteLine($"  verified  {(t.VerifiedDigest is null ? "no (use --verify)" : "yes, digest matches")}");
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  read      {ByteSize.Format(copy.DataBytesRead)} in {seconds:0.00} s ({ByteSize.Format((long)(copy.DataBytesRead / seconds))}/s), {ByteSize.Format(copy.ZeroBytesDropped)} of it zero"));
        output.WriteLine($"  digest    {copy.Digest}");
    }
}
