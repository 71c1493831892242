using V2V.Core.Disks;

namespace V2V.DiskFormats.Common;

/// <summary>
/// One image file of a snapshot chain (a VMDK delta or base, a differencing or dynamic VHD): what
/// <see cref="SnapshotChain{TFile}"/> needs of it. Ranges the file does not hold are read from
/// the layer below at the same virtual offset.
/// </summary>
public interface IChainFile : IDisposable
{
    /// <summary>The path the file was opened by (descriptor or image), used in error messages.</summary>
    string Path { get; }

    /// <summary>Bytes of the virtual disk; every file of a chain must have the same.</summary>
    long Capacity { get; }

    /// <summary>Every file this one reads (the image, or a descriptor and its extent files), in order.</summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>Ordered extents over [0, Capacity); <see cref="RangeKind.Unallocated"/> means "read the parent".</summary>
    IEnumerable<DiskRange> EnumerateRanges();

    /// <summary>Reads [offset, offset + destination.Length); ranges not held here come from <paramref name="below"/>.</summary>
    void Read(long offset, Span<byte> destination, ILayerBacking below);
}
