using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;

namespace V2V.DiskFormats.Raw;

/// <summary>Writes a raw image: data at its own offset, zero ranges left as holes (a sparse file).</summary>
public sealed class RawWriter : IDiskTarget
{
    private readonly SafeFileHandle _file;

    public RawWriter(SafeFileHandle file, long capacity)
    {
        _file = file;
        Capacity = capacity;
    }

    public long Capacity { get; }

    public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_file, data, offset);

    public void Complete() => RandomAccess.SetLength(_file, Capacity);

    public void Dispose()
    {
        // The file handle belongs to the caller.
    }
}
