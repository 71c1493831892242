namespace V2V.Guest.Ntfs;

/// <summary>
/// The bytes of one attribute, whole: a resident value, or the runs of every piece of a
/// non-resident attribute joined (pieces may sit in extension records, each covering a VCN range;
/// the VCN-0 piece carries the sizes). Sparse runs and bytes past the initialized size read as
/// zeros; compressed attributes are decompressed one compression unit at a time (LZNT1).
/// </summary>
internal sealed class AttributeData
{
    /// <summary>Compression units above 1 MiB are refused (Windows uses 16 clusters of at most 4 KiB).</summary>
    private const int MaxUnitBytes = 1 << 20;

    private readonly NtfsVolume _volume;
    private readonly byte[]? _resident;
    private readonly DataRun[] _runs;
    private readonly int _clusterSize;
    private readonly int _unitClusters;
    private long _cachedUnit = -1;
    private byte[]? _unit;

    private AttributeData(NtfsVolume volume, byte[]? resident, DataRun[] runs, long dataSize, long initializedSize, int unitClusters, string what)
    {
        _volume = volume;
        _resident = resident;
        _runs = runs;
        _clusterSize = volume.BootSector.ClusterSize;
        _unitClusters = unitClusters;
        Length = dataSize;
        InitializedSize = initializedSize;
        What = what;
    }

    public long Length { get; }
    public long InitializedSize { get; }
    public string What { get; }
    public IReadOnlyList<DataRun> Runs => _runs;

    /// <summary>
    /// Joins the pieces of one attribute (same type and name), checking that their VCN ranges follow
    /// each other and that they map every cluster of its data size (sparse runs count as mapped).
    /// <paramref name="partial"/>: only some pieces are given (the base record's pieces of a $MFT that
    /// has an attribute list); the data is then cut to what they map.
    /// </summary>
    /// <exception cref="NtfsCorruptException">Pieces out of order, or a data size beyond the runlist.</exception>
    public static AttributeData From(NtfsVolume volume, IReadOnlyList<NtfsAttribute> pieces, string what, bool partial = false)
    {
        var first = pieces[0];
        if (first.IsEncrypted)
        {
            throw new NtfsUnsupportedException($"{what} is encrypted (EFS); its content cannot be read");
        }

        if (first.IsResident)
        {
            if (pieces.Count != 1)
            {
                throw new NtfsCorruptException($"{what}: a resident attribute appears {pieces.Count} times");
            }

            return new AttributeData(volume, first.Value, [], first.Value!.Length, first.Value.Length, 0, what);
        }

        var ordered = pieces.OrderBy(p => p.LowestVcn).ToList();
        var runs = new List<DataRun>();
        long nextVcn = 0;
        foreach (var piece in ordered)
        {
            if (piece.IsResident || piece.LowestVcn != nextVcn)
            {
                throw new NtfsCorruptException($"{what}: attribute piece starts at VCN {piece.LowestVcn}, expected {nextVcn}");
            }

            runs.AddRange(piece.Runs);
            nextVcn = piece.HighestVcn + 1;
        }

        int unitClusters = 0;
        if (first.IsCompressed && first.CompressionUnitExponent > 0)
        {
            long unitBytes = (long)volume.BootSector.ClusterSize << first.CompressionUnitExponent;
            if (unitBytes > MaxUnitBytes)
            {
                throw new NtfsUnsupportedException($"{what}: compression unit of {unitBytes} bytes is larger than this reader supports");
            }

            unitClusters = 1 << first.CompressionUnitExponent;
        }

        // A data size past the clusters the runlist maps would read as endless zeros (e.g. a torn size field).
        long clusterSize = volume.BootSector.ClusterSize;
        long mapped = Math.Min(nextVcn, runs.Count == 0 ? 0 : runs[^1].Vcn + runs[^1].Length);
        long length = first.DataSize;
        if (length > 0 && (length - 1) / clusterSize >= mapped)
        {
            length = partial ? mapped * clusterSize
                : throw new NtfsCorruptException($"{what}: data size of {first.DataSize} bytes is past the {mapped} clusters its runlist maps");
        }

        return new AttributeData(volume, null, [.. runs], length, Math.Min(first.InitializedSize, length), unitClusters, what);
    }

    /// <summary>Reads up to destination.Length bytes at <paramref name="position"/>; returns the count (0 at the end).</summary>
    public int Read(long position, Span<byte> destination)
    {
        if (position >= Length || destination.IsEmpty)
        {
            return 0;
        }

        int total = (int)Math.Min(destination.Length, Length - position);
        var target = destination[..total];
        if (_resident is not null)
        {
            _resident.AsSpan((int)position, total).CopyTo(target);
            return total;
        }

        while (!target.IsEmpty)
        {
            int done = position >= InitializedSize ? Zero(target) : _unitClusters > 0 ? ReadCompressed(position, target) : ReadPlain(position, target);
            position += done;
            target = target[done..];
        }

        return total;
    }

    private static int Zero(Span<byte> target)
    {
        target.Clear();
        return target.Length;
    }

    private int ReadPlain(long position, Span<byte> target)
    {
        long vcn = position / _clusterSize;
        var run = FindRun(vcn) ?? throw new NtfsCorruptException($"{What}: VCN {vcn} is not mapped by the runlist");
        long runEnd = (run.Vcn + run.Length) * _clusterSize;
        int count = (int)Math.Min(Math.Min(target.Length, runEnd - position), InitializedSize - position);
        if (run.IsSparse)
        {
            target[..count].Clear();
        }
        else
        {
            _volume.ReadVolume((run.Lcn * _clusterSize) + (position - (run.Vcn * _clusterSize)), target[..count], What);
        }

        return count;
    }

    private int ReadCompressed(long position, Span<byte> target)
    {
        int unitBytes = _unitClusters * _clusterSize;
        long unit = position / unitBytes;
        var buffer = _unit ??= new byte[unitBytes];
        if (unit != _cachedUnit)
        {
            _cachedUnit = -1;
            DecodeUnit(unit, buffer);
            _cachedUnit = unit;
        }

        int within = (int)(position - (unit * unitBytes));
        int count = (int)Math.Min(Math.Min(target.Length, unitBytes - within), InitializedSize - position);
        buffer.AsSpan(within, count).CopyTo(target);
        return count;
    }

    /// <summary>
    /// A unit whose runs hold as many real clusters as the unit is stored plainly; one with fewer
    /// real clusters (the rest a sparse run) is LZNT1 data; one with none is zeros.
    /// </summary>
    private void DecodeUnit(long unit, byte[] output)
    {
        long firstVcn = unit * _unitClusters;
        var stored = new byte[_unitClusters * _clusterSize];
        int real = 0;
        for (long vcn = firstVcn; vcn < firstVcn + _unitClusters;)
        {
            var run = FindRun(vcn);
            long count = run is { } r ? Math.Min(r.Vcn + r.Length, firstVcn + _unitClusters) - vcn : firstVcn + _unitClusters - vcn;
            if (run is { IsSparse: false } data)
            {
                _volume.ReadVolume((data.Lcn + (vcn - data.Vcn)) * _clusterSize, stored.AsSpan(real * _clusterSize, (int)count * _clusterSize), What);
                real += (int)count;
            }

            vcn += count;
        }

        if (real == _unitClusters)
        {
            stored.CopyTo(output, 0);
            return;
        }

        output.AsSpan().Clear();
        if (real > 0)
        {
            try
            {
                Lznt1.Decompress(stored.AsSpan(0, real * _clusterSize), output);
            }
            catch (NtfsCorruptException e)
            {
                throw new NtfsCorruptException($"{What}: compression unit {unit}: {e.Message}");
            }
        }
    }

    private DataRun? FindRun(long vcn)
    {
        int low = 0;
        int high = _runs.Length - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            var run = _runs[mid];
            if (vcn < run.Vcn)
            {
                high = mid - 1;
            }
            else if (vcn >= run.Vcn + run.Length)
            {
                low = mid + 1;
            }
            else
            {
                return run;
            }
        }

        return null;
    }
}
