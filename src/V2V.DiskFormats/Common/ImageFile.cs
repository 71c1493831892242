using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// A source image file opened read-only for positional reads. Every structured read says what
/// it is reading, so a truncated file is reported with the structure and offset that are missing.
/// It may also be a view of a file inside another one (a disk member of an OVA read in place):
/// offsets are then relative to the member's first byte, and <see cref="Length"/> is the member's.
/// </summary>
public sealed class ImageFile : IDisposable
{
    private readonly bool _ownsHandle;

    private ImageFile(string path, SafeFileHandle handle, long start, long length, bool ownsHandle)
    {
        Path = path;
        Handle = handle;
        Start = start;
        Length = length;
        _ownsHandle = ownsHandle;
    }

    public string Path { get; }
    public SafeFileHandle Handle { get; }

    /// <summary>Where this image begins in <see cref="Handle"/>'s file: 0, or a package member's data offset.</summary>
    public long Start { get; }

    public long Length { get; }

    /// <summary>
    /// Opens <paramref name="path"/> for reading, sharing read and write: V2V reads back (verifies,
    /// inspects) outputs it still holds open for writing, and Windows refuses a second handle that
    /// would deny the first one's write access. On Linux sharing modes are advisory either way.
    /// </summary>
    public static ImageFile OpenRead(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.RandomAccess);
        try
        {
            return new ImageFile(path, handle, 0, RandomAccess.GetLength(handle), ownsHandle: true);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> and parses it; the file is the result's, or closed when parsing throws.</summary>
    public static T OpenAndParse<T>(string path, Func<ImageFile, T> parse)
    {
        var file = OpenRead(path);
        try
        {
            return parse(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A view of <paramref name="length"/> bytes at <paramref name="start"/> of an open file (a tar
    /// member); <paramref name="name"/> is what messages call it. The handle stays the caller's.
    /// </summary>
    public static ImageFile Slice(string name, SafeFileHandle handle, long start, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new ImageFile(name, handle, start, length, ownsHandle: false);
    }

    /// <summary>Reads exactly destination.Length bytes or reports the file as truncated at <paramref name="what"/>.</summary>
    public void ReadExactly(long offset, Span<byte> destination, string what)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new InvalidImageException(Path, $"truncated: {what} needs {destination.Length} bytes at offset {offset}, but the file is {Length} bytes");
        }

        PositionalRead.ReadExactly(Handle, Path, destination, Start + offset, what);
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
            PositionalRead.ReadExactly(Handle, Path, destination[..stored], Start + offset, what);
        }

        destination[stored..].Clear();
    }

    public void Dispose()
    {
        if (_ownsHandle)
        {
            Handle.Dispose();
        }
    }
}
