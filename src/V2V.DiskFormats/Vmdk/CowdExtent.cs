using System.Buffers.Binary;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// An ESX "COWD" delta (vmfsSparse): a grain directory of 4096-entry grain tables holding the
/// sectors of grains written since the snapshot; entry 0 means "read the parent".
/// </summary>
public sealed class CowdExtent : GrainTableExtent<uint>
{
    private readonly uint[]?[] _tables;

    private CowdExtent(ImageFile file, uint[]?[] tables, long grainBytes, long length)
        : base(file, grainBytes, CowdHeader.EntriesPerTable, tables.Length, length)
    {
        _tables = tables;
    }

    public static CowdExtent Open(ImageFile file, long length)
    {
        var raw = new byte[CowdHeader.Size];
        file.ReadExactly(0, raw, "COWD header");
        var header = CowdHeader.Read(raw);
        string path = file.Path;
        if (header.GrainSize == 0 || header.GrainSize > 2048 || !Alignment.IsPowerOfTwo(header.GrainSize))
        {
            throw new InvalidImageException(path, $"COWD grain size {header.GrainSize} sectors is not a power of two up to 2048");
        }

        if ((long)header.NumSectors * 512 < length)
        {
            throw new InvalidImageException(path, $"COWD capacity {header.NumSectors} sectors is smaller than the descriptor's extent");
        }

        long grainBytes = header.GrainSize * 512L;
        long cover = grainBytes * CowdHeader.EntriesPerTable;
        long needed = (length + cover - 1) / cover;
        if (header.NumGdEntries < needed || (long)header.NumGdEntries * 4 > file.Length || (long)header.GdOffset * 512 > file.Length - needed * 4)
        {
            throw new InvalidImageException(path, $"COWD grain directory ({header.NumGdEntries} entries at sector {header.GdOffset}) does not fit the file or cover the disk");
        }

        var directory = new byte[needed * 4];
        file.ReadExactly((long)header.GdOffset * 512, directory, "COWD grain directory");
        var tables = new uint[]?[needed];
        var tableBytes = new byte[CowdHeader.EntriesPerTable * 4];
        long loaded = 0;
        for (int i = 0; i < needed; i++)
        {
            uint sector = BinaryPrimitives.ReadUInt32LittleEndian(directory.AsSpan(i * 4));
            if (sector == 0)
            {
                continue;
            }

            // Every table is stored in the file, so they cannot add up to more than the file: a
            // directory pointing many entries at one table would otherwise cost 16 KiB each.
            loaded += tableBytes.Length;
            if (loaded > file.Length)
            {
                throw new InvalidImageException(path, $"COWD grain directory names more grain tables than the file of {file.Length} bytes can hold");
            }

            file.ReadExactly((long)sector * 512, tableBytes, $"COWD grain table {i}");
            var table = new uint[CowdHeader.EntriesPerTable];
            for (int e = 0; e < CowdHeader.EntriesPerTable; e++)
            {
                uint grain = BinaryPrimitives.ReadUInt32LittleEndian(tableBytes.AsSpan(e * 4));
                if (grain != 0 && (long)grain * 512 > file.Length - grainBytes)
                {
                    throw new InvalidImageException(path, $"COWD grain table {i} entry {e} points at sector {grain}, past the end of the file");
                }

                table[e] = grain;
            }

            tables[i] = table;
        }

        return new CowdExtent(file, tables, grainBytes, length);
    }

    /// <summary>Every table was loaded and checked when the extent was opened.</summary>
    protected override uint[]? Table(long index) => _tables[index];

    protected override RangeKind KindOf(uint entry) => entry == 0 ? RangeKind.Unallocated : RangeKind.Data;

    protected override void ReadGrain(uint sector, long grainStart, int inGrain, Span<byte> destination) =>
        File.ReadExactly(sector * 512L + inGrain, destination, $"COWD grain at sector {sector}");
}
