using V2V.Core.Disks;

namespace V2V.Guest.Devices;

/// <summary>An <see cref="IBlockDevice"/> as the read-only <see cref="IDiskSource"/> the readers take: reads see every write made so far.</summary>
internal sealed class DeviceDiskSource(IBlockDevice device) : IDiskSource
{
    public string Path => device.Path;
    public IReadOnlyList<string> Files => [];
    public long Capacity => device.Capacity;
    public int LogicalSectorSize => 512;

    public IEnumerable<DiskRange> EnumerateRanges() => [new DiskRange(0, Capacity, RangeKind.Data)];

    public void Read(long offset, Span<byte> destination) => device.Read(offset, destination);

    public SourceDescription Describe() => throw new NotSupportedException("a device opened for writing is not described");

    public void Dispose()
    {
    }
}
