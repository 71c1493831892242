using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vhd;

namespace V2V.Adapters.HyperV;

/// <summary>
/// VHD for Hyper-V 2008 R2 and Azure: dynamic (2 MiB blocks, default) or fixed. A fixed VHD's
/// capacity is rounded up to a whole MiB, as Azure requires; a dynamic one's to a whole sector.
/// Disks over 2040 GiB do not fit the format.
/// </summary>
public sealed class VhdTargetFormat : ITargetFormat
{
    public string Name => "vhd";
    public IReadOnlyList<string> Subformats { get; } = ["dynamic", "fixed"];
    public IReadOnlyList<string> Extensions { get; } = ["vhd"];

    public void Validate(TargetRequest request)
    {
        if (request.Subformat is { } sub && !Subformats.Contains(sub, StringComparer.OrdinalIgnoreCase))
        {
            throw new UsageException($"{request.Path}: VHD subformat \"{sub}\" is not one of: {string.Join(", ", Subformats)}");
        }

        if (request.BlockSize is { } block && block != VhdWriter.DynamicBlockSize)
        {
            throw new UsageException($"{request.Path}: VHD blocks are always 2 MiB (Hyper-V's and Azure's only size); drop --block-size");
        }

        if (request.LogicalSectorSize != 512)
        {
            throw new UsageException($"{request.Path}: VHD has 512-byte sectors only; convert a 4Kn disk to VHDX instead");
        }

        if (CapacityFor(request) > VhdFile.MaxVirtualSize)
        {
            throw new UsageException($"{request.Path}: a VHD holds at most 2040 GiB; the source is {request.Capacity} bytes (use VHDX)");
        }

        if (request.Capacity <= 0)
        {
            throw new UsageException($"{request.Path}: the source is empty (0 bytes)");
        }
    }

    public bool CanReadBack => true;

    public IDiskTarget Create(SafeFileHandle file, TargetRequest request)
    {
        Validate(request);
        return new VhdWriter(file, CapacityFor(request), IsFixed(request));
    }

    private static bool IsFixed(TargetRequest request) => string.Equals(request.Subformat, "fixed", StringComparison.OrdinalIgnoreCase);

    private static long CapacityFor(TargetRequest request) =>
        Alignment.RoundUp(request.Capacity, IsFixed(request) ? Alignment.MiB : 512);
}
