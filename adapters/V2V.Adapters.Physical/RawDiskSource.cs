using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.Physical;

/// <summary>
/// A raw image file or a Linux block device (/dev/sdX, /dev/nvme0n1, /dev/mapper/vg-lv), opened
/// read-only. Extents come from SEEK_DATA/SEEK_HOLE, so the holes of a sparse image are never
/// read; a block device reports itself as all data, and its size and sector size come from the
/// device, not from fstat (which says 0).
/// </summary>
public sealed class RawDiskSource : IDiskSource
{
    private readonly SafeFileHandle _handle;

    private RawDiskSource(string path, SafeFileHandle handle, long capacity, int sectorSize, bool isBlockDevice)
    {
        Path = path;
        _handle = handle;
        Capacity = capacity;
        LogicalSectorSize = sectorSize;
        IsBlockDevice = isBlockDevice;
    }

    public string Path { get; }
    public IReadOnlyList<string> Files => [Path];
    public long Capacity { get; }
    public int LogicalSectorSize { get; }
    public bool IsBlockDevice { get; }

    public static RawDiskSource Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        try
        {
            long length = RandomAccess.GetLength(handle);
            int? deviceSector = OperatingSystem.IsLinux() ? PosixFile.LogicalSectorSize(handle) : null;
            if (deviceSector is { } sector)
            {
                return new RawDiskSource(path, handle, PosixFile.SeekToEnd(handle), sector, isBlockDevice: true);
            }

            return new RawDiskSource(path, handle, length, 512, isBlockDevice: false);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public IEnumerable<DiskExtent> EnumerateExtents()
    {
        if (IsBlockDevice || !OperatingSystem.IsLinux())
        {
            yield return new DiskExtent(0, Capacity, ExtentKind.Data);
            yield break;
        }

        long position = 0;
        while (position < Capacity)
        {
            long data = PosixFile.NextData(_handle, position);
            if (data < 0 || data >= Capacity)
            {
                PositionalRead.EnsureLength(_handle, Path, Capacity);
                yield return new DiskExtent(position, Capacity - position, ExtentKind.Unallocated);
                yield break;
            }

            if (data > position)
            {
                yield return new DiskExtent(position, data - position, ExtentKind.Unallocated);
            }

            long hole = PosixFile.NextHole(_handle, data, Capacity);
            if (hole <= data)
            {
                hole = Capacity; // a filesystem answering nonsense: read the rest rather than loop
            }

            yield return new DiskExtent(data, hole - data, ExtentKind.Data);
            position = hole;
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        PositionalRead.ReadExactly(_handle, Path, destination, offset, "data");
    }

    public SourceDescription Describe() => new(
        "raw",
        IsBlockDevice ? "block device" : null,
        [Path],
        [new("logical sector size", LogicalSectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    public void Dispose() => _handle.Dispose();
}
