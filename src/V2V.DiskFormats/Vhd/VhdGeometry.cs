namespace V2V.DiskFormats.Vhd;

/// <summary>The CHS geometry of a VHD footer, and the spec's algorithm that derives it from a size.</summary>
public readonly record struct VhdGeometry(ushort Cylinders, byte Heads, byte SectorsPerTrack)
{
    public const long MaxSectors = 65535L * 16 * 255;

    public long Bytes => (long)Cylinders * Heads * SectorsPerTrack * 512;

    public bool IsMaximum => Cylinders == 65535 && Heads == 16 && SectorsPerTrack == 255;

    /// <summary>The VHD specification's CHS calculation (appendix "CHS calculation").</summary>
    public static VhdGeometry For(long bytes)
    {
        long total = Math.Min(bytes / 512, MaxSectors);
        long sectorsPerTrack;
        long heads;
        long cylinderTimesHeads;
        if (total >= 65535L * 16 * 63)
        {
            sectorsPerTrack = 255;
            heads = 16;
            cylinderTimesHeads = total / sectorsPerTrack;
        }
        else
        {
            sectorsPerTrack = 17;
            cylinderTimesHeads = total / sectorsPerTrack;
            heads = Math.Max(4, (cylinderTimesHeads + 1023) / 1024);
            if (cylinderTimesHeads >= heads * 1024 || heads > 16)
            {
                sectorsPerTrack = 31;
                heads = 16;
                cylinderTimesHeads = total / sectorsPerTrack;
            }

            if (cylinderTimesHeads >= heads * 1024)
            {
                sectorsPerTrack = 63;
                heads = 16;
                cylinderTimesHeads = total / sectorsPerTrack;
            }
        }

        return new VhdGeometry((ushort)(cylinderTimesHeads / heads), (byte)heads, (byte)sectorsPerTrack);
    }
}
