using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace V2V.DiskFormats.Common;

/// <summary>Sizes output files: fixed images reserve their space up front, dynamic ones only grow.</summary>
public static partial class FileSpace
{
    private const int NoSpace = 28; // ENOSPC

    /// <summary>
    /// Makes the file <paramref name="length"/> bytes long with the space reserved on disk
    /// (posix_fallocate on Linux), so a fixed image cannot run out of space half-way. On Windows
    /// SetLength is SetEndOfFile, which allocates the clusters of a non-sparse NTFS file;
    /// SetFileValidData (skipping the zeroing) needs SeManageVolumePrivilege and is not used.
    /// </summary>
    public static void Reserve(SafeFileHandle file, long length)
    {
        if (OperatingSystem.IsLinux() && length > 0)
        {
            int error = PosixFallocate(file, 0, length);
            if (error == NoSpace)
            {
                throw new IOException($"no space left on the device: a fixed image reserves its whole size, {length} bytes, before it is written");
            }

            if (error != 0 && error != 95 /* EOPNOTSUPP: filesystem cannot reserve; plain length below */)
            {
                throw new IOException($"cannot reserve {length} bytes for the output file (errno {error})");
            }
        }

        RandomAccess.SetLength(file, length);
    }

    /// <summary>
    /// Reads an output file being written: bytes past its current end (a block or tail not
    /// written yet) read as zero, as every writer promises for ranges it was never given.
    /// </summary>
    public static void ReadZeroPadded(SafeFileHandle file, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(file, destination, offset);
            if (read <= 0)
            {
                destination.Clear();
                return;
            }

            offset += read;
            destination = destination[read..];
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(SafeFileHandle fd, long offset, long length);
}
