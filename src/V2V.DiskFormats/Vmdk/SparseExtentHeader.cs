using System.Buffers.Binary;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// The 512-byte header of a hosted sparse extent ("KDMV"), also used as the footer of a
/// streamOptimized file (VMware "Virtual Disk Format" technote).
/// </summary>
public sealed record SparseExtentHeader(
    uint Version,
    uint Flags,
    ulong Capacity,
    ulong GrainSize,
    ulong DescriptorOffset,
    ulong DescriptorSize,
    uint NumGTEsPerGT,
    ulong RgdOffset,
    ulong GdOffset,
    ulong OverHead,
    bool UncleanShutdown,
    ushort CompressAlgorithm)
{
    public const uint Magic = 0x564D444B; // "KDMV" little-endian
    public const int Size = 512;
    public const ulong GdAtEnd = 0xFFFFFFFFFFFFFFFF;

    /// <summary>Bytes of a sector, the unit of every offset and size in the header.</summary>
    public const int SectorSize = 512;

    /// <summary>The layout VMware writes, and V2V's writers with it: 64 KiB grains (128 sectors).</summary>
    public const long DefaultGrainSectors = 128;

    /// <summary>The layout VMware writes: 512 entries per grain table (a table covers 32 MiB).</summary>
    public const int DefaultNumGTEsPerGT = 512;

    /// <summary>The layout VMware writes: 20 sectors reserved for the embedded descriptor after the header.</summary>
    public const long DefaultDescriptorSectors = 20;

    public const uint FlagValidNewlineTest = 1 << 0;
    public const uint FlagRedundantGrainTable = 1 << 1;
    public const uint FlagZeroedGrainGtes = 1 << 2;
    public const uint FlagCompressedGrains = 1 << 16;
    public const uint FlagMarkers = 1 << 17;

    public const ushort CompressionDeflate = 1;

    public bool IsCompressed => (Flags & FlagCompressedGrains) != 0;
    public bool HasMarkers => (Flags & FlagMarkers) != 0;
    public bool HasZeroedGrainGtes => (Flags & FlagZeroedGrainGtes) != 0;

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic;

    public static SparseExtentHeader Read(ReadOnlySpan<byte> data) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[12..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[20..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[28..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[36..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[44..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[48..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[56..]),
        BinaryPrimitives.ReadUInt64LittleEndian(data[64..]),
        data[72] != 0,
        BinaryPrimitives.ReadUInt16LittleEndian(data[77..]));

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(data[12..], Capacity);
        BinaryPrimitives.WriteUInt64LittleEndian(data[20..], GrainSize);
        BinaryPrimitives.WriteUInt64LittleEndian(data[28..], DescriptorOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(data[36..], DescriptorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(data[44..], NumGTEsPerGT);
        BinaryPrimitives.WriteUInt64LittleEndian(data[48..], RgdOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(data[56..], GdOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(data[64..], OverHead);
        data[72] = UncleanShutdown ? (byte)1 : (byte)0;
        data[73] = (byte)'\n';
        data[74] = (byte)' ';
        data[75] = (byte)'\r';
        data[76] = (byte)'\n';
        BinaryPrimitives.WriteUInt16LittleEndian(data[77..], CompressAlgorithm);
    }
}
