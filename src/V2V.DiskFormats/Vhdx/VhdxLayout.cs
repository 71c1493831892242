namespace V2V.DiskFormats.Vhdx;

/// <summary>Fixed positions and limits of the VHDX format (MS-VHDX 2.1).</summary>
public static class VhdxLayout
{
    public const long Header1Offset = 64 * 1024;
    public const long Header2Offset = 128 * 1024;
    public const long RegionTable1Offset = 192 * 1024;
    public const long RegionTable2Offset = 256 * 1024;

    public const int HeaderSize = 4 * 1024;
    public const int RegionTableSize = 64 * 1024;
    public const int MetadataTableSize = 64 * 1024;

    /// <summary>Everything below 1 MiB is the header section; regions and blocks live above it.</summary>
    public const long HeaderSectionSize = 1024 * 1024;

    /// <summary>The smallest file that holds both headers and both region tables.</summary>
    public const long MinimumFileLength = RegionTable2Offset + RegionTableSize;

    public const long MinBlockSize = 1024 * 1024;
    public const long MaxBlockSize = 256 * 1024 * 1024;
    public const long MaxVirtualDiskSize = 64L * 1024 * 1024 * 1024 * 1024;
    public const long DefaultLogLength = 1024 * 1024;
}
