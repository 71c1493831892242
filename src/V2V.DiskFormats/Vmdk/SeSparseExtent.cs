using System.Buffers.Binary;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// An seSparse delta: 4 KiB grains, a directory of 4096-entry tables of 64-bit entries whose top
/// nibble says unallocated (read the parent), unmapped or zero (read zeros), or allocated (with a
/// cluster index split across the entry's bits). A dirty journal is refused, as qemu does.
/// </summary>
public sealed class SeSparseExtent : GrainTableExtent<ulong>
{
    private const int GrainBytes = 4096;
    private const int EntriesPerTable = 4096;
    private const long TableCover = (long)GrainBytes * EntriesPerTable;

    private readonly SeSparseHeader _header;
    private readonly ulong[] _directory;
    private readonly TableCache<ulong> _tables;

    private SeSparseExtent(ImageFile file, SeSparseHeader header, ulong[] directory, long length)
        : base(file, GrainBytes, EntriesPerTable, directory.Length, length)
    {
        _header = header;
        _directory = directory;
        _tables = new TableCache<ulong>(LoadTable);
    }

    public static SeSparseExtent Open(ImageFile file, long length)
    {
        string path = file.Path;
        var raw = new byte[SeSparseHeader.Size];
        file.ReadExactly(0, raw, "seSparse header");
        if (!SeSparseHeader.HasMagic(raw))
        {
            throw new InvalidImageException(path, "seSparse extent has no 0xCAFEBABE magic");
        }

        var header = SeSparseHeader.Read(raw);
        if (header.Version != SeSparseHeader.SupportedVersion || header.GrainSize != 8 || header.GrainTableSize != 64 || header.Flags != 0)
        {
            throw new UnsupportedFormatException(path, $"seSparse version 0x{header.Version:X}, grain {header.GrainSize}, table {header.GrainTableSize}, flags {header.Flags}: only the layout ESXi writes (version 0x200000001, 8-sector grains, 64-sector tables) is known");
        }

        if (header.Capacity * 512 < (ulong)length)
        {
            throw new InvalidImageException(path, $"seSparse capacity {header.Capacity} sectors is smaller than the descriptor's extent");
        }

        ulong fileSectors = (ulong)file.Length / 512;
        if (header.VolatileHeaderOffset >= fileSectors || header.GrainDirOffset >= fileSectors || header.GrainDirSize > fileSectors - header.GrainDirOffset
            || header.GrainTablesOffset >= fileSectors || header.GrainsOffset >= fileSectors)
        {
            throw new InvalidImageException(path, "seSparse header places its tables outside the file");
        }

        file.ReadExactly((long)header.VolatileHeaderOffset * 512, raw, "seSparse volatile header");
        if (BinaryPrimitives.ReadUInt64LittleEndian(raw) != SeSparseHeader.VolatileMagic)
        {
            throw new InvalidImageException(path, "seSparse volatile header has no 0xCAFECAFE magic");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(24)) != 0)
        {
            throw new UnsupportedFormatException(path, "seSparse journal needs replaying (the snapshot was not closed cleanly); consolidate it on ESXi first");
        }

        long needed = (length + TableCover - 1) / TableCover;
        if ((long)header.GrainDirSize * 512 / 8 < needed)
        {
            throw new InvalidImageException(path, $"seSparse grain directory of {header.GrainDirSize} sectors cannot cover the disk");
        }

        var bytes = new byte[needed * 8];
        file.ReadExactly((long)header.GrainDirOffset * 512, bytes, "seSparse grain directory");
        var directory = new ulong[needed];
        for (int i = 0; i < needed; i++)
        {
            ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
            if (entry != 0 && (entry >> 32) != 0x10000000)
            {
                throw new InvalidImageException(path, $"seSparse grain directory entry {i} (0x{entry:X16}) is neither empty nor an allocated table");
            }

            directory[i] = entry;
        }

        return new SeSparseExtent(file, header, directory, length);
    }

    protected override RangeKind KindOf(ulong entry) => Decode(entry, out _);

    protected override void ReadGrain(ulong entry, long grainStart, int inGrain, Span<byte> destination)
    {
        Decode(entry, out long fileOffset);
        File.ReadExactly(fileOffset + inGrain, destination, "seSparse grain");
    }

    /// <summary>The entry's kind; for an allocated grain, where it lies in the file (checked against the file's size).</summary>
    private RangeKind Decode(ulong entry, out long fileOffset)
    {
        fileOffset = 0;
        switch (entry >> 60)
        {
            case 0 when entry == 0:
                return RangeKind.Unallocated;
            case 1 or 2:
                return RangeKind.Zero;
            case 3:
                ulong cluster = ((entry & 0x0FFF000000000000) >> 48) | ((entry & 0x0000FFFFFFFFFFFF) << 12);
                ulong sector = _header.GrainsOffset + cluster * 8;
                if (cluster > (ulong)File.Length / GrainBytes || sector > (ulong)(File.Length - GrainBytes) / 512)
                {
                    throw new InvalidImageException(File.Path, $"seSparse grain table entry 0x{entry:X16} points past the end of the file");
                }

                fileOffset = (long)sector * 512;
                return RangeKind.Data;
            default:
                throw new InvalidImageException(File.Path, $"seSparse grain table entry 0x{entry:X16} has an unknown type");
        }
    }

    protected override ulong[]? Table(long index) => _directory[index] == 0 ? null : _tables.Get(index);

    private ulong[] LoadTable(long index)
    {
        ulong entry = _directory[index];
        ulong sector = _header.GrainTablesOffset + (entry & 0xFFFFFFFF) * 64;
        if (sector > (ulong)(File.Length - EntriesPerTable * 8) / 512)
        {
            throw new InvalidImageException(File.Path, $"seSparse grain table {index} lies past the end of the file");
        }

        var bytes = new byte[EntriesPerTable * 8];
        File.ReadExactly((long)sector * 512, bytes, $"seSparse grain table {index}");
        var table = new ulong[EntriesPerTable];
        for (int i = 0; i < EntriesPerTable; i++)
        {
            table[i] = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * 8));
        }

        return table;
    }
}
