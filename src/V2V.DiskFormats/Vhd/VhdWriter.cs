using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhd;

/// <summary>
/// Writes a VHD. Fixed: the data, then the footer. Dynamic: footer copy, dynamic header, BAT, then
/// each block (a full sector bitmap and the data) appended when its first data arrives, then the
/// footer. The creator is recorded as "win " so that every reader — Hyper-V, Azure, and qemu
/// versions that trust only known creators — takes currentSize rather than the CHS size.
/// </summary>
public sealed class VhdWriter : IReadBackTarget
{
    public const uint DynamicBlockSize = 2 * 1024 * 1024;
    private const int Sector = 512;
    private const long HeaderOffset = 512;
    private const long BatOffset = 1536;
    private static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private readonly SafeFileHandle _file;
    private readonly bool _fixed;
    private readonly long _blocks;
    private readonly long _dataStart;
    private readonly AppendedBlocks _allocated;
    private readonly Action<long> _writeBitmap;

    /// <summary>A new block's sector bitmap: every sector present (sectors never written read as zero).</summary>
    private static readonly byte[] FullBitmap = Enumerable.Repeat((byte)0xFF, Sector).ToArray();

    public VhdWriter(SafeFileHandle file, long capacity, bool isFixed)
    {
        if (capacity <= 0 || capacity % Sector != 0 || capacity > VhdFile.MaxVirtualSize)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), $"capacity {capacity} is not a sector multiple up to 2040 GiB");
        }

        _file = file;
        _fixed = isFixed;
        Capacity = capacity;
        _blocks = (capacity + DynamicBlockSize - 1) / DynamicBlockSize;
        _dataStart = Alignment.RoundUp(BatOffset + _blocks * 4, Sector);
        _allocated = new AppendedBlocks(_dataStart);
        _writeBitmap = WriteBitmap;
        if (isFixed)
        {
            FileSpace.Reserve(file, capacity + VhdFooter.Size);
        }
    }

    public long Capacity { get; }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        // Past the end a fixed disk would overwrite its footer and a dynamic one its BAT's padding.
        if (offset < 0 || offset > Capacity - data.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"write at {offset} of {data.Length} bytes passes the end of the {Capacity}-byte disk");
        }

        if (_fixed)
        {
            RandomAccess.Write(_file, data, offset);
            return;
        }

        long block = offset / DynamicBlockSize;
        long inBlock = offset % DynamicBlockSize;
        if (inBlock + data.Length > DynamicBlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"write at {offset} of {data.Length} bytes crosses a block");
        }

        RandomAccess.Write(_file, data, Allocate(block) + Sector + inBlock);
    }

    public void ReadBack(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Capacity - destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"read at {offset} of {destination.Length} bytes passes the end of the {Capacity}-byte disk");
        }

        if (_fixed)
        {
            FileSpace.ReadZeroPadded(_file, destination, offset);
            return;
        }

        while (!destination.IsEmpty)
        {
            long block = offset / DynamicBlockSize;
            int length = (int)Math.Min(destination.Length, DynamicBlockSize - offset % DynamicBlockSize);
            if (_allocated.TryGet(block, out long start))
            {
                FileSpace.ReadZeroPadded(_file, destination[..length], start + Sector + offset % DynamicBlockSize);
            }
            else
            {
                destination[..length].Clear();
            }

            offset += length;
            destination = destination[length..];
        }
    }

    /// <summary>Dynamic: where the next block (its sector bitmap, then its data) goes; blocks are appended in allocation order.</summary>
    public long AllocationMark => _allocated.End;

    /// <summary>
    /// Dynamic: forgets the blocks at or after <paramref name="mark"/>, so their BAT entries are
    /// written 0xFFFFFFFF (unused) as before (the BAT is only in memory until <see cref="Complete"/>),
    /// and cuts the file back to the mark, where the footer will go.
    /// </summary>
    public void ReleaseSince(long mark)
    {
        if (_fixed)
        {
            return;
        }

        _allocated.ReleaseSince(mark);
        if (RandomAccess.GetLength(_file) > mark)
        {
            RandomAccess.SetLength(_file, mark);
        }
    }

    public void Complete()
    {
        var footer = Footer();
        var sector = new byte[VhdFooter.Size];
        footer.Write(sector);
        if (_fixed)
        {
            RandomAccess.Write(_file, sector, Capacity);
            return;
        }

        RandomAccess.Write(_file, sector, 0);
        var header = new byte[VhdDynamicHeader.Size];
        new VhdDynamicHeader(BatOffset, (uint)_blocks, DynamicBlockSize, Guid.Empty, 0, "", []).Write(header);
        RandomAccess.Write(_file, header, HeaderOffset);

        var bat = new byte[_dataStart - BatOffset];
        bat.AsSpan().Fill(0xFF);
        foreach (var (block, offset) in _allocated.All)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bat.AsSpan((int)(block * 4)), (uint)(offset / Sector));
        }

        RandomAccess.Write(_file, bat, BatOffset);
        long end = _allocated.End;
        RandomAccess.Write(_file, sector, end);
        RandomAccess.SetLength(_file, end + VhdFooter.Size);
    }

    public void Dispose()
    {
        // The file handle belongs to the caller.
    }

    private long Allocate(long block) => _allocated.GetOrAppend(block, Sector + DynamicBlockSize, _writeBitmap);

    private void WriteBitmap(long offset) => RandomAccess.Write(_file, FullBitmap, offset);

    private VhdFooter Footer() => new(
        Features: 2,
        FormatVersion: 0x00010000,
        DataOffset: _fixed ? VhdFooter.NoDataOffset : HeaderOffset,
        Timestamp: (uint)Math.Max(0, (DateTime.UtcNow - Epoch).TotalSeconds),
        CreatorApplication: "win ",
        CreatorVersion: 0x000A0000,
        CreatorHostOs: 0x5769326B, // "Wi2k"
        OriginalSize: (ulong)Capacity,
        CurrentSize: (ulong)Capacity,
        Geometry: VhdGeometry.For(Capacity),
        DiskType: _fixed ? VhdDiskType.Fixed : VhdDiskType.Dynamic,
        UniqueId: Guid.NewGuid());
}
