using V2V.Core.Vm;

namespace V2V.Core.Jobs;

/// <summary>Where a VM's description (and Hyper-V definition) goes in a pipeline job.</summary>
public static class VmFiles
{
    private static readonly string[] HyperVFormats = ["vhdx", "vhd"];

    /// <summary>
    /// The kept step whose files a VM's description and definition name and sit beside: the first
    /// Hyper-V disk (VHDX or VHD) of the chain, else the first step.
    /// </summary>
    public static int DescribedStep(IReadOnlyList<StepSpec> kept)
    {
        for (int i = 0; i < kept.Count; i++)
        {
            if (IsHyperVFormat(kept[i].Format))
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>True for the disk formats of Hyper-V, whose VMs get Hyper-V definitions.</summary>
    public static bool IsHyperVFormat(string format) => HyperVFormats.Contains(format, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Every file written beside a VM's disks: its description, and for Hyper-V disks its script
    /// and definition.
    /// </summary>
    public static IReadOnlyList<string> FilesBeside(StepSpec described, string job, VmDescription vm)
    {
        string description = DescriptionPath(described, job, vm);
        string stem = Path.Combine(Path.GetDirectoryName(description)!, vm.FileSafeName);
        return IsHyperVFormat(described.Format) ? [description, stem + ".ps1", stem + ".hyperv.json"] : [description];
    }

    /// <summary><c>&lt;folder of the VM's disks&gt;/&lt;vm&gt;.vm.json</c> for the described step's path template.</summary>
    public static string DescriptionPath(StepSpec described, string job, VmDescription vm) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(PathTemplate.Expand(described.Path, job, vm.FileSafeName, 1)))!, $"{vm.FileSafeName}.vm.json");
}
