using V2V.Core.Disks;
using V2V.Core.Errors;

namespace V2V.Guest.Ntfs;

/// <summary>
/// A read-only NTFS volume read through an <see cref="IDiskSource"/> (WINDOWS.md §8): boot sector,
/// $MFT (its own runlist and attribute list included), files gathered across extension records,
/// $I30 directory indexes compared with the volume's $UpCase, data of resident, non-resident,
/// sparse and LZNT1-compressed attributes, alternate data streams ("file:stream"), $Volume flags
/// and the $LogFile restart state. Paths are relative to the volume's root, separated by \ or /.
/// Every offset, size and count read from the volume is bounded; malformed structures raise
/// <see cref="InvalidImageException"/> naming the disk, the volume offset and the structure;
/// encrypted data raises <see cref="UnsupportedFormatException"/>; a missing path raises
/// <see cref="UsageException"/>. Not thread-safe: one caller at a time.
/// </summary>
public sealed partial class NtfsVolume
{
    public const long RootDirectoryRecord = 5;
    private const long MftRecord0 = 0;
    private const long LogFileRecord = 2;
    private const long VolumeRecord = 3;
    private const long UpCaseRecord = 10;
    private const int MaxCachedRecords = 4096;
    private const int MaxExtensionRecords = 1024;
    private const int MaxAttributeListBytes = 1 << 20;

    private readonly IDiskSource _disk;
    private readonly Dictionary<long, MftRecord> _records = [];
    private AttributeData? _mft;
    private long _mftRecordCount;
    private UpCaseTable? _upCase;
    private VolumeInformation? _information;
    private LogFileRestartPage? _restartPage;
    private LogFileState? _logFileState;

    private NtfsVolume(IDiskSource disk, long offset, long length, NtfsBootSector boot)
    {
        _disk = disk;
        Offset = offset;
        Length = length;
        BootSector = boot;
    }

    /// <summary>Byte offset of the volume on its disk.</summary>
    public long Offset { get; }

    /// <summary>Bytes of the volume (the partition's length).</summary>
    public long Length { get; }

    public NtfsBootSector BootSector { get; }

    /// <summary>$Volume's $VOLUME_INFORMATION: NTFS version and flags (dirty = chkdsk at next boot).</summary>
    public VolumeInformation Information => _information ??= Guard("$Volume", () =>
        VolumeInformation.Parse(Resident(OpenRecord(VolumeRecord, 0), AttributeType.VolumeInformation, "$Volume")));

    public NtfsVolumeStatus VolumeFlags => Information.Flags;

    /// <summary>The $LogFile restart area's verdict (clean, reset, dirty, Windows 8+ cached metadata).</summary>
    public LogFileState LogFileState => _logFileState ??= Guard("$LogFile", ReadLogFileState);

    /// <summary>The newer valid $LogFile restart page, or null when the log is reset or unreadable.</summary>
    public LogFileRestartPage? LogFileRestartPage => LogFileState is LogFileState.Empty or LogFileState.Unreadable ? null : _restartPage;

    /// <summary>Opens the NTFS volume at [offset, offset + length) of <paramref name="disk"/> and reads its $MFT's mapping.</summary>
    /// <exception cref="InvalidImageException">No NTFS boot sector there, or $MFT is damaged.</exception>
    public static NtfsVolume Open(IDiskSource disk, long offset, long length)
    {
        if (offset < 0 || length < 512 || offset > disk.Capacity - 512)
        {
            throw new InvalidImageException(disk.Path, $"no NTFS volume at offset {offset}: the range of {length} bytes is outside the disk");
        }

        length = Math.Min(length, disk.Capacity - offset);
        var sector = new byte[512];
        disk.Read(offset, sector);
        var boot = NtfsBootSector.TryRead(sector, out var problem)
            ?? throw new InvalidImageException(disk.Path, $"no NTFS volume at offset {offset}: {problem}");
        if (boot.TotalSectors > (length / boot.BytesPerSector))
        {
            throw new InvalidImageException(disk.Path, $"NTFS volume at offset {offset} says it has {boot.TotalSectors} sectors of {boot.BytesPerSector} bytes, more than the {length} bytes it sits in");
        }

        var volume = new NtfsVolume(disk, offset, length, boot);
        volume.Guard("$MFT", volume.LoadMft);
        return volume;
    }

    /// <summary>The names in a directory (index order; DOS 8.3 duplicates and the "." entry left out).</summary>
    public IReadOnlyList<NtfsDirectoryEntry> ListDirectory(string path) => Guard(path, () =>
    {
        var (directory, _) = Resolve(path);
        if (!directory.IsDirectory)
        {
            throw new NtfsNotFoundException($"\"{path}\" is not a directory");
        }

        return EnumerateIndex(directory)
            .Where(e => e.Key!.Namespace != FileNameNamespace.Dos && e.RecordNumber != directory.RecordNumber)
            .Select(e => new NtfsDirectoryEntry(e.Key!.Name, e.RecordNumber, e.Key.IsDirectory, e.Key.DataSize, e.Key.FileAttributes, e.Key.Namespace, e.Key.LastWriteUtc))
            .ToList();
    });

    /// <summary>Whether the path names a file or directory (and, with ":stream", that stream).</summary>
    public bool Exists(string path)
    {
        try
        {
            return Guard(path, () =>
            {
                var (file, stream) = Resolve(path);
                return stream.Length == 0 || file.Pieces(AttributeType.Data, stream).Count > 0;
            });
        }
        catch (UsageException)
        {
            return false;
        }
    }

    /// <summary>A read-only, seekable stream of a file's data ("dir\file" or "dir\file:stream" for an alternate data stream).</summary>
    public Stream OpenFile(string path) => Guard(path, () => new NtfsDataStream(this, DataOf(path), path));

    /// <summary>A file's whole data; refused above 2 GiB (use <see cref="OpenFile"/>).</summary>
    public byte[] ReadAllBytes(string path) => Guard(path, () =>
    {
        var data = DataOf(path);
        if (data.Length > Array.MaxLength)
        {
            throw new NtfsUnsupportedException($"{data.Length} bytes are too many to hold in memory");
        }

        var bytes = new byte[data.Length];
        data.Read(0, bytes);
        return bytes;
    });

    /// <summary>Names of a file's $DATA attributes: "" for the unnamed (main) stream, then alternate data streams.</summary>
    public IReadOnlyList<string> ListStreams(string path) => Guard(path, () =>
        Resolve(path).File.Attributes.Where(a => a.Type == AttributeType.Data).Select(a => a.Name).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>The runs of a file's data (for tests and diagnostics; empty when resident).</summary>
    internal IReadOnlyList<DataRun> DataRuns(string path) => Guard(path, () => DataOf(path).Runs);

    /// <summary>Where an MFT record sits in the volume (tests patch records there); records must not straddle runs.</summary>
    internal long RecordOffset(long number)
    {
        long position = number * BootSector.MftRecordSize;
        var run = _mft!.Runs.First(r => position / BootSector.ClusterSize >= r.Vcn && position / BootSector.ClusterSize < r.Vcn + r.Length);
        return (run.Lcn * BootSector.ClusterSize) + position - (run.Vcn * BootSector.ClusterSize);
    }

    internal long RecordNumberOf(string path) => Guard(path, () => Resolve(path).File.RecordNumber);

    internal bool HasAttributeList(string path) => Guard(path, () => Resolve(path).File.HasAttributeList);

    internal T Guard<T>(string where, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Translate(where, e) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Reads a stream's data, with the volume's exceptions (a span cannot enter <see cref="Guard"/>'s lambda).</summary>
    internal int ReadData(AttributeData data, long position, Span<byte> destination, string where)
    {
        try
        {
            return data.Read(position, destination);
        }
        catch (Exception e) when (Translate(where, e) is { } translated)
        {
            throw translated;
        }
    }

    private Exception? Translate(string where, Exception e) => e switch
    {
        NtfsCorruptException => new InvalidImageException(_disk.Path, $"NTFS volume at offset {Offset}: {where}: {e.Message}", e),
        NtfsUnsupportedException => new UnsupportedFormatException(_disk.Path, $"NTFS volume at offset {Offset}: {where}: {e.Message}"),
        NtfsNotFoundException => new UsageException($"{_disk.Path}: NTFS volume at offset {Offset}: {e.Message}"),
        _ => null,
    };

    /// <summary>Reads volume-relative bytes, refusing anything outside the volume.</summary>
    internal void ReadVolume(long offset, Span<byte> destination, string what)
    {
        if (offset < 0 || offset > Length - destination.Length)
        {
            throw new NtfsCorruptException($"{what}: read of {destination.Length} bytes at volume offset {offset} is outside the volume ({Length} bytes)");
        }

        _disk.Read(Offset + offset, destination);
    }

    private bool LoadMft()
    {
        var bytes = new byte[BootSector.MftRecordSize];
        ReadVolume(BootSector.MftLcn * BootSector.ClusterSize, bytes, "$MFT record 0");
        var record0 = MftRecord.Parse(bytes, MftRecord0, BootSector.ClusterCount);
        var pieces = record0.Attributes.Where(a => a.Type == AttributeType.Data && a.Name.Length == 0).ToList();
        if (pieces.Count == 0 || pieces.Any(p => p.IsResident))
        {
            throw new NtfsCorruptException("record 0 has no non-resident $DATA");
        }

        // The base record maps at least the start of $MFT, where its extension records live.
        _mft = AttributeData.From(this, pieces, "$MFT", partial: record0.Attributes.Any(a => a.Type == AttributeType.AttributeList));
        _mftRecordCount = _mft.Length / BootSector.MftRecordSize;
        _records[MftRecord0] = record0;
        if (record0.Attributes.Any(a => a.Type == AttributeType.AttributeList))
        {
            var file = OpenRecord(MftRecord0, 0);
            _mft = AttributeData.From(this, file.Pieces(AttributeType.Data, ""), "$MFT");
            _mftRecordCount = _mft.Length / BootSector.MftRecordSize;
        }

        return true;
    }

    private MftRecord ReadRecord(long number)
    {
        if (number < 0 || number >= _mftRecordCount)
        {
            throw new NtfsCorruptException($"MFT record {number} is past the end of $MFT ({_mftRecordCount} records)");
        }

        if (_records.TryGetValue(number, out var cached))
        {
            return cached;
        }

        var bytes = new byte[BootSector.MftRecordSize];
        if (_mft!.Read(number * bytes.Length, bytes) != bytes.Length)
        {
            throw new NtfsCorruptException($"MFT record {number} is cut short by $MFT's end");
        }

        var record = MftRecord.Parse(bytes, number, BootSector.ClusterCount);
        if (_records.Count >= MaxCachedRecords)
        {
            _records.Clear();
        }

        _records[number] = record;
        return record;
    }

    /// <summary>Reads a base record and the extension records its $ATTRIBUTE_LIST names.</summary>
    private NtfsFile OpenRecord(long number, ushort expectedSequence)
    {
        var record = ReadRecord(number);
        if (!record.InUse)
        {
            throw new NtfsCorruptException($"MFT record {number} is not in use");
        }

        if (record.BaseRecord != 0)
        {
            throw new NtfsCorruptException($"MFT record {number} is an extension record of record {record.BaseRecord}, not a file");
        }

        if (expectedSequence != 0 && record.Sequence != expectedSequence)
        {
            throw new NtfsCorruptException($"reference to MFT record {number} has sequence {expectedSequence}, the record has {record.Sequence} (stale entry)");
        }

        var attributes = record.Attributes.ToList();
        var lists = record.Attributes.Where(a => a.Type == AttributeType.AttributeList).ToList();
        if (lists.Count > 0)
        {
            var data = AttributeData.From(this, lists, $"MFT record {number} $ATTRIBUTE_LIST");
            if (data.Length > MaxAttributeListBytes)
            {
                throw new NtfsCorruptException($"MFT record {number}: $ATTRIBUTE_LIST of {data.Length} bytes is too large");
            }

            var bytes = new byte[data.Length];
            data.Read(0, bytes);
            var others = AttributeListEntry.ParseAll(bytes).Select(e => e.RecordNumber).Where(n => n != number).Distinct().ToList();
            if (others.Count > MaxExtensionRecords)
            {
                throw new NtfsCorruptException($"MFT record {number}: $ATTRIBUTE_LIST names {others.Count} extension records");
            }

            foreach (long other in others)
            {
                var extension = ReadRecord(other);
                if (!extension.InUse || extension.BaseRecord != number)
                {
                    throw new NtfsCorruptException($"MFT record {number}: $ATTRIBUTE_LIST names record {other}, which is not one of its extension records");
                }

                if (extension.Attributes.Any(a => a.Type == AttributeType.AttributeList))
                {
                    throw new NtfsCorruptException($"MFT record {number}: extension record {other} holds an $ATTRIBUTE_LIST of its own");
                }

                attributes.AddRange(extension.Attributes);
            }
        }

        return new NtfsFile(number, record.Sequence, record.IsDirectory, attributes, lists.Count > 0);
    }

    private static byte[] Resident(NtfsFile file, AttributeType type, string what)
    {
        var pieces = file.Pieces(type, "");
        if (pieces.Count != 1 || !pieces[0].IsResident)
        {
            throw new NtfsCorruptException($"{what} has no resident 0x{(uint)type:X} attribute");
        }

        return pieces[0].Value!;
    }

    private AttributeData DataOf(string path)
    {
        var (file, stream) = Resolve(path);
        var pieces = file.Pieces(AttributeType.Data, stream);
        if (pieces.Count == 0)
        {
            throw new NtfsNotFoundException(stream.Length == 0 ? $"\"{path}\" has no data (a directory?)" : $"\"{path}\": no stream \"{stream}\"");
        }

        return AttributeData.From(this, pieces, $"MFT record {file.RecordNumber} $DATA{(stream.Length == 0 ? "" : ":" + stream)}");
    }

    private UpCaseTable UpCase()
    {
        if (_upCase is null)
        {
            var pieces = OpenRecord(UpCaseRecord, 0).Pieces(AttributeType.Data, "");
            if (pieces.Count == 0)
            {
                throw new NtfsCorruptException("$UpCase has no data");
            }

            var data = AttributeData.From(this, pieces, "$UpCase");
            var bytes = new byte[Math.Min(data.Length, 65536 * 2)];
            data.Read(0, bytes);
            _upCase = UpCaseTable.FromData(bytes);
        }

        return _upCase;
    }

    private LogFileState ReadLogFileState()
    {
        var pieces = OpenRecord(LogFileRecord, 0).Pieces(AttributeType.Data, "");
        if (pieces.Count == 0)
        {
            return LogFileState.Unreadable;
        }

        var data = AttributeData.From(this, pieces, "$LogFile");
        var first = new byte[Math.Min(data.Length, 4096)];
        data.Read(0, first);
        int pageSize = LogFileRestartPage.DeclaredPageSize(first) ?? 4096;
        LogFileRestartPage? newest = null;
        for (int i = 0; i < 2; i++)
        {
            var page = new byte[pageSize];
            if (data.Read((long)i * pageSize, page) == pageSize && LogFileRestartPage.TryRead(page) is { } restart && (newest is null || restart.CurrentLsn > newest.CurrentLsn))
            {
                newest = restart;
            }
        }

        _restartPage = newest;
        return newest?.State ?? (first.Length > 0 && first.AsSpan().IndexOfAnyExcept((byte)0xFF) < 0 ? LogFileState.Empty : LogFileState.Unreadable);
    }
}
