using Microsoft.Win32.SafeHandles;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// The compressed grains of one chunk while <see cref="StreamOptimizedWriter"/> holds it for its
/// turn in disk order, kept in 64 KiB segments of the writer's <see cref="GrainSpoolSegments"/>.
/// A chunk that does not compress is a little over 1 MiB: in segments it holds about that, where
/// one pooled array would be rounded up to 2 MiB (and up to 32 chunks may wait).
/// </summary>
internal sealed class GrainSpool(GrainSpoolSegments segments)
{
    private readonly List<byte[]> _segments = [];

    /// <summary>Bytes appended so far.</summary>
    public int Length { get; private set; }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            int inLast = Length % GrainSpoolSegments.SegmentSize;
            if (inLast == 0)
            {
                _segments.Add(segments.Rent());
            }

            int take = Math.Min(bytes.Length, GrainSpoolSegments.SegmentSize - inLast);
            bytes[..take].CopyTo(_segments[^1].AsSpan(inLast));
            bytes = bytes[take..];
            Length += take;
        }
    }

    /// <summary>Writes everything appended at <paramref name="position"/> of <paramref name="file"/> (one gathered write).</summary>
    public void WriteTo(SafeFileHandle file, long position)
    {
        var pieces = new ReadOnlyMemory<byte>[_segments.Count];
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = _segments[i].AsMemory(0, Math.Min(GrainSpoolSegments.SegmentSize, Length - i * GrainSpoolSegments.SegmentSize));
        }

        RandomAccess.Write(file, pieces, position);
    }

    /// <summary>Gives the segments back to the writer's pool; the spool is empty afterwards.</summary>
    public void Release()
    {
        foreach (var segment in _segments)
        {
            segments.Return(segment);
        }

        _segments.Clear();
        Length = 0;
    }
}

/// <summary>
/// The segments of one writer's spools, reused from chunk to chunk: what it holds is the most
/// that waited at once, never more.
/// </summary>
internal sealed class GrainSpoolSegments
{
    public const int SegmentSize = 64 * 1024;

    private readonly Stack<byte[]> _free = new();

    public byte[] Rent()
    {
        lock (_free)
        {
            if (_free.TryPop(out var segment))
            {
                return segment;
            }
        }

        return GC.AllocateUninitializedArray<byte>(SegmentSize);
    }

    public void Return(byte[] segment)
    {
        lock (_free)
        {
            _free.Push(segment);
        }
    }
}
