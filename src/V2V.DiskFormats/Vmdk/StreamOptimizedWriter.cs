using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.Win32.SafeHandles;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// Writes a streamOptimized VMDK the way ESXi exports and imports them: version 3, the header
/// saying "directory at the end", the embedded descriptor, compressed grains each behind its
/// marker in ascending LBA order, then grain-table markers and tables, the directory marker and
/// directory, the footer (a header copy with the real directory offset) and the end-of-stream
/// marker. Workers compress their chunks in parallel; the compressed chunks are appended in disk
/// order as the pipeline reports its in-order progress, so a stream reader can follow the file.
/// </summary>
public sealed class StreamOptimizedWriter : IDiskTarget
{
    private const int Sector = 512;
    private const long GrainSectors = 128;
    private const int GrainBytes = (int)GrainSectors * Sector;
    private const int EntriesPerTable = 512;
    private const long DescriptorSectors = 20;

    private readonly SafeFileHandle _file;
    private readonly long _sectors;
    private readonly byte[] _descriptor;
    private readonly SortedDictionary<long, CompressedChunk> _waiting = [];
    private readonly GrainSpoolSegments _segments = new();
    private readonly Dictionary<long, uint> _grains = []; // grain index → sector of its marker
    private readonly object _gate = new();
    private readonly string _fileName;
    private long _nextSector = 1 + DescriptorSectors;
    private long _covered;

    /// <summary>A chunk's grains, each behind its marker and padded to a sector; Start is the grain's byte in the spool.</summary>
    private sealed record CompressedChunk(long Offset, GrainSpool Data, List<(long Grain, int Start, int Sectors)> Grains);

    // Room for one grain behind its marker, whatever deflate makes of it (stored blocks add a few bytes per 64 KiB).
    private const int GrainRecordBound = StreamMarker.GrainHeaderSize + GrainBytes + GrainBytes / 8 + 1024;

    public StreamOptimizedWriter(SafeFileHandle file, long capacity, string fileName, string adapterType)
    {
        _fileName = fileName;
        _file = file;
        Capacity = Alignment.RoundUp(capacity, Sector);
        _sectors = Capacity / Sector;
        _descriptor = VmdkDescriptorWriter.Write("streamOptimized", fileName, _sectors, adapterType);
    }

    public long Capacity { get; }

    /// <summary>
    /// Compresses the chunk's non-zero grains (on the calling worker), one at a time into a scratch
    /// buffer and then into the chunk's spool, and queues the chunk for its turn.
    /// </summary>
    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(GrainRecordBound);
        var spool = new GrainSpool(_segments);
        var grains = new List<(long, int, int)>(16);
        byte[]? whole = data.Length % GrainBytes == 0 ? null : ArrayPool<byte>.Shared.Rent(GrainBytes);
        try
        {
            for (int done = 0; done < data.Length; done += GrainBytes)
            {
                var grain = data.Slice(done, Math.Min(GrainBytes, data.Length - done));
                if (!grain.ContainsAnyExcept((byte)0))
                {
                    continue;
                }

                // Full grains, the last one zero-padded past the disk's end, as VMware writes them.
                if (grain.Length < GrainBytes)
                {
                    grain.CopyTo(whole!);
                    whole.AsSpan(grain.Length, GrainBytes - grain.Length).Clear();
                    grain = whole.AsSpan(0, GrainBytes);
                }

                long index = (offset + done) / GrainBytes;
                StreamMarker.WriteGrain(buffer, (ulong)(index * GrainSectors), 0);
                int size = Compress(grain, buffer, StreamMarker.GrainHeaderSize);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), (uint)size);
                int total = (int)Alignment.RoundUp(StreamMarker.GrainHeaderSize + size, Sector);
                buffer.AsSpan(StreamMarker.GrainHeaderSize + size, total - StreamMarker.GrainHeaderSize - size).Clear();
                grains.Add((index, spool.Length, total / Sector));
                spool.Append(buffer.AsSpan(0, total));
            }
        }
        catch
        {
            spool.Release();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (whole is not null)
            {
                ArrayPool<byte>.Shared.Return(whole);
            }
        }

        List<(long Sector, CompressedChunk Chunk)>? ready;
        lock (_gate)
        {
            _waiting[offset] = new CompressedChunk(offset, spool, grains);
            ready = TakeReady();
        }

        WriteOut(ready);
    }

    /// <summary>The pipeline has delivered everything below <paramref name="offset"/>: append what is ready, in order.</summary>
    public void Covered(long offset)
    {
        List<(long Sector, CompressedChunk Chunk)>? ready;
        lock (_gate)
        {
            _covered = Math.Max(_covered, offset);
            ready = TakeReady();
        }

        WriteOut(ready);
    }

    /// <summary>Called once every write has returned: appends what is left, then the tables, footer and head.</summary>
    public void Complete()
    {
        List<(long Sector, CompressedChunk Chunk)>? ready;
        lock (_gate)
        {
            _covered = long.MaxValue;
            ready = TakeReady();
        }

        WriteOut(ready);

        long tables = (_sectors + GrainSectors * EntriesPerTable - 1) / (GrainSectors * EntriesPerTable);
        var directory = new byte[Alignment.RoundUp(tables * 4, Sector)];
        var table = new byte[EntriesPerTable * 4];
        var marker = new byte[Sector];
        foreach (var group in _grains.GroupBy(g => g.Key / EntriesPerTable).OrderBy(g => g.Key))
        {
            table.AsSpan().Clear();
            foreach (var (index, sector) in group)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan((int)(index % EntriesPerTable * 4)), sector);
            }

            StreamMarker.WriteMetadata(marker, (ulong)(table.Length / Sector), StreamMarkerType.GrainTable);
            Append(marker);
            BinaryPrimitives.WriteUInt32LittleEndian(directory.AsSpan((int)(group.Key * 4)), (uint)_nextSector);
            Append(table);
        }

        StreamMarker.WriteMetadata(marker, (ulong)(directory.Length / Sector), StreamMarkerType.GrainDirectory);
        Append(marker);
        long gdSector = _nextSector;
        Append(directory);

        StreamMarker.WriteMetadata(marker, 1, StreamMarkerType.Footer);
        Append(marker);
        var footer = new byte[Sector];
        Header((ulong)gdSector).Write(footer);
        Append(footer);
        Array.Clear(marker);
        Append(marker); // end of stream

        var head = new byte[(1 + DescriptorSectors) * Sector];
        Header(SparseExtentHeader.GdAtEnd).Write(head);
        _descriptor.CopyTo(head, Sector);
        RandomAccess.Write(_file, head, 0);
        RandomAccess.SetLength(_file, _nextSector * Sector);
    }

    public void Dispose()
    {
        // The file handle belongs to the caller; unwritten chunks give their segments back.
        lock (_gate)
        {
            foreach (var chunk in _waiting.Values)
            {
                chunk.Data.Release();
            }

            _waiting.Clear();
        }
    }

    private SparseExtentHeader Header(ulong gdOffset) => new(
        Version: 3,
        Flags: SparseExtentHeader.FlagValidNewlineTest | SparseExtentHeader.FlagCompressedGrains | SparseExtentHeader.FlagMarkers,
        Capacity: (ulong)_sectors,
        GrainSize: GrainSectors,
        DescriptorOffset: 1,
        DescriptorSize: DescriptorSectors,
        NumGTEsPerGT: EntriesPerTable,
        RgdOffset: 0,
        GdOffset: gdOffset,
        OverHead: 1 + DescriptorSectors,
        UncleanShutdown: false,
        CompressAlgorithm: SparseExtentHeader.CompressionDeflate);

    /// <summary>
    /// Under the lock: gives every waiting chunk below the in-order coverage, lowest first, its place
    /// in the file. The chunks are written after the lock is released (their places are fixed, so
    /// the writes may overlap), which keeps a worker's file write from stalling every other worker.
    /// </summary>
    private List<(long Sector, CompressedChunk Chunk)>? TakeReady()
    {
        List<(long, CompressedChunk)>? ready = null;
        while (_waiting.Count > 0)
        {
            var first = _waiting.First();
            if (first.Key >= _covered)
            {
                break;
            }

            _waiting.Remove(first.Key);
            var chunk = first.Value;
            long start = _nextSector;
            Advance(chunk.Data.Length / Sector);
            foreach (var (grain, offset, _) in chunk.Grains)
            {
                _grains[grain] = (uint)(start + offset / Sector);
            }

            (ready ??= []).Add((start, chunk));
        }

        return ready;
    }

    private void WriteOut(List<(long Sector, CompressedChunk Chunk)>? ready)
    {
        foreach (var (sector, chunk) in ready ?? [])
        {
            chunk.Data.WriteTo(_file, sector * Sector);
            chunk.Data.Release();
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        long at = _nextSector;
        Advance(bytes.Length / Sector);
        RandomAccess.Write(_file, bytes, at * Sector);
    }

    /// <summary>
    /// Grain tables and the directory hold 32-bit sector numbers: past 2 TiB of file (nearly 2 TiB
    /// of data that would not compress) they would wrap and point at earlier grains.
    /// </summary>
    private void Advance(long sectors)
    {
        if (_nextSector + sectors > MaxSector)
        {
            throw new UnsupportedFormatException(_fileName, "the streamOptimized file would grow past 2 TiB, more than its 32-bit sector numbers address (the data does not compress); write a VHDX instead");
        }

        _nextSector += sectors;
    }

    /// <summary>One past the last sector a grain table can name (lowered by tests).</summary>
    internal long MaxSector { get; init; } = 1L << 32;

    /// <summary>
    /// zlib (RFC 1950), what ESXi and every reader expect in a grain. Grains whose bytes look random
    /// (encrypted or already compressed data) are stored in zlib's uncompressed blocks: deflating
    /// them costs a millisecond each and makes them 5 % larger.
    /// </summary>
    private static int Compress(ReadOnlySpan<byte> grain, byte[] destination, int at)
    {
        using var output = new MemoryStream(destination, at, destination.Length - at, writable: true);
        var level = LooksRandom(grain) ? CompressionLevel.NoCompression : CompressionLevel.Fastest;
        using (var zlib = new ZLibStream(output, level, leaveOpen: true))
        {
            zlib.Write(grain);
        }

        return (int)output.Position;
    }

    // The entropy estimate looks at 4096 bytes of a grain, in four runs of 1 KiB spread over it
    // (runs, not single bytes, so it reads 64 cache lines rather than all of them). Uniform random
    // data then estimates at about 7.95 bits per byte (the estimate's bias is 255 / (2 n ln 2)),
    // clear of the 7.9 threshold, and the test costs a microsecond or two per grain.
    private const int SampleRuns = 4;
    private const int SampleRunBytes = 1024;
    private const int EntropySamples = SampleRuns * SampleRunBytes;

    /// <summary>True when the byte histogram of the samples is close to flat (above 7.9 bits per byte): deflate would only waste time.</summary>
    private static bool LooksRandom(ReadOnlySpan<byte> grain)
    {
        if (grain.Length < EntropySamples)
        {
            return false;
        }

        // Four histograms, summed at the end, so consecutive equal bytes do not wait on each other's store.
        Span<int> counts = stackalloc int[4 * 256];
        for (int run = 0; run < SampleRuns; run++)
        {
            var bytes = grain.Slice(run * (grain.Length / SampleRuns), SampleRunBytes);
            for (int i = 0; i < SampleRunBytes; i += 4)
            {
                counts[bytes[i]]++;
                counts[256 + bytes[i + 1]]++;
                counts[512 + bytes[i + 2]]++;
                counts[768 + bytes[i + 3]]++;
            }
        }

        double entropy = 0;
        for (int value = 0; value < 256; value++)
        {
            int count = counts[value] + counts[256 + value] + counts[512 + value] + counts[768 + value];
            if (count > 0)
            {
                double p = (double)count / EntropySamples;
                entropy -= p * Math.Log2(p);
            }
        }

        return entropy > 7.9;
    }
}
