using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Raw;

/// <summary>Writes a raw image: data at its own offset, zero ranges left as holes (a sparse file).</summary>
public sealed class RawWriter : IReadBackTarget
{
    private readonly SafeFileHandle _file;

    public RawWriter(SafeFileHandle file, long capacity)
    {
        _file = file;
        Capacity = capacity;
    }

    public long Capacity { get; }

    public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_file, data, offset);

    public void ReadBack(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Capacity - destination.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"read at {offset} of {destination.Length} bytes passes the end of the {Capacity}-byte disk");
        }

        FileSpace.ReadZeroPadded(_file, destination, offset);
    }

    public void Complete() => RandomAccess.SetLength(_file, Capacity);

    public void Dispose()
    {
        // The file handle belongs to the caller.
    }
}
