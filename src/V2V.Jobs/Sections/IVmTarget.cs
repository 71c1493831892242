using V2V.Core.Vm;

namespace V2V.Jobs.Sections;

/// <summary>
/// A target hypervisor that writes VM definitions beside a VM's converted disks (Hyper-V: a .ps1
/// and a .hyperv.json) and may act once they are in place (create the VM). Registered as a job
/// section (<see cref="IJobSection"/>) whose settings shape its definitions.
/// </summary>
public interface IVmTarget
{
    /// <summary>True for the disk formats whose VMs get this hypervisor's definitions ("vhdx", "vhd").</summary>
    bool Defines(string diskFormat);

    /// <summary>Every file it writes for <paramref name="vm"/> in <paramref name="folder"/> (the folder of the VM's description).</summary>
    IReadOnlyList<string> FilesBeside(string folder, VmDescription vm);

    /// <summary>The definition writer for a job's VMs, shaped by the job's section.</summary>
    IVmDefinitionWriter Writer(JobSpec job);

    /// <summary>
    /// Runs after the job's outputs are in place, once per VM (Hyper-V: <c>apply</c> runs the
    /// script); returns a line for the run's summary, or null when there was nothing to do.
    /// </summary>
    Task<string?> AfterCommitAsync(JobSpec job, string folder, VmDescription vm, CancellationToken cancellationToken);
}
