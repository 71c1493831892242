using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// A source image file opened read-only for positional reads. Every structured read says what
/// it is reading, so a truncated file is reported with the structure and offset that are missing.
/// </summary>
public sealed class ImageFile : IDisposable
{
    private ImageFile(string path, SafeFileHandle handle, long length)
    {
        Path = path;
        Handle = handle;
        Length = length;
    }

    public string Path { get; }
    public SafeFileHandle Handle { get; }
    public long Length { get; }

    public static ImageFile OpenRead(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        try
        {
            return new ImageFile(path, handle, RandomAccess.GetLength(handle));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads exactly destination.Length bytes or reports the file as truncated at <paramref name="what"/>.</summary>
    public void ReadExactly(long offset, Span<byte> destination, string what)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new InvalidImageException(Path, $"truncated: {what} needs {destination.Length} bytes at offset {offset}, but the file is {Length} bytes");
        }

        PositionalRead.ReadExactly(Handle, Path, destination, offset, what);
    }

    /// <summary>
    /// Reads what the file holds at offset; bytes past the length it had when opened read as zero
    /// (an ESXi thin extent may be shorter than its disk). Bytes before that length must still be
    /// there: a file cut while being read is an error, not zeros.
    /// </summary>
    public void ReadOrZero(long offset, Span<byte> destination, string what = "data")
    {
        int stored = offset < Length ? (int)Math.Min(destination.Length, Length - offset) : 0;
        if (stored > 0)
        {
            PositionalRead.ReadExactly(Handle, Path, destination[..stored], offset, what);
        }

        destination[stored..].Clear();
    }

    public void Dispose() => Handle.Dispose();
}
