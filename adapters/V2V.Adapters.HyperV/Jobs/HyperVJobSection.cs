using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Jobs;
using V2V.Jobs.Loading;
using V2V.Jobs.Sections;

namespace V2V.Adapters.HyperV.Jobs;

/// <summary>A job's <c>hyperv:</c> settings: the definition's options, and whether (and on which host) to create the VM.</summary>
/// <param name="Apply">Run the script once the outputs are in place (<c>v2v hyperv apply</c>).</param>
/// <param name="Host">Where <paramref name="Apply"/> runs it (PowerShell remoting); null: here.</param>
public sealed record HyperVJobSettings(HyperVOptions Options, bool Apply, string? Host);

/// <summary>
/// Hyper-V as a job's target: it owns the job's <c>hyperv:</c> section, gives the VMs of jobs whose
/// described step is VHDX or VHD a <c>&lt;vm&gt;.ps1</c> and <c>&lt;vm&gt;.hyperv.json</c>, and
/// runs the script after the job when <c>apply: true</c>.
/// </summary>
public sealed class HyperVJobSection(FormatRegistry formats) : JobSection<HyperVJobSettings>, IVmTarget
{
    private static readonly string[] Keys = ["generation", "switch-map", "default-switch", "memory", "static-mac", "vm-folder", "apply", "host"];

    public override string Key => "hyperv";

    public override HyperVJobSettings? Read(YamlValue value)
    {
        if (value.Fields($"hyperv must be a mapping ({string.Join(", ", Keys)})", Keys) is not { } keys)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (keys.TryGet("switch-map", out var m))
        {
            if (m.Pairs() is { } pairs)
            {
                foreach (var (from, to) in pairs)
                {
                    if (from.Text() is { } network && to.Text() is { } @switch)
                    {
                        map[network] = @switch;
                    }
                }
            }
            else
            {
                m.Error("switch-map must map source network names to Hyper-V switch names");
            }
        }

        long? memory = null;
        if (keys.TryGet("memory", out var mem) && mem.Size() is { } bytes)
        {
            if (HyperVOptions.MemoryProblem(bytes) is { } problem)
            {
                mem.Error($"memory {problem}");
            }
            else
            {
                memory = bytes;
            }
        }

        var options = new HyperVOptions
        {
            Generation = keys.TryGet("generation", out var g) ? g.Number(1, 2) : null,
            SwitchMap = map,
            DefaultSwitch = keys.TryGet("default-switch", out var d) ? d.Text() : null,
            MemoryBytes = memory,
            StaticMac = !keys.TryGet("static-mac", out var sm) || (sm.Bool() ?? true),
            VmFolder = keys.TryGet("vm-folder", out var f) ? f.Text() : null,
        };
        return new HyperVJobSettings(options,
            keys.TryGet("apply", out var a) && (a.Bool() ?? false),
            keys.TryGet("host", out var host) ? host.Text() : null);
    }

    public bool Defines(string diskFormat) => HyperVDefinitionWriter.IsHyperVFormat(diskFormat);

    public IReadOnlyList<string> FilesBeside(string folder, VmDescription vm) =>
        [HyperVDefinitionWriter.ScriptPath(folder, vm), HyperVDefinitionWriter.DefinitionPath(folder, vm)];

    public IVmDefinitionWriter Writer(JobSpec job) => new HyperVDefinitionWriter(Of(job)?.Options ?? new HyperVOptions(), formats);

    public async Task<string?> AfterCommitAsync(JobSpec job, string folder, VmDescription vm, CancellationToken cancellationToken) =>
        Of(job) is { Apply: true } settings
            ? (await PowerShellRunner.ApplyAsync(HyperVDefinitionWriter.ScriptPath(folder, vm), settings.Host, cancellationToken).ConfigureAwait(false)).Summary
            : null;
}
