using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Vmdk;

namespace V2V.Adapters.VMware;

/// <summary>
/// VMDK as a target: streamOptimized (default; what ESXi imports and OVAs carry) or
/// monolithicSparse (VMware Workstation's growable disk). 64 KiB grains; at most 2 TiB, the limit
/// of 32-bit grain table entries.
/// </summary>
public sealed class VmdkTargetFormat : ITargetFormat
{
    /// <summary>2 TiB less room for monolithicSparse's grain tables (128 MiB at this size): grain sectors are 32-bit.</summary>
    public const long MaxCapacity = 0xFFFFFFFFL * 512 - 256 * 1024 * 1024;

    public string Name => "vmdk";
    public IReadOnlyList<string> Subformats { get; } = ["streamOptimized", "monolithicSparse"];
    public IReadOnlyList<string> Extensions { get; } = ["vmdk"];

    public void Validate(TargetRequest request)
    {
        if (request.Subformat is { } sub && !Subformats.Contains(sub, StringComparer.OrdinalIgnoreCase))
        {
            throw new UsageException($"{request.Path}: VMDK subformat \"{sub}\" is not one of: {string.Join(", ", Subformats)}");
        }

        if (request.BlockSize is { } block && block != 64 * 1024)
        {
            throw new UsageException($"{request.Path}: VMDK grains are 64 KiB; drop --block-size");
        }

        if (request.LogicalSectorSize != 512)
        {
            throw new UsageException($"{request.Path}: VMDK has 512-byte sectors only; convert a 4Kn disk to VHDX instead");
        }

        if (request.Capacity <= 0 || request.Capacity > MaxCapacity)
        {
            throw new UsageException($"{request.Path}: a sparse VMDK holds 1 byte to 2 TiB; the source is {request.Capacity} bytes");
        }
    }

    public IDiskTarget Create(SafeFileHandle file, TargetRequest request)
    {
        Validate(request);
        string name = Path.GetFileName(request.Path);
        return string.Equals(request.Subformat, "monolithicSparse", StringComparison.OrdinalIgnoreCase)
            ? new MonolithicSparseWriter(file, request.Capacity, name, "lsilogic")
            : new StreamOptimizedWriter(file, request.Capacity, name, "lsilogic");
    }
}
