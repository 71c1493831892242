using System.CommandLine;
using V2V.Adapters.HyperV.VmDefinition;
using V2V.Adapters.VMware.VSphere;
using V2V.Core;
using V2V.Core.Conversion;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.Core.Vm;

namespace V2V.Cli.Commands;

/// <summary>
/// <c>v2v convert SOURCE TARGET</c>: a disk into one image (<see cref="ConvertDiskVerb"/>), or a VM
/// package into a folder (<see cref="ConvertVmVerb"/>); verified on request, atomic. The help names
/// the formats of the registry it runs with.
/// </summary>
public static class ConvertCommand
{
    /// <summary>The target format of a VM package when --to is not given.</summary>
    internal const string DefaultVmTarget = "vhdx";

    public static Command Build(CliContext context)
    {
        var o = new ConvertOptions(context.Registry);
        var command = new Command("convert", "Convert a disk image or device into another format")
        {
            o.Source, o.Target, o.To, o.Subformat, o.BlockSize, o.SectorSize, o.Verify, o.Force, o.Json, o.NoProgress, o.NoSync, o.Digest, o.AllowExternal, o.SkipManifestCheck,
            o.Generation, o.Switches, o.DefaultSwitch, o.Memory, o.NoStaticMac, o.VmFolder, o.Fixups, o.SkipFixup, o.DisableService,
        };
        foreach (var option in o.VSphere.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, _) =>
        {
            // Option values are checked before the source is looked at.
            var run = new ConvertRun(
                parse.GetValue(o.Source)!,
                parse.GetValue(o.Target)!,
                parse.GetValue(o.BlockSize) is { } size ? ByteSize.Parse(size, "--block-size") : null,
                new SourceOptions { AllowExternalFiles = parse.GetValue(o.AllowExternal), SkipManifestCheck = parse.GetValue(o.SkipManifestCheck) },
                ConversionOptions.Default with
                {
                    Verify = parse.GetValue(o.Verify),
                    Durable = !parse.GetValue(o.NoSync),
                    Pipeline = ConversionOptions.Default.Pipeline with { Digest = DigestOption.From(parse, o.Digest) },
                    Guest = FixupOption.Stage(parse, o.Fixups, o.SkipFixup, o.DisableService),
                },
                context.ProgressAllowed && !parse.GetValue(o.NoProgress));

            if (VSphereUrl.Is(run.Source))
            {
                RefuseSkipManifestCheck(run, "a vsphere:// VM");
                return ConvertVmVerb.RunAsync(context, parse, o, run, null, () => o.VSphere.Open(run.Source, parse, context.Cancellation));
            }

            o.VSphere.RefuseFor(run.Source, parse);

            // stdin, a FIFO or a process substitution: read as a stream, which only OVA and XVA can be.
            bool streamed = run.Source == "-" || FileIdentity.IsStream(run.Source);
            var vmFormat = streamed ? null : context.Registry.DetectVmSourceFile(run.Source);
            if (!streamed && vmFormat?.Name != SourceOptions.ManifestFormat)
            {
                RefuseSkipManifestCheck(run, vmFormat is null ? "a disk image" : $"a {vmFormat.Name} package");
            }

            if (!streamed && vmFormat is null)
            {
                RefuseVmPackageOptions(parse, o, run.Source);
            }

            return streamed || vmFormat is not null
                ? ConvertVmVerb.RunAsync(context, parse, o, run, vmFormat)
                : ConvertDiskVerb.RunAsync(context, parse, o, run);
        });
        return command;
    }

    /// <summary>Refuses --skip-manifest-check for a source that has no OVA manifest, described by <paramref name="what"/>.</summary>
    internal static void RefuseSkipManifestCheck(ConvertRun run, string what)
    {
        if (run.SourceOptions.SkipManifestCheck)
        {
            throw new UsageException($"--skip-manifest-check applies to OVA packages only; {run.Source} is {what}");
        }
    }

    /// <summary>
    /// Refuses the Hyper-V definition's options for a single disk: only a VM package (or a vsphere://
    /// VM) gets a definition, so they would be dropped without a word.
    /// </summary>
    private static void RefuseVmPackageOptions(ParseResult parse, ConvertOptions o, string source)
    {
        string? given = parse.GetValue(o.Generation) is not null ? "--generation"
            : parse.GetValue(o.Switches) is { Length: > 0 } ? "--switch"
            : parse.GetValue(o.DefaultSwitch) is not null ? "--default-switch"
            : parse.GetValue(o.Memory) is not null ? "--memory"
            : parse.GetValue(o.NoStaticMac) ? "--no-static-mac"
            : parse.GetValue(o.VmFolder) is not null ? "--vm-folder"
            : null;
        if (given is not null)
        {
            throw new UsageException($"{given} applies to VM packages only (OVA, OVF, VMX, XVA or vsphere://), which get a Hyper-V definition; {source} is a disk image, converted without one");
        }
    }

    /// <summary>"vhdx, vhd, vmdk or raw": the target formats, in the registry's order.</summary>
    internal static string TargetNames(FormatRegistry registry) => Either(registry.Targets.Select(t => t.Name));

    /// <summary>"vhdx: dynamic (default) or fixed; ...": every target format's subformats, default first.</summary>
    internal static string SubformatHelp(FormatRegistry registry) => string.Join("; ", registry.Targets.Where(t => t.Subformats.Count > 0)
        .Select(t => $"{t.Name}: {Either(t.Subformats.Select((s, i) => i == 0 ? $"{s} (default)" : s))}"));

    /// <summary>The SOURCE argument's help: every disk format, raw and block devices, every VM package format and which of them stream.</summary>
    internal static string SourceHelp(FormatRegistry registry)
    {
        var streamable = registry.VmSources.OfType<IStreamableVmSourceFormat>().Select(f => f.Name.ToUpperInvariant()).ToList();
        return $"Disk image ({string.Join(", ", registry.Sources.Select(f => f.Name.ToUpperInvariant()))}, or {registry.Raw.Name}), block device, "
            + $"or VM package ({string.Join(", ", registry.VmSources.Select(f => f.Name.ToUpperInvariant()))}); "
            + $"{Either(streamable)} also from a pipe or - for stdin; format detected from its content; "
            + "or a VM on vCenter/ESXi: vsphere://USER@HOST[:PORT]/DATACENTER/vm/FOLDER/NAME (or /NAME)";
    }

    private static string Either(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count <= 1 ? string.Join("", list) : $"{string.Join(", ", list.Take(list.Count - 1))} or {list[^1]}";
    }

    /// <summary>The Hyper-V choices given on the command line.</summary>
    internal static HyperVOptions HyperVOptionsFrom(ParseResult parse, ConvertOptions o)
    {
        if (parse.GetValue(o.Generation) is { } g && g is not (1 or 2))
        {
            throw new UsageException($"--generation {g}: Hyper-V generations are 1 and 2");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in parse.GetValue(o.Switches) ?? [])
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new UsageException($"--switch \"{pair}\": write NETWORK=SWITCH");
            }

            map[pair[..equals]] = pair[(equals + 1)..];
        }

        string? memoryText = parse.GetValue(o.Memory);
        long? memory = memoryText is null ? null : ByteSize.Parse(memoryText, "--memory");
        if (memory is { } bytes && HyperVOptions.MemoryProblem(bytes) is { } problem)
        {
            throw new UsageException($"--memory {memoryText}: {problem}");
        }

        return new HyperVOptions
        {
            Generation = parse.GetValue(o.Generation),
            SwitchMap = map,
            DefaultSwitch = parse.GetValue(o.DefaultSwitch),
            MemoryBytes = memory,
            StaticMac = !parse.GetValue(o.NoStaticMac),
            VmFolder = parse.GetValue(o.VmFolder),
        };
    }
}

/// <summary>What both verbs take from the command line, checked before the source is opened.</summary>
/// <param name="BlockSize">--block-size in bytes, or null.</param>
internal sealed record ConvertRun(string Source, string Target, long? BlockSize, SourceOptions SourceOptions, ConversionOptions Options, bool ShowProgress);

/// <summary>The arguments and options of <c>v2v convert</c>, shared by its disk and VM package verbs.</summary>
internal sealed class ConvertOptions(FormatRegistry registry)
{
    public Argument<string> Source { get; } = new("SOURCE") { Description = ConvertCommand.SourceHelp(registry) };
    public Argument<string> Target { get; } = new("TARGET") { Description = "Image file to write; for a VM package, the folder to write its disks into" };
    public Option<string?> To { get; } = new("--to") { Description = $"Target format: {ConvertCommand.TargetNames(registry)} (default: from TARGET's extension; {ConvertCommand.DefaultVmTarget} for a VM package)" };
    public Option<string?> Subformat { get; } = new("--subformat") { Description = ConvertCommand.SubformatHelp(registry) };
    public Option<string?> BlockSize { get; } = new("--block-size") { Description = "vhdx block size, 1M–256M (default 32M)" };
    public Option<int?> SectorSize { get; } = new("--sector-size") { Description = "Logical sector size of the target: 512 or 4096 (default: the source's)" };
    public Option<bool> Verify { get; } = new("--verify") { Description = "Re-read the target and compare its content digest before it is put in place" };
    public Option<bool> Force { get; } = new("--force") { Description = "Overwrite an existing target" };
    public Option<bool> Json { get; } = new("--json") { Description = "Print the result as JSON" };
    public Option<bool> NoProgress { get; } = new("--no-progress") { Description = "Do not draw a progress bar" };
    public Option<bool> AllowExternal { get; } = new("--allow-external-extents") { Description = "Let VMDK descriptors and VHD locators name files outside their own folder" };
    public Option<bool> SkipManifestCheck { get; } = new("--skip-manifest-check") { Description = "OVA packages: do not hash the members against the package's manifest (storage you trust; the content digest still proves the outputs hold what was read)" };
    public Option<int?> Generation { get; } = new("--generation") { Description = "VM packages: Hyper-V generation 1 or 2 (default: from the firmware, checked against the boot disk)" };
    public Option<string[]> Switches { get; } = new("--switch") { Description = "VM packages: map a source network to a Hyper-V switch, NETWORK=SWITCH (repeatable)", AllowMultipleArgumentsPerToken = false };
    public Option<string?> DefaultSwitch { get; } = new("--default-switch") { Description = "VM packages: switch for networks --switch does not map" };
    public Option<string?> Memory { get; } = new("--memory") { Description = "VM packages: Hyper-V startup memory (default: the source's)" };
    public Option<bool> NoStaticMac { get; } = new("--no-static-mac") { Description = "VM packages: let Hyper-V assign MACs instead of keeping the source's" };
    public Option<string?> VmFolder { get; } = new("--vm-folder") { Description = "VM packages: folder on the Hyper-V host for the VM's configuration" };
    public Option<bool> NoSync { get; } = new("--no-sync") { Description = "Do not fsync the target before renaming it into place (faster; not crash-safe)" };
    public Option<string?> Digest { get; } = DigestOption.Create();
    public VSphereOptions VSphere { get; } = new();
    public Option<string?> Fixups { get; } = FixupOption.CreateMode();
    public Option<string[]> SkipFixup { get; } = FixupOption.CreateSkip();
    public Option<string[]> DisableService { get; } = FixupOption.CreateDisableService();
}
