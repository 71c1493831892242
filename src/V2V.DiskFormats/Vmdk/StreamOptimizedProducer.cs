using System.Buffers;
using System.Threading.Channels;
using V2V.Core.Errors;
using V2V.Core.Pipeline;

namespace V2V.DiskFormats.Vmdk;

/// <summary>
/// Reads a streamOptimized VMDK front to back from a stream that cannot seek (an OVA member, a
/// pipe): markers in file order, compressed grains gathered per 1 MiB chunk and handed to the
/// pipeline's workers, which inflate them in parallel. Grains must come in ascending LBA order,
/// as VMware, ovftool, VirtualBox and qemu write them. Metadata (grain tables, directory, footer)
/// is skipped: the markers carry every grain's LBA. VMware's layout (directory at the end) must
/// finish with an end-of-stream marker; qemu-img's (directory at the front) simply ends after its
/// last grain, so there the end of the file at a marker boundary is the end of the disk.
/// </summary>
public sealed class StreamOptimizedProducer : IChunkProducer
{
    private const int Sector = 512;

    private readonly Stream _input;
    private readonly string _name;
    private readonly long _grainBytes;
    private long _position; // bytes consumed from the input

    private StreamOptimizedProducer(Stream input, string name, SparseExtentHeader header, VmdkDescriptor? descriptor, long consumed)
    {
        _input = input;
        _name = name;
        Header = header;
        Descriptor = descriptor;
        _grainBytes = (long)header.GrainSize * Sector;
        _position = consumed;
        Length = (long)header.Capacity * Sector;
    }

    public SparseExtentHeader Header { get; }
    public VmdkDescriptor? Descriptor { get; }
    public long Length { get; }
    public long? DataBytes => null;

    /// <summary>Reads the header and embedded descriptor; the grains are read by <see cref="ProduceAsync"/>.</summary>
    public static StreamOptimizedProducer Start(Stream input, string name)
    {
        var header = new byte[Sector];
        ReadFully(input, name, header, "sparse header");
        if (!SparseExtentHeader.HasMagic(header))
        {
            throw new UnsupportedFormatException(name, "is not a streamOptimized VMDK (no \"KDMV\" header); only streamOptimized disks can be read as the package streams past");
        }

        var parsed = SparseExtentHeader.Read(header);
        if (!parsed.IsCompressed || !parsed.HasMarkers)
        {
            throw new UnsupportedFormatException(name, "is a sparse VMDK without compressed grains and markers; only streamOptimized disks can be read as the package streams past");
        }

        if (parsed.GrainSize < 8 || parsed.GrainSize > 2048 || !Common.Alignment.IsPowerOfTwo((long)parsed.GrainSize))
        {
            throw new InvalidImageException(name, $"grain size {parsed.GrainSize} sectors is not a power of two from 8 to 2048");
        }

        if (parsed.Capacity == 0 || parsed.Capacity > 1UL << 37)
        {
            throw new InvalidImageException(name, $"capacity {parsed.Capacity} sectors is zero or more than 64 TiB");
        }

        long consumed = Sector;
        VmdkDescriptor? descriptor = null;
        if (parsed.DescriptorOffset > 0 && parsed.DescriptorSize > 0)
        {
            if (parsed.DescriptorOffset < 1 || parsed.DescriptorSize > VmdkDescriptor.MaxLength / Sector || parsed.DescriptorOffset > 1 << 20)
            {
                throw new InvalidImageException(name, $"embedded descriptor at sector {parsed.DescriptorOffset} of {parsed.DescriptorSize} sectors is out of bounds");
            }

            Skip(input, name, ((long)parsed.DescriptorOffset - 1) * Sector);
            var text = new byte[parsed.DescriptorSize * Sector];
            ReadFully(input, name, text, "embedded descriptor");
            descriptor = VmdkDescriptor.Parse(name, text);
            consumed = ((long)parsed.DescriptorOffset + (long)parsed.DescriptorSize) * Sector;
        }

        if (parsed.OverHead > 0 && (long)parsed.OverHead * Sector > consumed)
        {
            if (parsed.OverHead > 1 << 24)
            {
                throw new InvalidImageException(name, $"overHead of {parsed.OverHead} sectors is out of bounds");
            }

            Skip(input, name, (long)parsed.OverHead * Sector - consumed);
            consumed = (long)parsed.OverHead * Sector;
        }

        return new StreamOptimizedProducer(input, name, parsed, descriptor, consumed);
    }

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, CancellationToken cancellationToken)
    {
        var writer = new ChunkJobWriter(jobs, Length);
        CompressedChunk? current = null;
        var sector = new byte[Sector];
        long lastLba = -1;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ReadMarker(sector))
            {
                break;
            }

            var marker = StreamMarker.Read(sector);
            if (!marker.IsGrain)
            {
                if (marker.Type == StreamMarkerType.EndOfStream)
                {
                    break;
                }

                if (marker.NumSectors > 1 << 24)
                {
                    throw new InvalidImageException(_name, $"metadata marker at byte {_position - Sector} claims {marker.NumSectors} sectors");
                }

                Skip(_input, _name, (long)marker.NumSectors * Sector, ref _position);
                continue;
            }

            // Checked in sectors before multiplying: a huge LBA times 512 wraps to a small or negative offset.
            if (marker.Value >= (ulong)(Length / Sector))
            {
                throw new InvalidImageException(_name, $"grain marker at byte {_position - Sector} has LBA {marker.Value}, past the end of the {Length}-byte disk");
            }

            long lba = (long)marker.Value;
            long offset = lba * Sector;
            if (lba <= lastLba || offset % _grainBytes != 0)
            {
                throw new InvalidImageException(_name, $"grain marker at byte {_position - Sector} has LBA {lba}: grains must be grain-aligned and in ascending order");
            }

            if (marker.Size > _grainBytes * 2 + 1024)
            {
                throw new InvalidImageException(_name, $"compressed grain at LBA {lba} claims {marker.Size} bytes, more than a grain can compress to");
            }

            lastLba = lba;
            long chunkStart = offset / Chunk.Size * Chunk.Size;
            if (current is not null && current.Offset != chunkStart)
            {
                await writer.WriteAsync(current.Offset, current, cancellationToken).ConfigureAwait(false);
                current = null;
            }

            current ??= new CompressedChunk(_name, chunkStart, (int)(_grainBytes * 2 + 1024) * Math.Max(1, (int)(Chunk.Size / _grainBytes)), (int)_grainBytes);

            // The marker's sector holds the first 500 bytes of compressed data; the rest follows, padded to a sector.
            int size = (int)marker.Size;
            int total = (int)((StreamMarker.GrainHeaderSize + size + Sector - 1) / Sector * Sector);
            var data = current.Reserve(size);
            int inFirst = Math.Min(size, Sector - StreamMarker.GrainHeaderSize);
            sector.AsSpan(StreamMarker.GrainHeaderSize, inFirst).CopyTo(data);
            ReadFully(_input, _name, data[inFirst..], $"compressed grain at LBA {lba}", ref _position);
            Skip(_input, _name, total - Sector - (size - inFirst), ref _position);
            current.Add((int)(offset - chunkStart), (int)Math.Min(_grainBytes, Length - offset), size, lba);
        }

        if (current is not null)
        {
            await writer.WriteAsync(current.Offset, current, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);

        // Whatever follows the end-of-stream marker still belongs to the file (and to its manifest digest).
        _input.CopyTo(Stream.Null);
    }

    /// <summary>Reads the next marker sector; false at a clean end of a qemu-layout stream.</summary>
    private bool ReadMarker(byte[] sector)
    {
        int first = _input.Read(sector);
        if (first == 0 && Header.GdOffset != SparseExtentHeader.GdAtEnd)
        {
            return false;
        }

        _position += first;
        ReadFully(_input, _name, sector.AsSpan(first), $"marker at byte {_position - first}", ref _position);
        return true;
    }

    private static void ReadFully(Stream input, string name, Span<byte> buffer, string what)
    {
        long ignored = 0;
        ReadFully(input, name, buffer, what, ref ignored);
    }

    private static void ReadFully(Stream input, string name, Span<byte> buffer, string what, ref long position)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int got = input.Read(buffer[done..]);
            if (got == 0)
            {
                throw new InvalidImageException(name, $"truncated: the stream ends inside the {what} (no end-of-stream marker)");
            }

            done += got;
        }

        position += done;
    }

    private static void Skip(Stream input, string name, long bytes)
    {
        long ignored = 0;
        Skip(input, name, bytes, ref ignored);
    }

    private static void Skip(Stream input, string name, long bytes, ref long position)
    {
        Span<byte> scratch = stackalloc byte[4096];
        while (bytes > 0)
        {
            int got = input.Read(scratch[..(int)Math.Min(scratch.Length, bytes)]);
            if (got == 0)
            {
                throw new InvalidImageException(name, "truncated: the stream ends inside metadata (no end-of-stream marker)");
            }

            bytes -= got;
            position += got;
        }
    }

    /// <summary>The compressed grains of one 1 MiB chunk, inflated by a worker into the chunk buffer.</summary>
    private sealed class CompressedChunk(string name, long offset, int capacity, int grainBytes) : IChunkFill
    {
        private readonly byte[] _data = ArrayPool<byte>.Shared.Rent(capacity);
        private readonly List<(int At, int GrainLength, int Start, int Size, long Lba)> _grains = new(16);
        private int _used;

        public long Offset => offset;

        public Span<byte> Reserve(int size)
        {
            if (_used + size > _data.Length)
            {
                throw new InvalidImageException(name, $"compressed grains of the chunk at {offset} do not fit their bound");
            }

            return _data.AsSpan(_used, size);
        }

        public void Add(int at, int grainLength, int size, long lba)
        {
            _grains.Add((at, grainLength, _used, size, lba));
            _used += size;
        }

        public void Fill(long chunkOffset, Span<byte> chunk)
        {
            try
            {
                chunk.Clear();
                foreach (var (at, grainLength, start, size, lba) in _grains)
                {
                    if (grainLength == grainBytes)
                    {
                        GrainInflater.Inflate(name, _data, start, size, chunk.Slice(at, grainLength), lba);
                        continue;
                    }

                    // The disk ends inside this grain: it may still inflate to a whole (zero-padded) grain.
                    byte[] whole = ArrayPool<byte>.Shared.Rent(grainBytes);
                    try
                    {
                        int inflated = GrainInflater.Inflate(name, _data, start, size, whole.AsSpan(0, grainBytes), lba);
                        whole.AsSpan(0, Math.Min(inflated, grainLength)).CopyTo(chunk.Slice(at, grainLength));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(whole);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(_data);
            }
        }
    }
}
