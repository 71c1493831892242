namespace V2V.Core.Disks;

/// <summary>A contiguous byte range of a virtual disk and what it holds.</summary>
public readonly record struct DiskExtent(long Offset, long Length, ExtentKind Kind)
{
    public long End => Offset + Length;
}
