using V2V.Adapters.HyperV.VmDefinition;
using V2V.Core.Formats;
using V2V.Core.Jobs;
using V2V.Core.Vm;

namespace V2V.Cli;

/// <summary>Pipeline jobs whose outputs are Hyper-V disks get Hyper-V VM definitions, and are created when <c>hyperv: apply</c> says so.</summary>
public sealed class HyperVJobHooks(FormatRegistry formats) : IJobHooks
{
    public IVmDefinitionWriter? DefinitionsFor(JobSpec job, StepSpec described)
    {
        if (!VmFiles.IsHyperVFormat(described.Format))
        {
            return null;
        }

        var h = job.HyperV;
        return new HyperVDefinitionWriter(h is null ? new HyperVOptions() : new HyperVOptions
        {
            Generation = h.Generation,
            SwitchMap = h.SwitchMap,
            DefaultSwitch = h.DefaultSwitch,
            MemoryBytes = h.Memory,
            StaticMac = h.StaticMac,
            VmFolder = h.VmFolder,
        }, formats);
    }

    public async Task<string> ApplyAsync(JobSpec job, string script, CancellationToken cancellationToken) =>
        (await PowerShellRunner.ApplyAsync(script, job.HyperV?.Host, cancellationToken).ConfigureAwait(false)).Summary;
}
