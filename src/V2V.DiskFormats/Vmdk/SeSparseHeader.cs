using System.Buffers.Binary;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// The constant header of an seSparse extent (ESXi 6.5+ snapshots). The format is undocumented;
/// like qemu, V2V accepts only the one layout ESXi writes: 4 KiB grains, 4096-entry tables.
/// </summary>
public sealed record SeSparseHeader(
    ulong Version,
    ulong Capacity,
    ulong GrainSize,
    ulong GrainTableSize,
    ulong Flags,
    ulong VolatileHeaderOffset,
    ulong GrainDirOffset,
    ulong GrainDirSize,
    ulong GrainTablesOffset,
    ulong GrainTablesSize,
    ulong GrainsOffset,
    ulong GrainsSize)
{
    public const ulong Magic = 0xCAFEBABE;
    public const ulong VolatileMagic = 0xCAFECAFE;
    public const ulong SupportedVersion = 0x0000000200000001;
    public const int Size = 512;

    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(head) == Magic;

    public static SeSparseHeader Read(ReadOnlySpan<byte> data) => new(
        At(data, 8), At(data, 16), At(data, 24), At(data, 32), At(data, 40), At(data, 80),
        At(data, 128), At(data, 136), At(data, 144), At(data, 152), At(data, 192), At(data, 200));

    private static ulong At(ReadOnlySpan<byte> data, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(data[offset..]);

    private static void Put(Span<byte> data, int offset, ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(data[offset..], value);

    public void Write(Span<byte> data)
    {
        data[..Size].Clear();
        Put(data, 0, Magic);
        Put(data, 8, Version);
        Put(data, 16, Capacity);
        Put(data, 24, GrainSize);
        Put(data, 32, GrainTableSize);
        Put(data, 40, Flags);
        Put(data, 80, VolatileHeaderOffset);
        Put(data, 88, 1);
        Put(data, 128, GrainDirOffset);
        Put(data, 136, GrainDirSize);
        Put(data, 144, GrainTablesOffset);
        Put(data, 152, GrainTablesSize);
        Put(data, 192, GrainsOffset);
        Put(data, 200, GrainsSize);
    }
}
