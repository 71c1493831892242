using System.Buffers.Binary;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// The known metadata items of MS-VHDX 2.6.2 that describe the virtual disk: file parameters,
/// virtual size, page 83 id and sector sizes. Values are validated by the reader, not here.
/// </summary>
public sealed record VhdxDiskParameters(
    uint BlockSize,
    bool LeaveBlocksAllocated,
    bool HasParent,
    ulong VirtualDiskSize,
    Guid Page83Id,
    uint LogicalSectorSize,
    uint PhysicalSectorSize)
{
    /// <summary>Item sizes the spec fixes; an entry of another length is damaged.</summary>
    public static int ItemLength(Guid item) =>
        item == VhdxGuids.FileParameters ? 8
        : item == VhdxGuids.VirtualDiskSize ? 8
        : item == VhdxGuids.Page83Data ? 16
        : item == VhdxGuids.LogicalSectorSize ? 4
        : item == VhdxGuids.PhysicalSectorSize ? 4
        : -1;

    /// <summary>Writes the metadata region (table plus items) into a buffer of at least 64 KiB + items.</summary>
    public void WriteRegion(Span<byte> region)
    {
        const uint itemsStart = VhdxLayout.MetadataTableSize;
        var items = new (Guid Id, int Length, bool IsVirtualDisk)[]
        {
            (VhdxGuids.FileParameters, 8, false),
            (VhdxGuids.VirtualDiskSize, 8, true),
            (VhdxGuids.Page83Data, 16, true),
            (VhdxGuids.LogicalSectorSize, 4, true),
            (VhdxGuids.PhysicalSectorSize, 4, true),
        };

        var entries = new List<VhdxMetadataEntry>();
        uint offset = itemsStart;
        foreach (var (id, length, isVirtualDisk) in items)
        {
            entries.Add(new VhdxMetadataEntry(id, offset, (uint)length, IsUser: false, isVirtualDisk, IsRequired: true));
            offset += 8 * (uint)((length + 7) / 8);
        }

        region[..(int)offset].Clear();
        new VhdxMetadataTable(entries).Write(region);
        var p = region[(int)entries[0].Offset..];
        BinaryPrimitives.WriteUInt32LittleEndian(p, BlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (LeaveBlocksAllocated ? 1u : 0) | (HasParent ? 2u : 0));
        BinaryPrimitives.WriteUInt64LittleEndian(region[(int)entries[1].Offset..], VirtualDiskSize);
        Page83Id.TryWriteBytes(region[(int)entries[2].Offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(region[(int)entries[3].Offset..], LogicalSectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(region[(int)entries[4].Offset..], PhysicalSectorSize);
    }
}
