namespace V2V.Core.Disks;

/// <summary>A contiguous byte range of a virtual disk and what it holds.</summary>
public readonly record struct DiskRange(long Offset, long Length, RangeKind Kind)
{
    public long End => Offset + Length;
}
