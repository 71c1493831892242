using V2V.Core.Disks;

namespace V2V.TestSupport;

/// <summary>
/// A disk held in memory as a map of 4 KiB pages, with any capacity (a simulated 4 TiB disk costs
/// only its pages). Reads of pages never written count, so tests can prove holes were not read.
/// </summary>
public sealed class MemoryDisk : IDiskSource, IDiskTarget
{
    private const int Page = 4096;
    private readonly SortedDictionary<long, byte[]> _pages = [];
    private long _holeReads;
    private int _writes;

    public MemoryDisk(long capacity, int sectorSize = 512)
    {
        Capacity = capacity;
        LogicalSectorSize = sectorSize;
    }

    public string Path => "memory";
    public IReadOnlyList<string> Files => [];
    public long Capacity { get; }
    public int LogicalSectorSize { get; }
    public int Writes => Volatile.Read(ref _writes);
    public long HoleReads => Interlocked.Read(ref _holeReads);

    /// <summary>Extra failure injected into reads, to test error propagation.</summary>
    public Func<long, Exception?>? FailRead { get; set; }

    public MemoryDisk Fill(long offset, ReadOnlySpan<byte> data)
    {
        WriteBytes(offset, data);
        return this;
    }

    public byte[] ReadAll(long offset, int length)
    {
        var result = new byte[length];
        Read(offset, result);
        return result;
    }

    public IEnumerable<DiskRange> EnumerateRanges()
    {
        lock (_pages)
        {
            var ranges = new List<DiskRange>();
            long position = 0;
            foreach (var page in _pages.Keys)
            {
                if (page > position)
                {
                    ranges.Add(new DiskRange(position, page - position, RangeKind.Unallocated));
                }

                ranges.Add(new DiskRange(page, Math.Min(Page, Capacity - page), RangeKind.Data));
                position = page + Page;
            }

            if (position < Capacity)
            {
                ranges.Add(new DiskRange(position, Capacity - position, RangeKind.Unallocated));
            }

            return RangeMerger.Merge(ranges).ToList();
        }
    }

    public void Read(long offset, Span<byte> destination)
    {
        if (FailRead?.Invoke(offset) is { } failure)
        {
            throw failure;
        }

        lock (_pages)
        {
            for (int done = 0; done < destination.Length;)
            {
                long position = offset + done;
                long page = position / Page * Page;
                int inPage = (int)(position - page);
                int length = Math.Min(Page - inPage, destination.Length - done);
                if (_pages.TryGetValue(page, out var data))
                {
                    data.AsSpan(inPage, length).CopyTo(destination[done..]);
                }
                else
                {
                    destination.Slice(done, length).Clear();
                    Interlocked.Increment(ref _holeReads);
                }

                done += length;
            }
        }
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        Interlocked.Increment(ref _writes);
        WriteBytes(offset, data);
    }

    public void Complete()
    {
    }

    public SourceDescription Describe() => new("memory", null, [Path], []);

    public void Dispose()
    {
    }

    private void WriteBytes(long offset, ReadOnlySpan<byte> data)
    {
        lock (_pages)
        {
            for (int done = 0; done < data.Length;)
            {
                long position = offset + done;
                long page = position / Page * Page;
                int inPage = (int)(position - page);
                int length = Math.Min(Page - inPage, data.Length - done);
                if (!_pages.TryGetValue(page, out var bytes))
                {
                    bytes = new byte[Page];
                    _pages[page] = bytes;
                }

                data.Slice(done, length).CopyTo(bytes.AsSpan(inPage));
                done += length;
            }
        }
    }
}
