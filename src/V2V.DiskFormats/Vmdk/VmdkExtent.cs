using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// One extent of a VMDK layer. Ranges the extent does not hold (unallocated grains of a delta)
/// are read from the layer below, at the same virtual offset.
/// </summary>
public abstract class VmdkExtent : IDisposable
{
    /// <summary>Bytes of the virtual disk this extent covers.</summary>
    public abstract long Length { get; }


    /// <summary>Ordered extents over [0, Length), relative to the extent's start.</summary>
    public abstract IEnumerable<DiskRange> EnumerateRanges();

    /// <param name="offset">Offset inside this extent.</param>
    /// <param name="virtualOffset">The same position on the virtual disk, for reading the layer below.</param>
    public abstract void Read(long offset, Span<byte> destination, long virtualOffset, ILayerBacking below);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the extent's file, when it has one.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}

/// <summary>A ZERO extent: reads as zeros and hides what lies below.</summary>
public sealed class ZeroExtent(long length) : VmdkExtent
{
    public override long Length => length;

    public override IEnumerable<DiskRange> EnumerateRanges() => [new DiskRange(0, length, RangeKind.Zero)];

    public override void Read(long offset, Span<byte> destination, long virtualOffset, ILayerBacking below) => destination.Clear();
}
