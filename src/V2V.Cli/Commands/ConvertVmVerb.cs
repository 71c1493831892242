using System.CommandLine;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.Core.Vm;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v convert PACKAGE FOLDER</c>: every disk of a VM package (OVA, OVF, VMX, XVA; OVA or XVA
/// on a stream; a VM on vCenter or ESXi named by a vsphere:// URL) as <c>&lt;vm&gt;-diskN.&lt;ext&gt;</c>, with <c>&lt;vm&gt;.vm.json</c> and, for a
/// Hyper-V format, the Hyper-V definition and the boot disk's guest and readiness verdict.
/// </summary>
internal static class ConvertVmVerb
{
    /// <param name="format">The package's format, or null when the source is a stream or <paramref name="open"/> opens it.</param>
    /// <param name="open">Opens a source that is not a file (a vsphere:// VM), after the target options were checked.</param>
    public static async Task<int> RunAsync(CliContext context, ParseResult parse, ConvertOptions o, ConvertRun run, IVmSourceFormat? format, Func<IVmSource>? open = null)
    {
        var targetFormat = context.Registry.Target(parse.GetValue(o.To) ?? ConvertCommand.DefaultVmTarget);
        using var package = open is not null ? open() : format is null
            ? run.Source == "-"
                ? context.Registry.OpenVmStream("stdin", PipeInput.StandardInput(context.Cancellation), run.SourceOptions)
                : context.Registry.OpenVmStream(run.Source, PipeInput.Open(run.Source, context.Cancellation), run.SourceOptions)
            : format.Open(run.Source, run.SourceOptions, context.Registry);
        if (run.SourceOptions.SkipManifestCheck)
        {
            if (package.Format != SourceOptions.ManifestFormat)
            {
                ConvertCommand.RefuseSkipManifestCheck(run, $"a {package.Format} package");
            }

            await context.Error.WriteLineAsync(Printable.Line($"warning: --skip-manifest-check: the members of {run.Source} are not hashed against its manifest; what was read is converted unchecked")).ConfigureAwait(false);
        }

        IVmDefinitionWriter? definitions = HyperVDefinitionWriter.IsHyperVFormat(targetFormat.Name)
            ? new HyperVDefinitionWriter(ConvertCommand.HyperVOptionsFrom(parse, o), context.Registry)
            : null;
        var request = VmConversionRequest.IntoFolder(package, run.Target, targetFormat, parse.GetValue(o.Subformat), run.BlockSize, parse.GetValue(o.SectorSize), context.Registry) with
        {
            Overwrite = parse.GetValue(o.Force),
            Options = run.Options,
            Definitions = definitions,
        };
        var vms = await ProgressDisplay.RunAsync(run.ShowProgress, progress => VmConverter.ConvertAsync(request, progress, context.Cancellation)).ConfigureAwait(false);

        string folder = Path.GetFullPath(run.Target);
        if (parse.GetValue(o.Json))
        {
            context.Out.WriteLine(Report(run.Source, package.Format, folder, vms));
            return 0;
        }

        foreach (var vm in vms)
        {
            context.Out.WriteLine($"converted VM \"{Printable.Line(vm.Vm.Name)}\" from {run.Source} into {folder}");
            foreach (var converted in vm.Disks)
            {
                context.Out.WriteLine($"  disk {converted.Disk}  {converted.File}  {ByteSize.Format(converted.Capacity)}  {converted.Digest}{(converted.Verified ? "  verified" : "")}");
                foreach (var target in converted.Targets)
                {
                    FixupOption.Print(context.Out, target);
                    if (target.Digest != converted.Digest)
                    {
                        context.Out.WriteLine($"  output    {target.Digest} (after the Windows fixups)");
                    }
                }
            }

            context.Out.WriteLine($"  vm        {vm.Vm.FileSafeName}.vm.json{(definitions is null ? "" : $", Hyper-V: {vm.Vm.FileSafeName}.ps1, {vm.Vm.FileSafeName}.hyperv.json")}");
            if (vm.Guest is { } guest)
            {
                context.Out.WriteLine(Printable.Line($"  guest     disk {guest.Disk}: {guest.System}"));
                if (guest.Verdict is { } verdict)
                {
                    context.Out.WriteLine(Printable.Line($"  hyper-v   {verdict}"));
                }
            }

            foreach (var warning in vm.Warnings ?? [])
            {
                context.Out.WriteLine(Printable.Line($"  warning   {warning}"));
            }
        }

        return 0;
    }

    /// <summary><c>convert --json</c> of a package: source, format, folder, and each VM in <see cref="VmJsonForm.Report"/> form.</summary>
    private static string Report(string source, string format, string folder, IReadOnlyList<ConvertedVm> vms) => VmDescriptionJson.Text(w =>
    {
        w.WriteStartObject();
        w.WriteString("source", source);
        w.WriteString("format", format);
        w.WriteString("folder", folder);
        w.WriteStartArray("vms");
        foreach (var vm in vms)
        {
            VmDescriptionJson.Write(w, vm, VmJsonForm.Report);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });
}
