using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;
using V2V.DiskFormats.Vhdx;

namespace V2V.Adapters.HyperV;

/// <summary>
/// VHDX as Hyper-V wants it: dynamic (default) or fixed, 32 MiB blocks unless asked otherwise,
/// 512-byte or 4096-byte (4Kn) logical sectors on a 4096-byte physical sector, capacity rounded up
/// to a whole logical sector.
/// </summary>
public sealed class VhdxTargetFormat : ITargetFormat
{
    public const long DefaultBlockSize = 32 * Alignment.MiB;

    public string Name => "vhdx";
    public IReadOnlyList<string> Subformats { get; } = ["dynamic", "fixed"];
    public IReadOnlyList<string> Extensions { get; } = ["vhdx"];

    public void Validate(TargetRequest request)
    {
        if (request.Subformat is { } sub && !Subformats.Contains(sub, StringComparer.OrdinalIgnoreCase))
        {
            throw new UsageException($"{request.Path}: VHDX subformat \"{sub}\" is not one of: {string.Join(", ", Subformats)}");
        }

        long blockSize = request.BlockSize ?? DefaultBlockSize;
        if (blockSize < VhdxLayout.MinBlockSize || blockSize > VhdxLayout.MaxBlockSize || !Alignment.IsPowerOfTwo(blockSize))
        {
            throw new UsageException($"{request.Path}: VHDX block size {blockSize} must be a power of two from 1 MiB to 256 MiB");
        }

        if (request.LogicalSectorSize is not (512 or 4096))
        {
            throw new UsageException($"{request.Path}: VHDX logical sector size must be 512 or 4096, not {request.LogicalSectorSize}");
        }

        if (Alignment.RoundUp(request.Capacity, request.LogicalSectorSize) > VhdxLayout.MaxVirtualDiskSize)
        {
            throw new UsageException($"{request.Path}: a VHDX holds at most 64 TiB; the source is {request.Capacity} bytes");
        }

        if (request.Capacity <= 0)
        {
            throw new UsageException($"{request.Path}: the source is empty (0 bytes); a VHDX needs at least one sector");
        }
    }

    public bool CanReadBack => true;

    public IDiskTarget Create(SafeFileHandle file, TargetRequest request)
    {
        Validate(request);
        bool isFixed = string.Equals(request.Subformat, "fixed", StringComparison.OrdinalIgnoreCase);
        return new VhdxWriter(file, new VhdxWriterOptions(
            Alignment.RoundUp(request.Capacity, request.LogicalSectorSize),
            request.BlockSize ?? DefaultBlockSize,
            request.LogicalSectorSize,
            PhysicalSectorSize: 4096,
            isFixed,
            Creator: "V2V"));
    }
}
