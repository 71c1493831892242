using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Raw;

/// <summary>
/// A raw disk stored as a package member (an OVA's .img): the member's bytes are the disk. Tar
/// members hold no holes worth asking for, so every byte is data; zero chunks are still dropped
/// by the pipeline after they are read.
/// </summary>
public sealed class RawMemberDisk(ImageFile file) : IDiskSource
{
    public string Path => file.Path;
    public long Capacity => file.Length;
    public int LogicalSectorSize => 512;

    // The member is part of its package's file, which the package source lists.
    public IReadOnlyList<string> Files => [];

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        if (Capacity > 0)
        {
            yield return new DiskRange(0, Capacity, RangeKind.Data);
        }
    }

    public void Read(long offset, Span<byte> destination) => file.ReadExactly(offset, destination, "disk data");

    public SourceDescription Describe() => new("raw", "package member", [Path], []);

    public void Dispose() => file.Dispose();
}
