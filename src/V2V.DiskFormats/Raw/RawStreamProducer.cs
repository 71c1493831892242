using System.Buffers;
using System.Threading.Channels;
using V2V.Core.Errors;
using V2V.Core.Pipeline;

namespace V2V.DiskFormats.Raw;

/// <summary>
/// A raw disk read front to back from a stream that cannot seek (a package member on standard
/// input): exactly <see cref="Length"/> bytes, cut into 1 MiB chunks that the workers copy, zero-check
/// and hash, then <c>trailerLength</c> more bytes (0, or 512 for a fixed VHD's footer), then the end
/// of the stream. The member's last 512 bytes (the trailer, or the data's last sector) go to
/// <c>checkTail</c> before the disk's last chunk is handed over: a tail that disagrees with what the
/// disk was taken for fails the run before anything can be put in place. A stream that ends early
/// or runs on is a bad file (<see cref="InvalidImageException"/>).
/// </summary>
public sealed class RawStreamProducer(Stream input, string name, long length, int trailerLength, Action<ReadOnlySpan<byte>> checkTail) : IChunkProducer
{
    /// <summary>Bytes handed to the tail check: a VHD footer's size.</summary>
    public const int TailSize = 512;

    public long Length => length;
    public long? DataBytes => null;

    public async Task ProduceAsync(ChannelWriter<ChunkJob> jobs, CancellationToken cancellationToken)
    {
        var writer = new ChunkJobWriter(jobs, Length);
        var tail = new byte[TailSize];
        int tailFilled = 0;
        CopiedChunk? held = null; // the latest chunk, handed over once the next one (or the tail check) is through

        for (long offset = 0; offset < Length; offset += Chunk.Size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int want = (int)Math.Min(Chunk.Size, Length - offset);
            byte[] data = ArrayPool<byte>.Shared.Rent(Chunk.Size);
            ReadFully(data.AsSpan(0, want), offset);
            Remember(tail, ref tailFilled, data.AsSpan(0, want));
            if (held is not null)
            {
                await writer.WriteAsync(held.Offset, held, cancellationToken).ConfigureAwait(false);
            }

            held = new CopiedChunk(offset, data, want);
        }

        if (trailerLength > 0)
        {
            var trailer = new byte[trailerLength];
            ReadFully(trailer, Length);
            Remember(tail, ref tailFilled, trailer);
        }

        if (input.Read(new byte[1]) > 0)
        {
            throw new InvalidImageException(name, $"holds more than the {Length + trailerLength} bytes its size promised");
        }

        checkTail(tail.AsSpan(TailSize - tailFilled));
        if (held is not null)
        {
            await writer.WriteAsync(held.Offset, held, cancellationToken).ConfigureAwait(false);
        }

        await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ReadFully(Span<byte> buffer, long at)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int got = input.Read(buffer[done..]);
            if (got == 0)
            {
                throw new InvalidImageException(name, $"truncated: the stream ends at byte {at + done}, short of the {Length + trailerLength} bytes its size promised");
            }

            done += got;
        }
    }

    /// <summary>Keeps the last <see cref="TailSize"/> bytes seen, right-aligned in <paramref name="tail"/>.</summary>
    private static void Remember(byte[] tail, ref int filled, ReadOnlySpan<byte> read)
    {
        if (read.Length >= TailSize)
        {
            read[^TailSize..].CopyTo(tail);
            filled = TailSize;
            return;
        }

        tail.AsSpan(read.Length).CopyTo(tail);
        read.CopyTo(tail.AsSpan(TailSize - read.Length));
        filled = Math.Min(TailSize, filled + read.Length);
    }

    /// <summary>One chunk's bytes as read, copied into the pipeline's buffer by a worker.</summary>
    private sealed class CopiedChunk(long offset, byte[] data, int length) : IChunkFill
    {
        public long Offset => offset;

        public void Fill(long chunkOffset, Span<byte> chunk)
        {
            try
            {
                data.AsSpan(0, length).CopyTo(chunk);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }
    }
}
