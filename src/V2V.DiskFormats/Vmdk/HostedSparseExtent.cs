using System.Buffers;
using System.Buffers.Binary;
using V2V.Core.Disks;
using V2V.Core.Errors;
using V2V.DiskFormats.Common;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// A hosted sparse extent ("KDMV"): monolithicSparse, twoGbMaxExtentSparse pieces and
/// streamOptimized (compressed grains, GD at the front as qemu writes it or at the end behind a
/// footer as VMware writes it). Grain tables are loaded on demand through a small cache, and
/// every sector number read from the file is checked against the file's size before use.
/// </summary>
public sealed class HostedSparseExtent : GrainTableExtent<uint>
{
    private const int Sector = SparseExtentHeader.SectorSize;

    /// <summary>16 Mi entries (64 MiB): room for 64 TiB even in tables covering an eighth of VMware's 32 MiB.</summary>
    private const long MaxDirectoryEntries = 1 << 24;

    private readonly uint[] _directory;
    private readonly TableCache<uint> _tables;
    private readonly long _grainBytes;

    private HostedSparseExtent(ImageFile file, SparseExtentHeader header, uint[] directory, long length)
        : base(file, (long)header.GrainSize * Sector, (int)header.NumGTEsPerGT, directory.Length, length)
    {
        Header = header;
        _directory = directory;
        _grainBytes = (long)header.GrainSize * Sector;
        _tables = new TableCache<uint>(LoadTable);
    }

    public SparseExtentHeader Header { get; }

    /// <summary>Opens the extent; <paramref name="length"/> is what the descriptor says it covers.</summary>
    public static HostedSparseExtent Open(ImageFile file, long length)
    {
        var raw = new byte[SparseExtentHeader.Size];
        file.ReadExactly(0, raw, "sparse extent header");
        if (!SparseExtentHeader.HasMagic(raw))
        {
            throw new InvalidImageException(file.Path, "sparse extent has no \"KDMV\" magic");
        }

        var header = SparseExtentHeader.Read(raw);
        if (header.GdOffset == SparseExtentHeader.GdAtEnd)
        {
            // VMware's streamOptimized layout: the real header is the footer at EOF-1024.
            file.ReadExactly(file.Length - 1024, raw, "streamOptimized footer");
            if (!SparseExtentHeader.HasMagic(raw))
            {
                throw new InvalidImageException(file.Path, "streamOptimized file has no footer at 1 KiB before its end (truncated?)");
            }

            header = SparseExtentHeader.Read(raw);
            if (header.GdOffset == SparseExtentHeader.GdAtEnd)
            {
                throw new InvalidImageException(file.Path, "streamOptimized footer does not say where the grain directory is");
            }
        }

        Validate(file, header, length);
        long tableCover = (long)header.GrainSize * Sector * header.NumGTEsPerGT;
        long entries = (length + tableCover - 1) / tableCover;
        var directoryBytes = new byte[entries * 4];
        file.ReadExactly((long)header.GdOffset * Sector, directoryBytes, "grain directory");
        var directory = new uint[entries];
        for (long i = 0; i < entries; i++)
        {
            directory[i] = BinaryPrimitives.ReadUInt32LittleEndian(directoryBytes.AsSpan((int)(i * 4)));
            if (directory[i] != 0 && (long)directory[i] * Sector > file.Length - header.NumGTEsPerGT * 4L)
            {
                throw new InvalidImageException(file.Path, $"grain directory entry {i} points at sector {directory[i]}, past the end of the file");
            }
        }

        return new HostedSparseExtent(file, header, directory, length);
    }

    private static void Validate(ImageFile file, SparseExtentHeader header, long length)
    {
        string path = file.Path;
        if (header.Version is < 1 or > 3)
        {
            throw new UnsupportedFormatException(path, $"sparse extent version {header.Version} (1–3 are known)");
        }

        if (header.GrainSize < 8 || header.GrainSize > 2048 || !Alignment.IsPowerOfTwo((long)header.GrainSize))
        {
            throw new InvalidImageException(path, $"grain size {header.GrainSize} sectors is not a power of two from 8 to 2048");
        }

        if (header.NumGTEsPerGT is < 1 or > 65536 || !Alignment.IsPowerOfTwo(header.NumGTEsPerGT))
        {
            throw new InvalidImageException(path, $"numGTEsPerGT {header.NumGTEsPerGT} is not a power of two up to 65536");
        }

        if (header.Capacity == 0 || header.Capacity > (1UL << 37))
        {
            throw new InvalidImageException(path, $"capacity {header.Capacity} sectors is zero or more than 64 TiB");
        }

        if ((long)header.Capacity * Sector < length)
        {
            throw new InvalidImageException(path, $"header capacity {header.Capacity} sectors is smaller than the descriptor's extent ({length / Sector} sectors)");
        }

        long tableCover = (long)header.GrainSize * Sector * header.NumGTEsPerGT;
        long entries = (length + tableCover - 1) / tableCover;
        if (entries > MaxDirectoryEntries)
        {
            // 64 TiB in VMware's 512-entry tables of 64 KiB grains needs 2 Mi entries.
            throw new InvalidImageException(path, $"grain directory of {entries} entries ({header.NumGTEsPerGT} grains of {header.GrainSize} sectors per table) is larger than any real VMDK's");
        }

        if (header.GdOffset == 0 || header.GdOffset > (ulong)(file.Length / Sector) || (long)header.GdOffset * Sector > file.Length - entries * 4)
        {
            throw new InvalidImageException(path, $"grain directory at sector {header.GdOffset} with {entries} entries does not fit in the file ({file.Length} bytes)");
        }

        if (header.IsCompressed && header.CompressAlgorithm != SparseExtentHeader.CompressionDeflate)
        {
            throw new UnsupportedFormatException(path, $"compression algorithm {header.CompressAlgorithm} (only 1, deflate, exists)");
        }
    }

    protected override RangeKind KindOf(uint entry) => entry switch
    {
        0 => RangeKind.Unallocated,
        1 when Header.HasZeroedGrainGtes => RangeKind.Zero,
        _ => RangeKind.Data,
    };

    protected override uint[]? Table(long index) => _directory[index] == 0 ? null : _tables.Get(index);

    private uint[] LoadTable(long index)
    {
        uint sector = _directory[index];
        int count = (int)Header.NumGTEsPerGT;
        var bytes = new byte[count * 4];
        File.ReadExactly((long)sector * Sector, bytes, $"grain table {index}");
        var entries = new uint[count];
        for (int i = 0; i < count; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i * 4));
            if (entries[i] > 1 && (long)entries[i] * Sector >= File.Length)
            {
                throw new InvalidImageException(File.Path, $"grain table {index} entry {i} points at sector {entries[i]}, past the end of the file ({File.Length} bytes)");
            }

            if (entries[i] == 1 && !Header.HasZeroedGrainGtes)
            {
                throw new InvalidImageException(File.Path, $"grain table {index} entry {i} points at sector 1, inside the header");
            }
        }

        return entries;
    }

    protected override void ReadGrain(uint sector, long grainStart, int inGrain, Span<byte> destination)
    {
        long fileOffset = (long)sector * Sector;
        if (!Header.IsCompressed)
        {
            if (fileOffset + inGrain + destination.Length > File.Length)
            {
                throw new InvalidImageException(File.Path, $"grain at sector {sector} runs past the end of the file");
            }

            File.ReadExactly(fileOffset + inGrain, destination, $"grain at sector {sector}");
            return;
        }

        // A grain inflates to at most a whole grain, even the last one of a disk that ends inside it.
        byte[] compressed = ArrayPool<byte>.Shared.Rent((int)_grainBytes * 2 + 1024);
        byte[]? whole = destination.Length == _grainBytes ? null : ArrayPool<byte>.Shared.Rent((int)_grainBytes);
        try
        {
            Span<byte> head = stackalloc byte[StreamMarker.GrainHeaderSize];
            File.ReadExactly(fileOffset, head, $"grain marker at sector {sector}");
            var marker = StreamMarker.Read(head);
            long lba = grainStart / Sector;
            if (marker.Value != (ulong)lba || marker.Size == 0 || marker.Size > compressed.Length)
            {
                throw new InvalidImageException(File.Path, $"grain marker at sector {sector} says LBA {marker.Value} size {marker.Size}, expected LBA {lba} and a size up to {compressed.Length}");
            }

            File.ReadExactly(fileOffset + StreamMarker.GrainHeaderSize, compressed.AsSpan(0, (int)marker.Size), $"compressed grain at sector {sector}");
            var output = whole is null ? destination : whole.AsSpan(0, (int)_grainBytes);
            int inflated = GrainInflater.Inflate(File.Path, compressed, 0, (int)marker.Size, output, lba);
            output[inflated..].Clear();
            if (whole is not null)
            {
                whole.AsSpan(inGrain, destination.Length).CopyTo(destination);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
            if (whole is not null)
            {
                ArrayPool<byte>.Shared.Return(whole);
            }
        }
    }
}
