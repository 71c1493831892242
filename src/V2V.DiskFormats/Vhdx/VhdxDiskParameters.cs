using System.Buffers.Binary;
using V2V.Core.Errors;
using V2V.Core.Formats;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>
/// The known metadata items of MS-VHDX 2.6.2 that describe the virtual disk: file parameters,
/// virtual size, page 83 id and sector sizes: decoded and checked here, and encoded here for the writer.
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
    /// <summary>File Parameters flag: every block is allocated (a fixed disk).</summary>
    public const uint LeaveBlockAllocatedFlag = 1 << 0;

    /// <summary>File Parameters flag: a differencing disk, whose parent the locator names.</summary>
    public const uint HasParentFlag = 1 << 1;

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
        BinaryPrimitives.WriteUInt32LittleEndian(p[4..], (LeaveBlocksAllocated ? LeaveBlockAllocatedFlag : 0) | (HasParent ? HasParentFlag : 0));
        BinaryPrimitives.WriteUInt64LittleEndian(region[(int)entries[1].Offset..], VirtualDiskSize);
        Page83Id.TryWriteBytes(region[(int)entries[2].Offset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(region[(int)entries[3].Offset..], LogicalSectorSize);
        BinaryPrimitives.WriteUInt32LittleEndian(region[(int)entries[4].Offset..], PhysicalSectorSize);
    }

    /// <summary>
    /// Decodes the items <see cref="VhdxMetadataTable.ReadItems"/> read, and checks them: a power-of-two
    /// block size from 1 to 256 MiB, 512- or 4096-byte sectors, a virtual size that is a sector
    /// multiple up to 64 TiB (else <see cref="InvalidImageException"/> on <paramref name="path"/>).
    /// A missing Page 83 id and a HasParent flag that disagrees with the parent locator are findings.
    /// </summary>
    public static VhdxDiskParameters Decode(string path, IReadOnlyDictionary<Guid, byte[]> items, CheckFindings findings)
    {
        byte[] Item(Guid id, string name) => items.TryGetValue(id, out var v)
            ? v
            : throw new InvalidImageException(path, $"metadata has no {name} item");

        var fileParameters = Item(VhdxGuids.FileParameters, "File Parameters");
        uint blockSize = BinaryPrimitives.ReadUInt32LittleEndian(fileParameters);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(fileParameters.AsSpan(4));
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(Item(VhdxGuids.VirtualDiskSize, "Virtual Disk Size"));
        uint logical = BinaryPrimitives.ReadUInt32LittleEndian(Item(VhdxGuids.LogicalSectorSize, "Logical Sector Size"));
        uint physical = BinaryPrimitives.ReadUInt32LittleEndian(Item(VhdxGuids.PhysicalSectorSize, "Physical Sector Size"));
        var page83 = items.TryGetValue(VhdxGuids.Page83Data, out var id83) ? new Guid(id83) : Guid.Empty;
        if (page83 == Guid.Empty)
        {
            findings.Add(CheckSeverity.Problem, "metadata has no Page 83 (virtual disk id) item");
        }

        if (blockSize < VhdxLayout.MinBlockSize || blockSize > VhdxLayout.MaxBlockSize || !Alignment.IsPowerOfTwo(blockSize))
        {
            throw new InvalidImageException(path, $"File Parameters BlockSize {blockSize} is not a power of two between 1 MiB and 256 MiB");
        }

        if (logical is not (512 or 4096))
        {
            throw new InvalidImageException(path, $"Logical Sector Size {logical} is neither 512 nor 4096");
        }

        if (physical is not (512 or 4096))
        {
            throw new InvalidImageException(path, $"Physical Sector Size {physical} is neither 512 nor 4096");
        }

        if (size == 0 || size > VhdxLayout.MaxVirtualDiskSize || size % logical != 0)
        {
            throw new InvalidImageException(path, $"Virtual Disk Size {size} is not a multiple of {logical} between 1 sector and 64 TiB");
        }

        bool hasParent = (flags & HasParentFlag) != 0;
        if (hasParent != items.ContainsKey(VhdxGuids.ParentLocator))
        {
            findings.Add(CheckSeverity.Problem, hasParent ? "HasParent is set but there is no parent locator" : "parent locator present on a disk without HasParent");
        }

        return new VhdxDiskParameters(blockSize, (flags & LeaveBlockAllocatedFlag) != 0, hasParent, size, page83, logical, physical);
    }
}
