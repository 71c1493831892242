using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// The cells of a hive image being edited (regf specification, "Hive bin" and "Cell"): a free
/// cell is reused first-fit (split, keeping 8-byte alignment) before a new hbin is appended, and
/// only as large as the cell needs (a multiple of 4096); freed cells merge with free neighbours
/// in their bin. Offsets are relative to the hive bins data, as in every cell reference.
/// </summary>
internal sealed class CellAllocator
{
    private const int Alignment = 8;
    private readonly string _file;
    private readonly List<(uint Offset, uint Size)> _bins = [];
    private readonly List<(uint Offset, uint Size)> _free = [];
    private byte[] _buffer;
    private int _length;

    /// <param name="image">The whole hive file (base block + bins), already checked by <see cref="HiveBins"/>, in the first <paramref name="length"/> bytes; edited in place while appended bins fit the array.</param>
    public CellAllocator(string file, byte[] image, int length)
    {
        _file = file;
        _buffer = image;
        _length = length;
        BinsSize = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(40));
        for (uint bin = 0; bin < BinsSize;)
        {
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(Bins[(int)(bin + 8)..]);
            _bins.Add((bin, size));
            for (uint cell = bin + HiveBinHeader.Length; cell < bin + size;)
            {
                int cellSize = BinaryPrimitives.ReadInt32LittleEndian(Bins[(int)cell..]);
                if (cellSize > 0)
                {
                    _free.Add((cell, (uint)cellSize));
                }

                cell += (uint)Math.Abs(cellSize);
            }

            bin += size;
        }
    }

    /// <summary>The hive file being edited (moved to a larger array, with room for later bins, when a bin is appended).</summary>
    public Memory<byte> Image => _buffer.AsMemory(0, _length);

    /// <summary>Bytes of hive bins data (base block offset 40).</summary>
    public uint BinsSize { get; private set; }

    /// <summary>Bytes of new hbins appended so far.</summary>
    public long Grown { get; private set; }

    public int FreeCellCount => _free.Count;

    private Span<byte> Bins => _buffer.AsSpan(RegfBaseBlock.Size, _length - RegfBaseBlock.Size);

    /// <summary>The data of the allocated cell at <paramref name="offset"/> (after its size field), bounds-checked.</summary>
    public Span<byte> Cell(uint offset, string what)
    {
        if (offset % Alignment != 0 || (long)offset + 4 > BinsSize)
        {
            throw HiveBins.Damaged(_file, $"{what} at 0x{offset:X} is outside the hive bins");
        }

        long size = -(long)BinaryPrimitives.ReadInt32LittleEndian(Bins[(int)offset..]);
        if (size < Alignment || offset + size > BinsSize)
        {
            throw HiveBins.Damaged(_file, $"{what} at 0x{offset:X} is not an allocated cell");
        }

        return Bins.Slice((int)offset + 4, (int)size - 4);
    }

    /// <summary>Allocates a zeroed cell holding <paramref name="dataLength"/> bytes; returns its offset.</summary>
    public uint Allocate(int dataLength)
    {
        uint need = (uint)((dataLength + 4 + Alignment - 1) & ~(Alignment - 1));
        int index = _free.FindIndex(f => f.Size >= need);
        if (index < 0)
        {
            index = AppendBin(need);
        }

        var (offset, size) = _free[index];
        _free.RemoveAt(index);
        if (size > need)
        {
            _free.Insert(index, (offset + need, size - need));
            BinaryPrimitives.WriteInt32LittleEndian(Bins[(int)(offset + need)..], (int)(size - need));
        }

        BinaryPrimitives.WriteInt32LittleEndian(Bins[(int)offset..], -(int)need);
        Bins.Slice((int)offset + 4, (int)need - 4).Clear();
        return offset;
    }

    /// <summary>
    /// Makes the allocated cell at <paramref name="offset"/> hold <paramref name="dataLength"/> bytes
    /// where it is, taking from the free cell right after it in its bin; false when that is not possible.
    /// </summary>
    public bool TryGrow(uint offset, int dataLength)
    {
        uint size = (uint)-BinaryPrimitives.ReadInt32LittleEndian(Bins[(int)offset..]);
        uint need = (uint)((dataLength + 4 + Alignment - 1) & ~(Alignment - 1));
        if (need <= size)
        {
            return true;
        }

        int index = _free.FindIndex(f => f.Offset == offset + size);
        var bin = _bins[_bins.FindLastIndex(b => b.Offset <= offset)];
        if (index < 0 || _free[index].Offset >= bin.Offset + bin.Size || size + _free[index].Size < need)
        {
            return false;
        }

        var next = _free[index];
        _free.RemoveAt(index);
        uint rest = size + next.Size - need;
        if (rest > 0)
        {
            _free.Insert(index, (offset + need, rest));
            BinaryPrimitives.WriteInt32LittleEndian(Bins[(int)(offset + need)..], (int)rest);
        }

        BinaryPrimitives.WriteInt32LittleEndian(Bins[(int)offset..], -(int)need);
        Bins.Slice((int)(offset + size), (int)(need - size)).Clear();
        return true;
    }

    /// <summary>Marks the allocated cell at <paramref name="offset"/> free and merges it with free neighbours in its bin.</summary>
    public void Free(uint offset)
    {
        Cell(offset, "freed cell");
        uint size = (uint)-BinaryPrimitives.ReadInt32LittleEndian(Bins[(int)offset..]);
        var bin = _bins[_bins.FindLastIndex(b => b.Offset <= offset)];
        int index = _free.FindIndex(f => f.Offset > offset);
        index = index < 0 ? _free.Count : index;
        if (index < _free.Count && _free[index].Offset == offset + size && _free[index].Offset < bin.Offset + bin.Size)
        {
            size += _free[index].Size;
            _free.RemoveAt(index);
        }

        if (index > 0 && _free[index - 1].Offset + _free[index - 1].Size == offset && _free[index - 1].Offset >= bin.Offset)
        {
            index--;
            offset = _free[index].Offset;
            size += _free[index].Size;
            _free.RemoveAt(index);
        }

        _free.Insert(index, (offset, size));
        BinaryPrimitives.WriteInt32LittleEndian(Bins[(int)offset..], (int)size);
    }

    /// <summary>Appends the smallest hbin that holds a cell of <paramref name="need"/> bytes; returns the index of its free cell.</summary>
    private int AppendBin(uint need)
    {
        uint size = (uint)((need + HiveBinHeader.Length + HiveBinHeader.Alignment - 1) & ~(HiveBinHeader.Alignment - 1));
        uint offset = BinsSize;
        if (RegfBaseBlock.Size + (long)offset + size > RegistryHive.MaxHiveBytes)
        {
            throw new InvalidOperationException($"{_file}: the hive would grow past {RegistryHive.MaxHiveBytes >> 20} MiB");
        }

        long length = Math.Max(_length, RegfBaseBlock.Size + (long)offset + size);
        if (length > _buffer.Length)
        {
            // Each move copies the whole hive (10-100 MiB for a SYSTEM hive): leave room for the next bins.
            long capacity = Math.Min(RegistryHive.MaxHiveBytes, Math.Max(length, _buffer.Length + Math.Max(_buffer.Length / 16, 64 * 1024)));
            var grown = new byte[capacity];
            _buffer.AsSpan(0, _length).CopyTo(grown);
            _buffer = grown;
        }

        _length = (int)length;

        var bin = Bins.Slice((int)offset, (int)size);
        bin.Clear();
        "hbin"u8.CopyTo(bin);
        BinaryPrimitives.WriteUInt32LittleEndian(bin[4..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(bin[8..], size);
        BinaryPrimitives.WriteInt32LittleEndian(bin[HiveBinHeader.Length..], (int)(size - HiveBinHeader.Length));
        _bins.Add((offset, size));
        _free.Add((offset + HiveBinHeader.Length, size - HiveBinHeader.Length));
        BinsSize = offset + size;
        Grown += size;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(40), BinsSize);
        return _free.Count - 1;
    }
}
