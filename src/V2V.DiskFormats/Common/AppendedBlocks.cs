namespace V2V.DiskFormats.Common;

/// <summary>
/// The blocks of a dynamic image being written (VHD, VHDX): block number → file offset, each new
/// block appended at the end of the data area. Held in memory until the writer writes its block
/// table at completion. Thread-safe.
/// </summary>
public sealed class AppendedBlocks(long dataStart)
{
    private readonly long _dataStart = dataStart;
    private readonly Dictionary<long, long> _offsets = [];
    private long _end = dataStart;

    /// <summary>File offset after the last block appended (where the next one goes): an allocation mark.</summary>
    public long End
    {
        get
        {
            lock (_offsets)
            {
                return _end;
            }
        }
    }

    /// <summary>The file offset of <paramref name="block"/>, if it has been appended.</summary>
    public bool TryGet(long block, out long offset)
    {
        lock (_offsets)
        {
            return _offsets.TryGetValue(block, out offset);
        }
    }

    /// <summary>
    /// The file offset of <paramref name="block"/>, appending <paramref name="size"/> bytes for it when
    /// it has none; <paramref name="appended"/> runs for a new block before any other thread can see
    /// it (a VHD writes the block's sector bitmap there).
    /// </summary>
    public long GetOrAppend(long block, long size, Action<long>? appended = null)
    {
        lock (_offsets)
        {
            if (!_offsets.TryGetValue(block, out long offset))
            {
                offset = _end;
                appended?.Invoke(offset);
                _end += size;
                _offsets[block] = offset;
            }

            return offset;
        }
    }

    /// <summary>
    /// Forgets every block appended at or after <paramref name="mark"/> (an earlier <see cref="End"/>),
    /// so the table written at completion marks them absent again and the data area ends at the mark.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The mark is outside [data start, <see cref="End"/>].</exception>
    public void ReleaseSince(long mark)
    {
        lock (_offsets)
        {
            if (mark < _dataStart || mark > _end)
            {
                throw new ArgumentOutOfRangeException(nameof(mark), $"allocation mark {mark} is outside the data area [{_dataStart}, {_end}]");
            }

            foreach (var (block, _) in _offsets.Where(a => a.Value >= mark).ToList())
            {
                _offsets.Remove(block);
            }

            _end = mark;
        }
    }

    /// <summary>Every appended block and its file offset; for the block table, once no write is in flight.</summary>
    public IEnumerable<KeyValuePair<long, long>> All
    {
        get
        {
            lock (_offsets)
            {
                return [.. _offsets];
            }
        }
    }
}
