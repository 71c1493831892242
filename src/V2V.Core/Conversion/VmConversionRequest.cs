using V2V.Core.Formats;
using V2V.Core.Output;
using V2V.Core.Vm;

namespace V2V.Core.Conversion;

/// <summary>One output every disk of a VM package gets: format, subformat, sizes, and where the file for (vm, disk n) goes.</summary>
/// <param name="PathFor">The final path of VM <c>vm</c>'s disk n (1-based, in controller order).</param>
public sealed record VmOutputSpec(ITargetFormat Format, string? Subformat, long? BlockSize, int? LogicalSectorSize, Func<VmDescription, int, string> PathFor);

/// <summary>
/// What <see cref="VmConverter.ConvertAsync"/> does: every disk of every VM of
/// <paramref name="Source"/> into every output of <paramref name="Outputs"/>, and each VM's
/// description (and, with <see cref="Definitions"/>, the target hypervisor's definition) at
/// <paramref name="DescriptionPath"/>.
/// </summary>
/// <param name="Outputs">Every output of each disk, in the order they are written; at least one.</param>
/// <param name="Described">The output whose files the description and definition name; one of <paramref name="Outputs"/>.</param>
/// <param name="DescriptionPath">Where a VM's <c>&lt;vm&gt;.vm.json</c> goes; the definition is written in the same folder.</param>
/// <param name="Formats">The registry that reads finished disks back (verification, the boot disk's partition table).</param>
public sealed record VmConversionRequest(IVmSource Source, IReadOnlyList<VmOutputSpec> Outputs, VmOutputSpec Described, Func<VmDescription, string> DescriptionPath, FormatRegistry Formats)
{
    /// <summary>Replace outputs that exist (never a file the run reads).</summary>
    public bool Overwrite { get; init; }

    public ConversionOptions Options { get; init; } = ConversionOptions.Default;

    /// <summary>Writes the target hypervisor's VM definition beside each description; null for none.</summary>
    public IVmDefinitionWriter? Definitions { get; init; }

    /// <summary>Every file the run reads (a job file's); null for just the package's own files. No output may be one of them.</summary>
    public FilesRead? Read { get; init; }

    /// <summary>
    /// The CLI's form: one output, every disk as <c>&lt;vm&gt;-diskN.&lt;ext&gt;</c> and every
    /// description as <c>&lt;vm&gt;.vm.json</c> in <paramref name="folder"/>, where ext is the
    /// format's first extension (its name when it has none).
    /// </summary>
    /// <exception cref="Errors.UsageException"><paramref name="folder"/> is a file.</exception>
    public static VmConversionRequest IntoFolder(IVmSource source, string folder, ITargetFormat format, string? subformat, long? blockSize, int? logicalSectorSize, FormatRegistry formats)
    {
        if (File.Exists(folder))
        {
            throw new Errors.UsageException($"{folder}: a VM package converts into a folder, and this is a file");
        }

        string extension = format.Extensions.Count > 0 ? format.Extensions[0] : format.Name;
        var spec = new VmOutputSpec(format, subformat, blockSize, logicalSectorSize, (vm, n) => Path.Combine(folder, $"{vm.FileSafeName}-disk{n}.{extension}"));
        return new VmConversionRequest(source, [spec], spec, vm => Path.Combine(folder, $"{vm.FileSafeName}.vm.json"), formats);
    }
}
