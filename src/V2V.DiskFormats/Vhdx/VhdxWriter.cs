using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vhdx;

/// <summary>What a new VHDX file will be.</summary>
public sealed record VhdxWriterOptions(
    long Capacity,
    long BlockSize,
    int LogicalSectorSize,
    int PhysicalSectorSize,
    bool Fixed,
    string Creator = "V2V");

/// <summary>
/// Writes a VHDX file. Layout: header section (1 MiB), an empty log (1 MiB, as Hyper-V reserves),
/// metadata (1 MiB), BAT, then payload blocks. A dynamic file appends each block the first time
/// data arrives for it, so the file is exactly as long as its metadata plus the blocks holding
/// data; a fixed file reserves every block up front. Tables and headers are written last.
/// Writes may come from several threads: only block allocation takes a lock.
/// </summary>
public sealed class VhdxWriter : IReadBackTarget
{
    private const long LogOffset = 1 * Alignment.MiB;
    private const long MetadataOffset = 2 * Alignment.MiB;
    private const long MetadataLength = 1 * Alignment.MiB;
    private const long BatOffset = 3 * Alignment.MiB;

    private readonly SafeFileHandle _file;
    private readonly VhdxWriterOptions _options;
    private readonly VhdxBatLayout _layout;
    private readonly long _batLength;
    private readonly long _dataStart;
    private readonly AppendedBlocks _blocks; // dynamic: block → file offset

    public VhdxWriter(SafeFileHandle file, VhdxWriterOptions options)
    {
        if (options.Capacity <= 0 || options.Capacity > VhdxLayout.MaxVirtualDiskSize || options.Capacity % options.LogicalSectorSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"capacity {options.Capacity} is not a sector multiple up to 64 TiB");
        }

        // Block offsets are stored in whole MiB (MS-VHDX 2.5.1): other sizes would misplace data.
        if (options.BlockSize is < Alignment.MiB or > 256 * Alignment.MiB || !Alignment.IsPowerOfTwo(options.BlockSize)
            || options.LogicalSectorSize is not (512 or 4096))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"block size {options.BlockSize} (1-256 MiB, a power of two) or sector size {options.LogicalSectorSize} (512 or 4096) is not one VHDX allows");
        }

        _file = file;
        _options = options;
        _layout = new VhdxBatLayout(options.Capacity, options.BlockSize, options.LogicalSectorSize, hasParent: false);
        _batLength = Alignment.RoundUp(_layout.TotalEntries * 8, Alignment.MiB);
        _dataStart = BatOffset + _batLength;
        _blocks = new AppendedBlocks(_dataStart);
        if (options.Fixed)
        {
            FileSpace.Reserve(file, _dataStart + _layout.PayloadBlocks * options.BlockSize);
        }
    }

    public long Capacity => _options.Capacity;

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        long block = offset / _options.BlockSize;
        long inBlock = offset % _options.BlockSize;
        if (inBlock + data.Length > _options.BlockSize || offset + data.Length > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"write at {offset} of {data.Length} bytes crosses a block or the end of the disk");
        }

        RandomAccess.Write(_file, data, BlockFileOffset(block) + inBlock);
    }

    public void ReadBack(long offset, Span<byte> destination)
    {
        CheckRange(offset, destination.Length);
        while (!destination.IsEmpty)
        {
            long block = offset / _options.BlockSize;
            int length = (int)Math.Min(destination.Length, _options.BlockSize - offset % _options.BlockSize);
            long? fileOffset = AllocatedOffset(block);
            if (fileOffset is { } start)
            {
                FileSpace.ReadZeroPadded(_file, destination[..length], start + offset % _options.BlockSize);
            }
            else
            {
                destination[..length].Clear();
            }

            offset += length;
            destination = destination[length..];
        }
    }

    /// <summary>Dynamic: where the next payload block goes (blocks are appended in allocation order).</summary>
    public long AllocationMark => _blocks.End;

    /// <summary>
    /// Dynamic: forgets the blocks at or after <paramref name="mark"/>, so their BAT entries are
    /// written PAYLOAD_BLOCK_NOT_PRESENT as before they were allocated (the BAT is only in memory
    /// until <see cref="Complete"/>, and the log stays empty), and cuts the file back to the mark.
    /// </summary>
    public void ReleaseSince(long mark)
    {
        if (_options.Fixed)
        {
            return;
        }

        _blocks.ReleaseSince(mark);
        if (RandomAccess.GetLength(_file) > mark)
        {
            RandomAccess.SetLength(_file, mark);
        }
    }

    public void Complete()
    {
        long fileLength = _options.Fixed ? _dataStart + _layout.PayloadBlocks * _options.BlockSize : _blocks.End;
        RandomAccess.SetLength(_file, fileLength);
        WriteBat();
        WriteMetadata();
        WriteHeaderSection();
    }

    public void Dispose()
    {
        // The file handle belongs to the caller (it renames or deletes the file).
    }

    private void CheckRange(long offset, int length)
    {
        if (offset < 0 || offset > Capacity - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"read at {offset} of {length} bytes passes the end of the {Capacity}-byte disk");
        }
    }

    /// <summary>Where block <paramref name="block"/>'s payload is in the file; null when it holds no data yet (reads as zero).</summary>
    private long? AllocatedOffset(long block)
    {
        if (_options.Fixed)
        {
            return _dataStart + block * _options.BlockSize;
        }

        return _blocks.TryGet(block, out long fileOffset) ? fileOffset : null;
    }

    private long BlockFileOffset(long block)
    {
        if (_options.Fixed)
        {
            return _dataStart + block * _options.BlockSize;
        }

        return _blocks.GetOrAppend(block, _options.BlockSize);
    }

    private void WriteBat()
    {
        var buffer = new byte[Math.Min(_batLength, Alignment.MiB)];
        for (long first = 0; first < _layout.TotalEntries; first += buffer.Length / 8)
        {
            int count = (int)Math.Min(buffer.Length / 8, _layout.TotalEntries - first);
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(buffer.AsSpan(i * 8), EntryAt(first + i).ToRaw());
            }

            RandomAccess.Write(_file, buffer.AsSpan(0, count * 8), BatOffset + first * 8);
        }
    }

    private VhdxBatEntry EntryAt(long index)
    {
        if (_layout.IsSectorBitmapEntry(index))
        {
            return new VhdxBatEntry(VhdxBlockState.NotPresent, 0);
        }

        long block = index - index / (_layout.ChunkRatio + 1);
        if (_options.Fixed)
        {
            return new VhdxBatEntry(VhdxBlockState.FullyPresent, (_dataStart + block * _options.BlockSize) / Alignment.MiB);
        }

        // Blocks without data: NOT_PRESENT with FileOffsetMB 0, as Hyper-V demands.
        return _blocks.TryGet(block, out long offset)
            ? new VhdxBatEntry(VhdxBlockState.FullyPresent, offset / Alignment.MiB)
            : new VhdxBatEntry(VhdxBlockState.NotPresent, 0);
    }

    private void WriteMetadata()
    {
        var region = new byte[VhdxLayout.MetadataTableSize + 4096];
        new VhdxDiskParameters(
            (uint)_options.BlockSize,
            LeaveBlocksAllocated: _options.Fixed,
            HasParent: false,
            (ulong)_options.Capacity,
            Guid.NewGuid(),
            (uint)_options.LogicalSectorSize,
            (uint)_options.PhysicalSectorSize).WriteRegion(region);
        RandomAccess.Write(_file, region, MetadataOffset);
    }

    private void WriteHeaderSection()
    {
        var section = new byte[VhdxLayout.HeaderSectionSize];
        new VhdxFileIdentifier(_options.Creator).Write(section);

        var header = new VhdxHeader(1, Guid.NewGuid(), Guid.NewGuid(), Guid.Empty, 0, 1, (uint)VhdxLayout.DefaultLogLength, LogOffset);
        header.Write(section.AsSpan((int)VhdxLayout.Header1Offset));
        (header with { SequenceNumber = 2 }).Write(section.AsSpan((int)VhdxLayout.Header2Offset));

        var regions = new VhdxRegionTable(
        [
            new VhdxRegionEntry(VhdxGuids.BatRegion, BatOffset, (uint)_batLength, Required: true),
            new VhdxRegionEntry(VhdxGuids.MetadataRegion, MetadataOffset, (uint)MetadataLength, Required: true),
        ]);
        regions.Write(section.AsSpan((int)VhdxLayout.RegionTable1Offset));
        regions.Write(section.AsSpan((int)VhdxLayout.RegionTable2Offset));
        RandomAccess.Write(_file, section, 0);
    }
}
