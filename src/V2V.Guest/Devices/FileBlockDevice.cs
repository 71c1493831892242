using Microsoft.Win32.SafeHandles;
using V2V.Core.Errors;

namespace V2V.Guest.Devices;

/// <summary>A raw disk image file opened for reading and writing in place (positional I/O; the length never changes).</summary>
public sealed class FileBlockDevice : IBlockDevice, IDisposable
{
    private readonly SafeFileHandle _handle;

    private FileBlockDevice(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
        Capacity = RandomAccess.GetLength(handle);
    }

    public string Path { get; }

    public long Capacity { get; }

    public static FileBlockDevice Open(string path) =>
        new(path, File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read));

    public void Read(long offset, Span<byte> destination)
    {
        Check(offset, destination.Length);
        int done = 0;
        while (done < destination.Length)
        {
            int read = RandomAccess.Read(_handle, destination[done..], offset + done);
            if (read <= 0)
            {
                throw new InvalidImageException(Path, $"short read at offset {offset + done}");
            }

            done += read;
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        Check(offset, source.Length);
        RandomAccess.Write(_handle, source, offset);
    }

    /// <summary>Forces what was written to the storage device.</summary>
    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void Dispose() => _handle.Dispose();

    private void Check(long offset, int length)
    {
        if (offset < 0 || offset > Capacity - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{Path}: {length} bytes at {offset} are outside the {Capacity}-byte disk");
        }
    }
}
