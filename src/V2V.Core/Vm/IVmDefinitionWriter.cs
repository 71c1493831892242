using V2V.Core.Conversion;
using V2V.Core.Output;

namespace V2V.Core.Vm;

/// <summary>
/// Writes a target hypervisor's VM definition beside a converted VM's disks (Hyper-V: a .ps1 and a
/// .hyperv.json). Called once per VM, before anything is renamed into place, so a definition that
/// fails takes the disks with it.
/// </summary>
public interface IVmDefinitionWriter
{
    /// <param name="convertedDiskFile">Path of the written (not yet renamed) file of disk n, for inspecting its partition table.</param>
    /// <returns>Warnings to show the user.</returns>
    IReadOnlyList<string> Write(ConvertedVm vm, string folder, Func<int, string> convertedDiskFile, OutputSet outputs);
}
