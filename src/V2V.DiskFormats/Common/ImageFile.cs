using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.DiskFormats.Common;

/// <summary>
/// A source image file opened read-only for positional reads. Every structured read says what
/// it is reading, so a truncated file is reported with the structure and offset that are missing.
/// It may also be a view of a file inside another one (a disk member of an OVA read in place):
/// offsets are then relative to the member's first byte, and <see cref="Length"/> is the member's.
/// Or it is no local file at all (<see cref="Over"/>: a datastore file read over HTTP); it then
/// has no <see cref="Handle"/>, and only readers that read through ReadExactly/ReadOrZero take it.
/// </summary>
public sealed class ImageFile : IDisposable
{
    private readonly bool _ownsHandle;
    private readonly SafeFileHandle? _handle;
    private readonly IImageBytes? _bytes;

    private ImageFile(string path, SafeFileHandle? handle, long start, long length, bool ownsHandle, IImageBytes? bytes = null)
    {
        Path = path;
        _handle = handle;
        Start = start;
        Length = length;
        _ownsHandle = ownsHandle;
        _bytes = bytes;
    }

    public string Path { get; }

    /// <summary>The local file; an image made by <see cref="Over"/> has none.</summary>
    public SafeFileHandle Handle => _handle ?? throw new InvalidOperationException($"{Path} is not a local file");

    /// <summary>True when the bytes are a local file's (<see cref="Handle"/> is set); false for <see cref="Over"/>.</summary>
    public bool HasHandle => _handle is not null;

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

    /// <summary>
    /// An image whose bytes come from elsewhere (a datastore file over HTTP), of a known
    /// <paramref name="length"/>; <paramref name="name"/> is what messages call it. The image owns
    /// <paramref name="bytes"/> and disposes of them.
    /// </summary>
    public static ImageFile Over(string name, long length, IImageBytes bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new ImageFile(name, null, 0, length, ownsHandle: false, bytes);
    }

    /// <summary>Reads exactly destination.Length bytes or reports the file as truncated at <paramref name="what"/>.</summary>
    public void ReadExactly(long offset, Span<byte> destination, string what)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new InvalidImageException(Path, $"truncated: {what} needs {destination.Length} bytes at offset {offset}, but the file is {Length} bytes");
        }

        ReadStored(offset, destination, what);
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
            ReadStored(offset, destination[..stored], what);
        }

        destination[stored..].Clear();
    }

    private void ReadStored(long offset, Span<byte> destination, string what)
    {
        if (_bytes is not null)
        {
            _bytes.ReadExactly(offset, destination, what);
        }
        else
        {
            PositionalRead.ReadExactly(Handle, Path, destination, Start + offset, what);
        }
    }

    public void Dispose()
    {
        if (_ownsHandle)
        {
            Handle.Dispose();
        }

        _bytes?.Dispose();
    }
}

/// <summary>The bytes of an image that is not a local file: exact positional reads, thread-safe.</summary>
public interface IImageBytes : IDisposable
{
    /// <summary>Reads exactly destination.Length bytes at offset, or throws (<paramref name="what"/> names the structure read).</summary>
    void ReadExactly(long offset, Span<byte> destination, string what);
}
