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
    /// <returns>Warnings to show the user, and what inspecting the converted boot disk found (stored in vm.json).</returns>
    VmDefinitionOutcome Write(ConvertedVm vm, string folder, Func<int, string> convertedDiskFile, OutputSet outputs);
}

/// <summary>What a definition writer reports: warnings to show, and the guest it found on the boot disk (null if it did not inspect).</summary>
public sealed record VmDefinitionOutcome(IReadOnlyList<string> Warnings, GuestReport? Guest = null);
