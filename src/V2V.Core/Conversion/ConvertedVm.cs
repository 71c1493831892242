using V2V.Core.Vm;

namespace V2V.Core.Conversion;

/// <summary>A converted disk of a VM: its number, the file the description names and the content digest.</summary>
/// <param name="Disk">1-based number in controller order (the N of diskN).</param>
/// <param name="File">The file name (no folder) of the described output.</param>
/// <param name="Source">The disk's name in the package.</param>
/// <param name="Capacity">The source disk's virtual size in bytes.</param>
/// <param name="DataBytesRead">Bytes of data read from the source (zero ranges are not read).</param>
public sealed record ConvertedDisk(int Disk, string File, string Source, long Capacity, string Digest, bool Verified, long DataBytesRead)
{
    /// <summary>Every file written for this disk, one per output of the request, in its order, with final paths; empty for a disk not converted.</summary>
    public IReadOnlyList<TargetOutcome> Targets { get; init; } = [];

    /// <summary>
    /// The content digest of <see cref="File"/>: <see cref="Digest"/> (the source's) unless the
    /// guest stage fixed it; empty for a disk not converted.
    /// </summary>
    public string OutputDigest { get; init; } = "";

    /// <summary>The file name of <see cref="File"/>'s fixup journal (<c>FILE.fixups.json</c>) when the fixups changed it; null otherwise.</summary>
    public string? FixupJournal { get; init; }

    /// <summary>Disk <paramref name="number"/>, converted: <paramref name="outcome"/>'s target <paramref name="described"/> is the file the description names.</summary>
    public static ConvertedDisk Converted(int number, ConversionOutcome outcome, int described) =>
        new(number, System.IO.Path.GetFileName(outcome.Targets[described].Path), outcome.Source, outcome.SourceCapacity, outcome.Copy.Digest, outcome.AllVerified, outcome.Copy.DataBytesRead)
        {
            Targets = outcome.Targets,
            OutputDigest = outcome.Targets[described].Digest,
            FixupJournal = outcome.Targets[described].Guest?.Files.Where(f => f.EndsWith(".fixups.json", StringComparison.Ordinal)).Select(System.IO.Path.GetFileName).FirstOrDefault(),
        };
}

/// <summary>What <c>&lt;vm&gt;.vm.json</c> holds: the VM's description and its converted disks.</summary>
/// <param name="Warnings">What the source reader and the target hypervisor's definition could not map (not written to vm.json).</param>
public sealed record ConvertedVm(VmDescription Vm, IReadOnlyList<ConvertedDisk> Disks, IReadOnlyList<string>? Warnings = null)
{
    /// <summary>The final full path of <c>&lt;vm&gt;.vm.json</c>; null for a VM not converted.</summary>
    public string? DescriptionPath { get; init; }

    /// <summary>What inspecting the converted boot disk found (written to vm.json as <c>guest</c>); null when no definition writer inspected it.</summary>
    public GuestReport? Guest { get; init; }

    /// <summary>
    /// The VM as it would be converted, not read: disk n as <c>&lt;vm&gt;-diskN.&lt;extension&gt;</c>
    /// with the drive's declared capacity (0 when unknown) and no digest, for showing what a
    /// target hypervisor would make of it.
    /// </summary>
    public static ConvertedVm Unconverted(VmDescription vm, string extension) =>
        new(vm, [.. vm.Disks.Select((d, i) => new ConvertedDisk(i + 1, $"{vm.FileSafeName}-disk{i + 1}.{extension}", d.Source ?? "", d.Capacity ?? 0, "(not converted)", false, 0))]);
}
