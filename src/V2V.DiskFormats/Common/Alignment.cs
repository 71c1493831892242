namespace V2V.DiskFormats.Common;

/// <summary>Rounding for sizes that on-disk formats keep aligned.</summary>
public static class Alignment
{
    public static long RoundUp(long value, long unit) => (value + unit - 1) / unit * unit;

    public static bool IsPowerOfTwo(long value) => value > 0 && (value & (value - 1)) == 0;

    public const long MiB = 1024 * 1024;
    public const long GiB = 1024 * MiB;
    public const long TiB = 1024 * GiB;
}
