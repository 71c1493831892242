namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// Where each payload block's entry sits in the BAT: after every <see cref="ChunkRatio"/> payload
/// entries comes one sector-bitmap entry (MS-VHDX 2.5).
/// </summary>
public sealed class VhdxBatLayout
{
    public VhdxBatLayout(long virtualDiskSize, long blockSize, int logicalSectorSize, bool hasParent)
    {
        BlockSize = blockSize;
        ChunkRatio = (1L << 23) * logicalSectorSize / blockSize;
        PayloadBlocks = (virtualDiskSize + blockSize - 1) / blockSize;
        long bitmapBlocks = (PayloadBlocks + ChunkRatio - 1) / ChunkRatio;
        TotalEntries = hasParent
            ? bitmapBlocks * (ChunkRatio + 1)
            : PayloadBlocks + (PayloadBlocks - 1) / ChunkRatio;
    }

    public long BlockSize { get; }
    public long ChunkRatio { get; }
    public long PayloadBlocks { get; }
    public long TotalEntries { get; }

    public long PayloadEntryIndex(long block) => block + block / ChunkRatio;

    public bool IsSectorBitmapEntry(long index) => (index + 1) % (ChunkRatio + 1) == 0;
}
