using System.Buffers.Binary;

namespace V2V.DiskFormats.Vmdk;

/// <summary>Marker types of a streamOptimized VMDK (a grain marker has a non-zero size instead).</summary>
public enum StreamMarkerType : uint
{
    EndOfStream = 0,
    GrainTable = 1,
    GrainDirectory = 2,
    Footer = 3,
}

/// <summary>
/// The 12-byte head of a streamOptimized marker: the grain's LBA (sectors) and the compressed size;
/// a size of 0 makes it a metadata marker whose type follows, padded to a sector.
/// </summary>
public readonly record struct StreamMarker(ulong Value, uint Size, StreamMarkerType Type)
{
    public const int GrainHeaderSize = 12;

    public bool IsGrain => Size != 0;

    /// <summary>For metadata markers: the sectors of metadata that follow the marker sector.</summary>
    public ulong NumSectors => Value;

    /// <summary>
    /// Reads a marker from at least <see cref="GrainHeaderSize"/> bytes. A metadata marker's type is
    /// read only when the 4 bytes after the head were given too; a grain head read alone (12 bytes)
    /// whose size is 0 is not a grain, and its caller reports it.
    /// </summary>
    public static StreamMarker Read(ReadOnlySpan<byte> data)
    {
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        var type = size == 0 && data.Length >= GrainHeaderSize + 4 ? (StreamMarkerType)BinaryPrimitives.ReadUInt32LittleEndian(data[12..]) : default;
        return new StreamMarker(BinaryPrimitives.ReadUInt64LittleEndian(data), size, type);
    }

    public static void WriteGrain(Span<byte> data, ulong lba, uint size)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(data, lba);
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], size);
    }

    public static void WriteMetadata(Span<byte> sector, ulong numSectors, StreamMarkerType type)
    {
        sector[..512].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(sector, numSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(sector[12..], (uint)type);
    }
}
