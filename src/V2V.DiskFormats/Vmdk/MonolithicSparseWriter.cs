using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// Writes a monolithicSparse VMDK (VMware Workstation's growable disk): header, embedded
/// descriptor, grain directory and all grain tables at the front, then 64 KiB grains appended as
/// their data arrives (all-zero grains are not stored). Tables are written at completion from the
/// grains actually allocated, so memory follows the data, not the capacity.
/// </summary>
public sealed class MonolithicSparseWriter : IDiskTarget
{
    private const int Sector = SparseExtentHeader.SectorSize;
    private const long GrainSectors = SparseExtentHeader.DefaultGrainSectors;
    private const int GrainBytes = (int)GrainSectors * Sector;
    private const int EntriesPerTable = SparseExtentHeader.DefaultNumGTEsPerGT;
    private const long DescriptorSectors = SparseExtentHeader.DefaultDescriptorSectors;

    private readonly SafeFileHandle _file;
    private readonly long _sectors;
    private readonly long _tables;
    private readonly long _gdSector;
    private readonly long _firstTableSector;
    private readonly long _overhead;
    private readonly byte[] _descriptor;
    private readonly Dictionary<long, long> _grains = []; // grain index → sector
    private long _nextSector;

    public MonolithicSparseWriter(SafeFileHandle file, long capacity, string fileName, string adapterType)
    {
        _file = file;
        Capacity = Alignment.RoundUp(capacity, Sector);
        _sectors = Capacity / Sector;
        _tables = (_sectors + GrainSectors * EntriesPerTable - 1) / (GrainSectors * EntriesPerTable);
        _gdSector = 1 + DescriptorSectors;
        _firstTableSector = _gdSector + (_tables * 4 + Sector - 1) / Sector;
        _overhead = Alignment.RoundUp(_firstTableSector + _tables * EntriesPerTable * 4 / Sector, GrainSectors);
        _nextSector = _overhead;
        if (_overhead + _sectors > 1L << 32)
        {
            // Grain table entries are 32-bit sector numbers: the last grain must stay below 2 TiB of file.
            throw new ArgumentOutOfRangeException(nameof(capacity), $"{capacity} bytes and {_overhead} sectors of tables pass 2^32 sectors");
        }

        _descriptor = VmdkDescriptorWriter.Write("monolithicSparse", fileName, _sectors, adapterType);
        if (_descriptor.Length > DescriptorSectors * Sector)
        {
            throw new ArgumentException("descriptor does not fit its sectors", nameof(fileName));
        }
    }

    public long Capacity { get; }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        for (int done = 0; done < data.Length; done += GrainBytes)
        {
            var grain = data.Slice(done, Math.Min(GrainBytes, data.Length - done));
            if (!grain.ContainsAnyExcept((byte)0))
            {
                continue;
            }

            long index = (offset + done) / GrainBytes;
            long sector;
            lock (_grains)
            {
                sector = _nextSector;
                _nextSector += GrainSectors;
                _grains[index] = sector;
            }

            RandomAccess.Write(_file, grain, sector * Sector);
        }
    }

    public void Complete()
    {
        var header = new byte[Sector];
        new SparseExtentHeader(1, SparseExtentHeader.FlagValidNewlineTest, (ulong)_sectors, GrainSectors, 1, DescriptorSectors,
            EntriesPerTable, 0, (ulong)_gdSector, (ulong)_overhead, false, 0).Write(header);
        RandomAccess.Write(_file, header, 0);
        RandomAccess.Write(_file, _descriptor, Sector);

        var directory = new byte[_tables * 4];
        for (long t = 0; t < _tables; t++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(directory.AsSpan((int)(t * 4)), (uint)(_firstTableSector + t * EntriesPerTable * 4 / Sector));
        }

        RandomAccess.Write(_file, directory, _gdSector * Sector);
        // Tables without grains stay as the zeros the file already reads as ("unallocated").
        var table = new byte[EntriesPerTable * 4];
        foreach (var group in _grains.GroupBy(g => g.Key / EntriesPerTable))
        {
            table.AsSpan().Clear();
            foreach (var (index, sector) in group)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan((int)(index % EntriesPerTable * 4)), (uint)sector);
            }

            RandomAccess.Write(_file, table, (_firstTableSector + group.Key * EntriesPerTable * 4 / Sector) * Sector);
        }

        RandomAccess.SetLength(_file, _nextSector * Sector);
    }

    public void Dispose()
    {
        // The file handle belongs to the caller.
    }
}
