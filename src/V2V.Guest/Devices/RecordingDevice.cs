namespace V2V.Guest.Devices;

/// <summary>
/// Passes writes to a device and keeps, for every byte range ever written, the bytes the device
/// held before the first write there: <see cref="Changes"/> is a sorted list of disjoint ranges
/// (overlapping and touching writes merged), the undo record of a journal. Reads pass through.
/// </summary>
public sealed class RecordingDevice(IBlockDevice inner) : IBlockDevice
{
    private readonly List<ByteRangeChange> _changes = [];

    public string Path => inner.Path;

    public long Capacity => inner.Capacity;

    /// <summary>The ranges written so far with their original bytes, sorted by offset, disjoint.</summary>
    public IReadOnlyList<ByteRangeChange> Changes => _changes;

    public void Read(long offset, Span<byte> destination) => inner.Read(offset, destination);

    public void Write(long offset, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return;
        }

        long end = offset + source.Length;
        // Ranges overlapping or touching [offset, end) merge into one; their originals win over the device's current bytes.
        int first = _changes.FindIndex(c => c.Offset + c.Original.Length >= offset);
        first = first < 0 ? _changes.Count : first;
        int last = first;
        while (last < _changes.Count && _changes[last].Offset <= end)
        {
            last++;
        }

        long start = first < last ? Math.Min(offset, _changes[first].Offset) : offset;
        long stop = first < last ? Math.Max(end, _changes[last - 1].Offset + _changes[last - 1].Original.Length) : end;
        var original = new byte[stop - start];
        inner.Read(start, original);
        for (int i = first; i < last; i++)
        {
            _changes[i].Original.CopyTo(original, _changes[i].Offset - start);
        }

        _changes.RemoveRange(first, last - first);
        _changes.Insert(first, new ByteRangeChange(start, original));
        inner.Write(offset, source);
    }
}

/// <summary>A byte range of a disk that was changed, with the bytes it held before.</summary>
public sealed record ByteRangeChange(long Offset, byte[] Original);
