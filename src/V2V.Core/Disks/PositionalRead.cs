using Microsoft.Win32.SafeHandles;

namespace V2V.Core.Disks;

/// <summary>Positional reads that do not stop at a short read: one pread may return less than asked.</summary>
public static class PositionalRead
{
    /// <summary>Reads into all of <paramref name="destination"/> from <paramref name="offset"/>; returns fewer bytes only at the end of the file.</summary>
    public static int ReadFully(SafeFileHandle file, Span<byte> destination, long offset)
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
