using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace V2V.DiskFormats.Common;

/// <summary>
/// The Windows calls .NET does not expose: allocated ranges of a sparse file
/// (FSCTL_QUERY_ALLOCATED_RANGES) and the size and sector size of a physical drive
/// (\\.\PhysicalDriveN: IOCTL_DISK_GET_LENGTH_INFO, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX).
/// </summary>
[SupportedOSPlatform("windows")]
public static partial class WindowsFile
{
    private const uint FsctlQueryAllocatedRanges = 0x000940CF;
    private const uint IoctlDiskGetLengthInfo = 0x0007405C;
    private const uint IoctlDiskGetDriveGeometryEx = 0x000700A0;
    private const int ErrorMoreData = 234;

    /// <summary>A \\.\ device name (\\.\PhysicalDrive0, \\.\D:) rather than a file (<see cref="V2V.Core.Disks.FileIdentity.IsWindowsDevice"/>).</summary>
    public static bool IsDevicePath(string path) => V2V.Core.Disks.FileIdentity.IsWindowsDevice(path);

    /// <summary>
    /// The first allocated range at or after <paramref name="offset"/> and before
    /// <paramref name="length"/>: (start, end), or null when only unallocated space follows.
    /// A file system that cannot say (no sparse support) reports everything as allocated.
    /// </summary>
    public static unsafe (long Start, long End)? NextAllocatedRange(SafeFileHandle file, long offset, long length)
    {
        if (offset >= length)
        {
            return null;
        }

        long* query = stackalloc long[2] { offset, length - offset };
        long* range = stackalloc long[2];
        bool ok = DeviceIoControl(file, FsctlQueryAllocatedRanges, query, 16, range, 16, out uint returned, 0);
        if (!ok && Marshal.GetLastPInvokeError() != ErrorMoreData)
        {
            return (offset, length);
        }

        if (returned < 16)
        {
            return null;
        }

        long start = Math.Max(range[0], offset);
        long end = Math.Min(range[0] + range[1], length);
        return end > start ? (start, end) : (offset, length); // a nonsensical answer: read it all
    }

    /// <summary>Size in bytes and logical sector size of a disk device; IOException when it is not one.</summary>
    public static unsafe (long Length, int SectorSize) DiskSize(SafeFileHandle device, string path)
    {
        long length;
        if (!DeviceIoControl(device, IoctlDiskGetLengthInfo, null, 0, &length, 8, out _, 0))
        {
            throw new IOException($"{path}: not a disk device (IOCTL_DISK_GET_LENGTH_INFO failed, error {Marshal.GetLastPInvokeError()})");
        }

        // DISK_GEOMETRY_EX: Cylinders (8), MediaType (4), TracksPerCylinder (4), SectorsPerTrack (4), BytesPerSector (4), DiskSize (8), ...
        byte* geometry = stackalloc byte[64];
        if (!DeviceIoControl(device, IoctlDiskGetDriveGeometryEx, null, 0, geometry, 64, out uint returned, 0) || returned < 24)
        {
            throw new IOException($"{path}: no drive geometry (IOCTL_DISK_GET_DRIVE_GEOMETRY_EX failed, error {Marshal.GetLastPInvokeError()})");
        }

        int sector = *(int*)(geometry + 20);
        return sector is 512 or 4096 ? (length, sector) : throw new IOException($"{path}: unsupported sector size {sector}");
    }

    /// <summary>
    /// Reads from a disk device, which takes only sector-aligned offsets and lengths into
    /// sector-aligned memory: the covering sectors go through an aligned buffer.
    /// </summary>
    public static unsafe void ReadAligned(SafeFileHandle device, long offset, Span<byte> destination, int sectorSize)
    {
        long first = offset / sectorSize * sectorSize;
        long last = (offset + destination.Length + sectorSize - 1) / sectorSize * sectorSize;
        const int chunk = 1 << 20;
        void* buffer = NativeMemory.AlignedAlloc(chunk, (nuint)Math.Max(sectorSize, 4096));
        try
        {
            var aligned = new Span<byte>(buffer, chunk);
            for (long at = first; at < last; at += chunk)
            {
                int size = (int)Math.Min(chunk, last - at);
                int got = RandomAccess.Read(device, aligned[..size], at);
                long copyFrom = Math.Max(at, offset);
                long copyTo = Math.Min(at + got, offset + destination.Length);
                if (copyTo > copyFrom)
                {
                    aligned.Slice((int)(copyFrom - at), (int)(copyTo - copyFrom)).CopyTo(destination[(int)(copyFrom - offset)..]);
                }

                if (got < size)
                {
                    throw new IOException($"unexpected end of the device at offset {at + got}");
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static unsafe partial bool DeviceIoControl(SafeFileHandle device, uint code, void* input, uint inputSize, void* output, uint outputSize, out uint returned, nint overlapped);
}
