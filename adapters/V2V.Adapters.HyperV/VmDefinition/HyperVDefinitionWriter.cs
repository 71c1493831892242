using System.Text;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;
using V2V.Guest.Inspection;
using V2V.Guest.Partitions;

namespace V2V.Adapters.HyperV.VmDefinition;

/// <summary>
/// Writes <c>&lt;vm&gt;.ps1</c> and <c>&lt;vm&gt;.hyperv.json</c> beside a converted VM's disks, after
/// inspecting the converted boot disk once (<see cref="GuestReports.Inspect"/>): its partition table
/// confirms (or overrules) the generation, its guest's facts win over the source's guest OS id, and
/// the report goes back for vm.json. Inspection problems never fail the conversion: they become the
/// report's findings and the mapping falls back to the hint.
/// </summary>
public sealed class HyperVDefinitionWriter(HyperVOptions options, FormatRegistry formats, TimeProvider? clock = null) : IVmDefinitionWriter
{
    private static readonly string[] HyperVFormats = ["vhdx", "vhd"];

    /// <summary>True for the disk formats of Hyper-V (VHDX, VHD), whose VMs get Hyper-V definitions.</summary>
    public static bool IsHyperVFormat(string format) => HyperVFormats.Contains(format, StringComparer.OrdinalIgnoreCase);

    /// <summary><c>&lt;folder&gt;/&lt;vm&gt;.ps1</c>, the script that creates the VM.</summary>
    public static string ScriptPath(string folder, VmDescription vm) => Path.Combine(folder, vm.FileSafeName + ".ps1");

    /// <summary><c>&lt;folder&gt;/&lt;vm&gt;.hyperv.json</c>, the definition the script was made from.</summary>
    public static string DefinitionPath(string folder, VmDescription vm) => Path.Combine(folder, vm.FileSafeName + ".hyperv.json");

    public VmDefinitionOutcome Write(ConvertedVm vm, string folder, Func<int, string> convertedDiskFile, OutputSet outputs)
    {
        var boot = BootStyle.Unknown;
        GuestFacts? guest = null;
        GuestReport? report = null;
        if (vm.Disks.Count > 0)
        {
            int number = vm.Disks.Min(d => d.Disk);
            using var disk = formats.Open(convertedDiskFile(number), SourceOptions.Default);
            (var inspection, report) = GuestReports.Inspect(disk, number);
            if (inspection is not null)
            {
                boot = inspection.BootStyle;
                guest = GuestFacts.FromInspection(inspection);
            }
        }

        var definition = HyperVMapper.Map(vm, boot, options, (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime, guest);
        // UTF-8 with a byte order mark: Windows PowerShell 5.1 reads a script without one as ANSI.
        outputs.WriteBytes(ScriptPath(folder, vm.Vm), [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(PowerShellScript.Write(definition))]);
        outputs.WriteText(DefinitionPath(folder, vm.Vm), HyperVDefinitionJson.Write(definition));
        return new VmDefinitionOutcome(definition.Warnings, report);
    }
}
