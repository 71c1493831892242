using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// Value data: inline in the vk (up to 4 bytes), one data cell, or a big data record ("Big data",
/// <c>db</c>, in the regf specification: u16 segment count at 2, offset of a list of segment cells
/// at 4) when the data is over 16344 bytes; every segment but the last holds 16344 bytes.
/// </summary>
internal static class BigData
{
    public const int SegmentSize = 16344;

    public static byte[] Read(HiveBins bins, KeyValueCell value)
    {
        if (value.DataInline)
        {
            if (value.DataSize > 4)
            {
                throw HiveBins.Damaged(bins.File, $"key value at 0x{value.CellOffset:X} stores {value.DataSize} bytes inline (at most 4 fit)");
            }

            var inline = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(inline, value.DataOffset);
            return inline[..(int)value.DataSize];
        }

        if (value.DataSize == 0)
        {
            return [];
        }

        var cell = bins.Cell(value.DataOffset, $"data of the key value at 0x{value.CellOffset:X}");
        if (value.DataSize > SegmentSize && cell.Length >= 8 && cell[..2].SequenceEqual("db"u8))
        {
            return ReadSegments(bins, value, cell);
        }

        if (value.DataSize > cell.Length)
        {
            throw HiveBins.Damaged(bins.File, $"key value at 0x{value.CellOffset:X} has {value.DataSize} bytes of data, but its data cell at 0x{value.DataOffset:X} holds {cell.Length}");
        }

        return cell[..(int)value.DataSize].ToArray();
    }

    private static byte[] ReadSegments(HiveBins bins, KeyValueCell value, ReadOnlySpan<byte> db)
    {
        int count = BinaryPrimitives.ReadUInt16LittleEndian(db[2..]);
        uint listOffset = BinaryPrimitives.ReadUInt32LittleEndian(db[4..]);
        var list = bins.Cell(listOffset, $"segment list of the big data at 0x{value.DataOffset:X}");
        if ((long)count * SegmentSize < value.DataSize || list.Length < 4L * count)
        {
            throw HiveBins.Damaged(bins.File, $"big data at 0x{value.DataOffset:X} has {count} segments, too few for {value.DataSize} bytes or more than its list holds");
        }

        // Check every segment before allocating the whole value.
        int needed = (int)((value.DataSize + SegmentSize - 1) / SegmentSize);
        for (int i = 0; i < needed; i++)
        {
            uint segment = BinaryPrimitives.ReadUInt32LittleEndian(list[(4 * i)..]);
            int want = (int)Math.Min(SegmentSize, value.DataSize - ((long)i * SegmentSize));
            if (bins.Cell(segment, $"segment {i} of the big data at 0x{value.DataOffset:X}").Length < want)
            {
                throw HiveBins.Damaged(bins.File, $"segment {i} of the big data at 0x{value.DataOffset:X} (cell 0x{segment:X}) is shorter than {want} bytes");
            }
        }

        var data = new byte[value.DataSize];
        for (int i = 0; i < needed; i++)
        {
            int at = i * SegmentSize;
            int want = (int)Math.Min(SegmentSize, value.DataSize - at);
            bins.Cell(BinaryPrimitives.ReadUInt32LittleEndian(list[(4 * i)..]), "big data segment")[..want].CopyTo(data.AsSpan(at));
        }

        return data;
    }
}
