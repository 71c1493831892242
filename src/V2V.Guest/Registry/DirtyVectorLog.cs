namespace V2V.Guest.Registry;

/// <summary>
/// An old-format transaction log (2000/XP/2003 <c>.LOG</c>, Vista/7 <c>.LOG1</c>/<c>.LOG2</c>; regf
/// specification "Old format"): the first sector holds a base block copy (file type 1 or 2), the
/// second starts the dirty vector — <c>DIRT</c> and a bitmap with one bit per 512-byte page of hive
/// bins data, LSB first — and the dirty pages follow from the next sector, in bitmap order.
/// </summary>
internal sealed record DirtyVectorLog(RegfBaseBlock BaseBlock, ReadOnlyMemory<byte> BaseBlockBytes, ReadOnlyMemory<byte> Bitmap, int PagesStart, int PageCount)
{
    public const int PageSize = 512;

    /// <summary>True when the log holds a DIRT vector after its base block (told by content, not by name).</summary>
    public static bool Matches(ReadOnlySpan<byte> log) => log.Length >= 516 && log.Slice(512, 4).SequenceEqual("DIRT"u8);

    /// <summary>Reads the log; null with the reason when it is not usable.</summary>
    public static DirtyVectorLog? TryRead(ReadOnlyMemory<byte> log, out string? problem)
    {
        problem = null;
        var span = log.Span;
        var baseBlock = RegfBaseBlock.TryRead(span);
        if (baseBlock is null || !Matches(span))
        {
            problem = "is not an old-format transaction log";
            return null;
        }

        if (!baseBlock.ChecksumValid || baseBlock.PrimarySequence != baseBlock.SecondarySequence)
        {
            problem = "was not completely written (bad base block checksum or sequence numbers differ)";
            return null;
        }

        if (baseBlock.HiveBinsDataSize % HiveBinHeader.Alignment != 0)
        {
            problem = $"gives hive bins data size 0x{baseBlock.HiveBinsDataSize:X}";
            return null;
        }

        long bitmapBytes = baseBlock.HiveBinsDataSize / PageSize / 8;
        long pagesStart = (512 + 4 + bitmapBytes + PageSize - 1) / PageSize * PageSize;
        if (pagesStart > span.Length)
        {
            problem = $"has a dirty vector of {bitmapBytes} bytes that runs past its end";
            return null;
        }

        var bitmap = log.Slice(516, (int)bitmapBytes);
        int dirty = 0;
        foreach (byte b in bitmap.Span)
        {
            dirty += System.Numerics.BitOperations.PopCount(b);
        }

        if (pagesStart + ((long)dirty * PageSize) > span.Length)
        {
            problem = $"lists {dirty} dirty pages but holds only {(span.Length - pagesStart) / PageSize}";
            return null;
        }

        return new DirtyVectorLog(baseBlock, log[..512], bitmap, (int)pagesStart, dirty);
    }

    /// <summary>Writes the dirty pages into <paramref name="hive"/> (a whole primary file image) at 4096 + 512·bit.</summary>
    public void Apply(ReadOnlyMemory<byte> log, Span<byte> hive)
    {
        var bitmap = Bitmap.Span;
        int page = 0;
        for (int bit = 0; bit < bitmap.Length * 8; bit++)
        {
            if ((bitmap[bit / 8] & (1 << (bit % 8))) == 0)
            {
                continue;
            }

            log.Span.Slice(PagesStart + (page * PageSize), PageSize).CopyTo(hive[(RegfBaseBlock.Size + (bit * PageSize))..]);
            page++;
        }
    }
}
