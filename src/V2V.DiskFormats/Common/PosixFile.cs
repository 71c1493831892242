using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace V2V.DiskFormats.Common;

/// <summary>The few POSIX calls .NET does not expose: hole-aware seeking and block device queries.</summary>
public static partial class PosixFile
{
    private const int SeekEnd = 2;
    private const int SeekData = 3;
    private const int SeekHole = 4;
    private const int Enxio = 6;
    private const ulong BlkSszGet = 0x1268; // logical sector size of a block device

    /// <summary>Size of a block device (SEEK_END works where fstat reports 0).</summary>
    public static long SeekToEnd(SafeFileHandle file) => Lseek(file, 0, SeekEnd);

    /// <summary>Start of the next data region at or after <paramref name="offset"/>; -1 when only a hole follows.</summary>
    public static long NextData(SafeFileHandle file, long offset)
    {
        long result = Lseek(file, offset, SeekData);
        if (result >= 0)
        {
            return result;
        }

        int error = Marshal.GetLastPInvokeError();
        // ENXIO: no data past offset. Anything else (EINVAL: no SEEK_DATA here): call it all data.
        return error == Enxio ? -1 : offset;
    }

    /// <summary>Start of the next hole at or after <paramref name="offset"/> (the end of file counts as one).</summary>
    public static long NextHole(SafeFileHandle file, long offset, long length)
    {
        long result = Lseek(file, offset, SeekHole);
        return result >= 0 ? Math.Min(result, length) : length;
    }

    /// <summary>Logical sector size of a block device, or null when the file is not one.</summary>
    public static int? LogicalSectorSize(SafeFileHandle file)
    {
        int size = 0;
        return Ioctl(file, BlkSszGet, ref size) == 0 && size is 512 or 4096 ? size : null;
    }

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long Lseek(SafeFileHandle fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(SafeFileHandle fd, ulong request, ref int value);
}
