using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.Adapters.Physical;

/// <summary>
/// A raw image file, a Linux block device (/dev/sdX, /dev/nvme0n1, /dev/mapper/vg-lv) or a Windows
/// physical drive (\\.\PhysicalDriveN), opened read-only and shared. Ranges come from
/// SEEK_DATA/SEEK_HOLE (Linux) or FSCTL_QUERY_ALLOCATED_RANGES (Windows), so the holes of a sparse
/// image are never read; a device reports itself as all data, its size and sector size come from
/// the device (BLKSSZGET/SEEK_END, IOCTL_DISK_GET_LENGTH_INFO/IOCTL_DISK_GET_DRIVE_GEOMETRY_EX), and
/// on Windows it is read in whole sectors into sector-aligned memory.
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
            if (OperatingSystem.IsWindows() && WindowsFile.IsDevicePath(path))
            {
                var (size, sectorSize) = WindowsFile.DiskSize(handle, path);
                return new RawDiskSource(path, handle, size, sectorSize, isBlockDevice: true);
            }

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

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        if (IsBlockDevice)
        {
            yield return new DiskRange(0, Capacity, RangeKind.Data);
            yield break;
        }

        long position = 0;
        while (position < Capacity)
        {
            long data = FileRanges.NextData(_handle, position, Capacity);
            if (data < 0 || data >= Capacity)
            {
                PositionalRead.EnsureLength(_handle, Path, Capacity);
                yield return new DiskRange(position, Capacity - position, RangeKind.Unallocated);
                yield break;
            }

            if (data > position)
            {
                yield return new DiskRange(position, data - position, RangeKind.Unallocated);
            }

            long hole = FileRanges.NextHole(_handle, data, Capacity);
            if (hole <= data)
            {
                hole = Capacity; // a filesystem answering nonsense: read the rest rather than loop
            }

            yield return new DiskRange(data, hole - data, RangeKind.Data);
            position = hole;
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, Capacity - destination.Length);
        if (IsBlockDevice && OperatingSystem.IsWindows())
        {
            WindowsFile.ReadAligned(_handle, offset, destination, LogicalSectorSize);
            return;
        }

        PositionalRead.ReadExactly(_handle, Path, destination, offset, "data");
    }

    public SourceDescription Describe() => new(
        "raw",
        IsBlockDevice ? "block device" : null,
        [Path],
        [new("logical sector size", LogicalSectorSize.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    public void Dispose() => _handle.Dispose();
}
