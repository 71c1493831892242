using Microsoft.Win32.SafeHandles;
using V2V.Core.Errors;

namespace V2V.Core.Disks;

/// <summary>
/// The one way readers read a source file at an offset. One pread may return less than asked, so
/// reads loop; a read that still comes back short means the file ended early — truncated, or cut
/// while it was being read — and is an error naming the file, the offset and both lengths, never
/// bytes left as zeros. Every source reader (raw, VHD, VHDX, VMDK, XVA) reads through here.
/// </summary>
public static class PositionalRead
{
    /// <summary>
    /// Reads all of <paramref name="destination"/> from <paramref name="offset"/> of the file at
    /// <paramref name="path"/>, or throws <see cref="InvalidImageException"/> (exit 2) saying
    /// <paramref name="what"/> was cut short.
    /// </summary>
    public static void ReadExactly(SafeFileHandle file, string path, Span<byte> destination, long offset, string what)
    {
        int got = ReadAvailable(file, destination, offset);
        if (got < destination.Length)
        {
            throw new InvalidImageException(path,
                $"truncated: {what} needs {destination.Length} bytes at offset {offset}, but only {got} could be read (the file ends at {offset + got}; was it cut while being read?)");
        }
    }

    /// <summary>
    /// Throws when the file is now shorter than <paramref name="length"/>, the length it had when
    /// opened: a hole reported past the new end (SEEK_DATA) is a cut, not zeros.
    /// </summary>
    public static void EnsureLength(SafeFileHandle file, string path, long length)
    {
        long now = RandomAccess.GetLength(file);
        if (now < length)
        {
            throw new InvalidImageException(path, $"truncated: the file was {length} bytes when opened and is {now} bytes now (was it cut while being read?)");
        }
    }

    /// <summary>
    /// Reads up to destination.Length bytes at offset and returns how many there were: for
    /// looking at a file of unknown content (format probes), never for reading a disk.
    /// </summary>
    public static int ReadAvailable(SafeFileHandle file, Span<byte> destination, long offset)
    {
        int done = 0;
        while (done < destination.Length)
        {
            int got = RandomAccess.Read(file, destination[done..], offset + done);
            if (got == 0)
            {
                break;
            }

            done += got;
        }

        return done;
    }
}
