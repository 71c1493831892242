namespace V2V.DiskFormats.Common;

/// <summary>
/// A bounded, thread-safe cache of tables loaded on demand from an image (VMDK grain tables; qcow2
/// L2 tables and the like later): at most <see cref="MaxTables"/> are kept, all dropped at once
/// when it is full, so memory stays bounded whatever the disk size. Two readers missing the same
/// table may both load it; either copy is right.
/// </summary>
/// <typeparam name="TEntry">The decoded entry type of one table.</typeparam>
public sealed class TableCache<TEntry>(Func<long, TEntry[]> load)
{
    /// <summary>Tables kept at most: 1024 VMware tables of 512 entries are 2 MiB and cover 32 GiB.</summary>
    public const int MaxTables = 1024;

    private readonly Dictionary<long, TEntry[]> _tables = [];

    /// <summary>The table at <paramref name="index"/>, loaded (and validated) by the loader on a miss.</summary>
    public TEntry[] Get(long index)
    {
        lock (_tables)
        {
            if (_tables.TryGetValue(index, out var cached))
            {
                return cached;
            }
        }

        var table = load(index);
        lock (_tables)
        {
            if (_tables.Count >= MaxTables)
            {
                _tables.Clear();
            }

            _tables[index] = table;
        }

        return table;
    }
}
