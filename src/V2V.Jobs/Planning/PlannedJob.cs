using V2V.Core.Formats;
using V2V.Core.Vm;
using V2V.Jobs.Sections;

namespace V2V.Jobs.Planning;

/// <summary>One file a job will write (or, for keep: false, would have written).</summary>
public sealed record PlannedOutput(StepSpec Step, ITargetFormat Format, string Path, long Capacity, bool Reserves);

/// <summary>A job checked against the real world: its source opened and recognised, every output resolved.</summary>
/// <param name="SourceFormat">What the source was found to be ("raw", "ova", ...).</param>
/// <param name="Vms">For a VM job, the VMs of the source; empty for a disk job.</param>
/// <param name="Capacity">For a disk job, the disk's capacity in bytes.</param>
/// <param name="Described">For a VM job, the kept step its VMs' descriptions and definitions sit beside (see <see cref="VmFiles"/>).</param>
/// <param name="Target">For a VM job, the target hypervisor that defines the described step's VMs, if any.</param>
public sealed record PlannedJob(JobSpec Spec, string SourceFormat, bool IsVm, IReadOnlyList<VmDescription> Vms, long? Capacity, IReadOnlyList<PlannedOutput> Outputs,
    StepSpec? Described = null, IVmTarget? Target = null)
{
    /// <summary>The post-copy guest stage of this job's conversion (its <c>guest:</c> section, or the default); null for none.</summary>
    public Core.Conversion.IGuestStage? Guest { get; init; }

    /// <summary>Every VM's description, script and definition this job writes besides its disks.</summary>
    public IEnumerable<string> FilesBeside => Described is { } step ? Vms.SelectMany(vm => VmFiles.FilesBeside(step, Spec.Name, vm, Target)) : [];
}
