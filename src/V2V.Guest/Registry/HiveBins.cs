using System.Buffers.Binary;
using V2V.Core.Errors;

namespace V2V.Guest.Registry;

/// <summary>
/// The hive bins data of a primary file, checked once when opened: every hbin header and the chain
/// of cells inside each bin (a cell's i32 size includes its 4 bytes, is 8-aligned, negative when
/// allocated, and never crosses its bin). Remembers where allocated cells start, so a cell offset
/// read from anywhere in the hive is used only when it names one ("Cell" in the regf specification).
/// </summary>
internal sealed class HiveBins
{
    /// <summary>Offsets in the hive use this value for "none".</summary>
    public const uint None = 0xFFFFFFFF;

    private const int CellAlignment = 8;
    private readonly ReadOnlyMemory<byte> _bins;
    private readonly ulong[] _allocatedStarts;

    public HiveBins(string file, ReadOnlyMemory<byte> hive, uint binsDataSize)
    {
        File = file;
        if (binsDataSize == 0 || binsDataSize % HiveBinHeader.Alignment != 0)
        {
            throw Damaged(file, $"base block gives hive bins data size 0x{binsDataSize:X} (not a non-zero multiple of 4096)");
        }

        if (RegfBaseBlock.Size + (long)binsDataSize > hive.Length)
        {
            throw Damaged(file, $"base block gives hive bins data size 0x{binsDataSize:X}, but the file holds only 0x{hive.Length - RegfBaseBlock.Size:X} bytes after the base block");
        }

        _bins = hive.Slice(RegfBaseBlock.Size, (int)binsDataSize);
        _allocatedStarts = new ulong[(binsDataSize / CellAlignment + 63) / 64];
        var bins = _bins.Span;
        uint offset = 0;
        while (offset < binsDataSize)
        {
            string? problem = HiveBinHeader.Check(bins[(int)offset..], offset, binsDataSize, out var header);
            if (problem is not null)
            {
                throw Damaged(file, problem);
            }

            MapCells(bins, offset, header.Size);
            offset += header.Size;
        }
    }

    public string File { get; }

    public int Length => _bins.Length;

    /// <summary>
    /// The data of the allocated cell at <paramref name="offset"/> (after its size field; may include
    /// padding). <paramref name="what"/> names the structure expected there, for the error.
    /// </summary>
    public ReadOnlySpan<byte> Cell(uint offset, string what)
    {
        if (!IsAllocatedCell(offset))
        {
            throw Damaged(File, offset == None ? $"{what} is missing (offset 0xFFFFFFFF)" : $"{what} at 0x{offset:X} is not an allocated cell");
        }

        var bins = _bins.Span;
        int size = -BinaryPrimitives.ReadInt32LittleEndian(bins[(int)offset..]);
        return bins.Slice((int)offset + 4, size - 4);
    }

    public bool IsAllocatedCell(uint offset) =>
        offset % CellAlignment == 0 && offset < _bins.Length
        && (_allocatedStarts[offset / CellAlignment / 64] & (1UL << (int)(offset / CellAlignment % 64))) != 0;

    public static InvalidImageException Damaged(string file, string problem) => new(file, problem);

    private void MapCells(ReadOnlySpan<byte> bins, uint binOffset, uint binSize)
    {
        long end = (long)binOffset + binSize;
        long cell = binOffset + HiveBinHeader.Length;
        while (cell < end)
        {
            if (end - cell < 4)
            {
                throw Damaged(File, $"cell at 0x{cell:X} is cut short by the end of the hbin at 0x{binOffset:X}");
            }

            long size = BinaryPrimitives.ReadInt32LittleEndian(bins[(int)cell..]);
            bool allocated = size < 0;
            size = Math.Abs(size);
            if (size < CellAlignment || size % CellAlignment != 0 || cell + size > end)
            {
                throw Damaged(File, $"cell at 0x{cell:X} has size {size} (the hbin at 0x{binOffset:X} ends at 0x{end:X})");
            }

            if (allocated)
            {
                long index = cell / CellAlignment;
                _allocatedStarts[index / 64] |= 1UL << (int)(index % 64);
            }

            cell += size;
        }
    }
}
