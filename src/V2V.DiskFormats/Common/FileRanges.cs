using Microsoft.Win32.SafeHandles;

namespace V2V.DiskFormats.Common;

/// <summary>
/// Where a sparse file holds data, on each platform: SEEK_DATA/SEEK_HOLE on Linux,
/// FSCTL_QUERY_ALLOCATED_RANGES on Windows; elsewhere every byte counts as data.
/// </summary>
public static class FileRanges
{
    /// <summary>Start of the next data region at or after <paramref name="offset"/> (before <paramref name="length"/>); -1 when only a hole follows.</summary>
    public static long NextData(SafeFileHandle file, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            return PosixFile.NextData(file, offset);
        }

        if (OperatingSystem.IsWindows())
        {
            return WindowsFile.NextAllocatedRange(file, offset, length) is { } range ? range.Start : -1;
        }

        return offset < length ? offset : -1;
    }

    /// <summary>Start of the next hole at or after <paramref name="offset"/>; <paramref name="length"/> when data runs to the end.</summary>
    public static long NextHole(SafeFileHandle file, long offset, long length)
    {
        if (OperatingSystem.IsLinux())
        {
            return PosixFile.NextHole(file, offset, length);
        }

        if (OperatingSystem.IsWindows())
        {
            // Adjacent ranges are one run of data: follow them to the first gap.
            long at = offset;
            while (at < length && WindowsFile.NextAllocatedRange(file, at, length) is { } range && range.Start == at)
            {
                at = range.End;
            }

            return Math.Min(at, length);
        }

        return length;
    }
}
