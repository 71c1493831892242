using System.Buffers.Binary;

namespace V2V.DiskFormats.Vmdk;

/// <summary>The 2048-byte header of an ESX "COWD" snapshot delta (vmfsSparse).</summary>
public sealed record CowdHeader(uint Version, uint Flags, uint NumSectors, uint GrainSize, uint GdOffset, uint NumGdEntries, uint FreeSector)
{
    public const uint Magic = 0x44574F43; // "COWD" little-endian
    public const int Size = 2048;
    public const int EntriesPerTable = 4096;

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(head) == Magic;

    public static CowdHeader Read(ReadOnlySpan<byte> data) => new(
        BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[8..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[12..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[16..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[20..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[24..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[28..]));

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(data, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], Version);
        BinaryPrimitives.WriteUInt32LittleEndian(data[8..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(data[12..], NumSectors);
        BinaryPrimitives.WriteUInt32LittleEndian(data[16..], GrainSize);
        BinaryPrimitives.WriteUInt32LittleEndian(data[20..], GdOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(data[24..], NumGdEntries);
        BinaryPrimitives.WriteUInt32LittleEndian(data[28..], FreeSector);
    }
}
