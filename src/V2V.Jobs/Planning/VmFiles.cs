using V2V.Core.Vm;
using V2V.Jobs.Sections;

namespace V2V.Jobs.Planning;

/// <summary>Where a VM's description (and a target hypervisor's definition) goes in a job.</summary>
public static class VmFiles
{
    /// <summary>
    /// The kept step whose files a VM's description and definition name and sit beside: the first
    /// step whose format a VM target defines (Hyper-V: VHDX or VHD), else the first step.
    /// </summary>
    public static int DescribedStep(IReadOnlyList<StepSpec> kept, IEnumerable<IVmTarget> targets)
    {
        for (int i = 0; i < kept.Count; i++)
        {
            if (TargetOf(kept[i], targets) is not null)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>The VM target that defines VMs whose disks are in the step's format, if any.</summary>
    public static IVmTarget? TargetOf(StepSpec step, IEnumerable<IVmTarget> targets) => targets.FirstOrDefault(t => t.Defines(step.Format));

    /// <summary>Every file written beside a VM's disks: its description, and its target's definition files.</summary>
    public static IReadOnlyList<string> FilesBeside(StepSpec described, string job, VmDescription vm, IVmTarget? target)
    {
        string description = DescriptionPath(described, job, vm);
        return [description, .. target?.FilesBeside(Path.GetDirectoryName(description)!, vm) ?? []];
    }

    /// <summary><c>&lt;folder of the VM's disks&gt;/&lt;vm&gt;.vm.json</c> for the described step's path template.</summary>
    public static string DescriptionPath(StepSpec described, string job, VmDescription vm) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(PathTemplate.Expand(described.Path, job, vm.FileSafeName, 1)))!, $"{vm.FileSafeName}.vm.json");
}
