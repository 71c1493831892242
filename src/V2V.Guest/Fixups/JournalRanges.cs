using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.Guest.Fixups;

/// <summary>
/// A journal's disk ranges with their original bytes decoded, checked against the disk they belong
/// to (inside it, ascending, disjoint, each base64 exactly its length), for putting the original
/// bytes back into any span of that disk (<see cref="Restore"/>).
/// </summary>
public sealed class JournalRanges
{
    private readonly long[] _offsets;
    private readonly byte[][] _originals;

    private JournalRanges(long[] offsets, byte[][] originals)
    {
        _offsets = offsets;
        _originals = originals;
    }

    public int Count => _offsets.Length;

    /// <summary>Bytes the ranges cover.</summary>
    public long Bytes => _originals.Sum(o => (long)o.Length);

    /// <summary>The ranges as <see cref="RangeKind.Data"/> disk ranges, ascending.</summary>
    public IReadOnlyList<DiskRange> Ranges => [.. _offsets.Select((o, i) => new DiskRange(o, _originals[i].Length, RangeKind.Data))];

    /// <summary>The ranges of <paramref name="journal"/> (read from <paramref name="file"/>) for a disk of <paramref name="capacity"/> bytes.</summary>
    /// <exception cref="InvalidImageException">A range outside the disk, out of order, overlapping, or whose bytes are not its length.</exception>
    public static JournalRanges From(string file, FixupJournal journal, long capacity)
    {
        var offsets = new long[journal.Disk.Count];
        var originals = new byte[journal.Disk.Count][];
        long previousEnd = 0;
        for (int i = 0; i < journal.Disk.Count; i++)
        {
            var change = journal.Disk[i];
            string where = $"disk range {i} ({change.Length} bytes at offset {change.Offset})";
            if (change.Offset < 0 || change.Length <= 0 || change.Length > capacity || change.Offset > capacity - change.Length)
            {
                throw new InvalidImageException(file, $"{where} is not inside the {capacity}-byte disk");
            }

            if (change.Offset < previousEnd)
            {
                throw new InvalidImageException(file, $"{where} starts before the end of the range before it (ranges must be ascending and disjoint)");
            }

            // Base64 of n bytes is 4 * ceil(n / 3) characters: checked before allocating n bytes.
            if (change.Original is null || change.Original.Length != ((change.Length + 2) / 3) * 4)
            {
                throw new InvalidImageException(file, $"{where}: its original bytes are not {change.Length} bytes of base64");
            }

            var bytes = new byte[change.Length];
            if (!Convert.TryFromBase64String(change.Original, bytes, out int written) || written != change.Length)
            {
                throw new InvalidImageException(file, $"{where}: its original bytes are not {change.Length} bytes of base64");
            }

            offsets[i] = change.Offset;
            originals[i] = bytes;
            previousEnd = change.Offset + change.Length;
        }

        return new JournalRanges(offsets, originals);
    }

    /// <summary>Puts the original bytes back into <paramref name="data"/>, which holds the disk's bytes at <paramref name="offset"/>.</summary>
    public void Restore(long offset, Span<byte> data)
    {
        long end = offset + data.Length;
        int index = Array.BinarySearch(_offsets, offset);
        index = index >= 0 ? index : Math.Max(0, ~index - 1);
        for (; index < _offsets.Length && _offsets[index] < end; index++)
        {
            long start = Math.Max(offset, _offsets[index]);
            long stop = Math.Min(end, _offsets[index] + _originals[index].Length);
            if (start < stop)
            {
                _originals[index].AsSpan((int)(start - _offsets[index]), (int)(stop - start)).CopyTo(data[(int)(start - offset)..]);
            }
        }
    }

    /// <summary>The range holding <paramref name="offset"/>, or null.</summary>
    public DiskRange? Holding(long offset)
    {
        int index = Array.BinarySearch(_offsets, offset);
        index = index >= 0 ? index : ~index - 1;
        return index >= 0 && offset < _offsets[index] + _originals[index].Length ? new DiskRange(_offsets[index], _originals[index].Length, RangeKind.Data) : null;
    }
}
