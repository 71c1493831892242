using System.Buffers.Binary;

namespace V2V.Guest.Registry;

/// <summary>
/// A key security cell ("Key security", <c>sk</c>, in the regf specification): flink at 4 and blink
/// at 8 (a circular list of every sk), reference count at 12, descriptor size at 16, and the
/// self-relative security descriptor from 20.
/// </summary>
internal static class KeySecurity
{
    private const int DescriptorStart = 20;

    /// <summary>The security descriptor bytes of the sk cell at <paramref name="offset"/>.</summary>
    public static byte[] ReadDescriptor(HiveBins bins, uint offset)
    {
        var cell = bins.Cell(offset, "key security");
        if (cell.Length < DescriptorStart || !cell[..2].SequenceEqual("sk"u8))
        {
            throw HiveBins.Damaged(bins.File, $"key security at 0x{offset:X} is not an sk cell");
        }

        uint size = BinaryPrimitives.ReadUInt32LittleEndian(cell[16..]);
        if (size > cell.Length - DescriptorStart)
        {
            throw HiveBins.Damaged(bins.File, $"key security at 0x{offset:X} has a descriptor of {size} bytes, longer than its cell");
        }

        return cell.Slice(DescriptorStart, (int)size).ToArray();
    }
}
