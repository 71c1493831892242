namespace V2V.DiskFormats.Common;

/// <summary>What lies below a layer of a snapshot chain (VMDK delta, differencing VHD): its parent, or zeros.</summary>
public interface ILayerBacking
{
    void Read(long offset, Span<byte> destination);
}

/// <summary>Reads zeros: the backing of a disk without a parent.</summary>
public sealed class ZeroBacking : ILayerBacking
{
    public static ZeroBacking Instance { get; } = new();

    public void Read(long offset, Span<byte> destination) => destination.Clear();
}
