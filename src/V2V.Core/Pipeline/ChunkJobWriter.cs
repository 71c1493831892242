using System.Threading.Channels;

namespace V2V.Core.Pipeline;

/// <summary>
/// The one way a producer emits its jobs. The producer names the data chunks in ascending disk
/// order; the writer numbers the jobs from 0, emits one zero job for every gap between data
/// chunks and one for the tail at <see cref="CompleteAsync"/>, so the jobs cover
/// <c>[0, Length)</c> exactly once. A data chunk sits at a multiple of <see cref="Chunk.Size"/>
/// and is <see cref="Chunk.Size"/> long, except the disk's last chunk, which ends at
/// <c>Length</c>. An offset that is not chunk-aligned, goes backwards or passes the end is a
/// producer bug (<see cref="InvalidOperationException"/>): producers check what they read from a
/// file before it gets here and report a bad file as such.
/// </summary>
public sealed class ChunkJobWriter
{
    private readonly ChannelWriter<ChunkJob> _jobs;
    private long _sequence;
    private bool _completed;

    public ChunkJobWriter(ChannelWriter<ChunkJob> jobs, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _jobs = jobs;
        Length = length;
    }

    /// <summary>Bytes of the disk the jobs cover once complete.</summary>
    private long Length { get; }

    /// <summary>Bytes from the start of the disk the jobs emitted so far cover (a chunk boundary, or <see cref="Length"/>).</summary>
    public long Covered { get; private set; }

    /// <summary>Length of the data chunk at <paramref name="offset"/>: a whole chunk, or what is left of the disk.</summary>
    private long ChunkLength(long offset) => Math.Min(Chunk.Size, Length - offset);

    /// <summary>
    /// Emits the data chunk at <paramref name="offset"/>, after a zero job for the chunks between
    /// the previous data chunk and this one.
    /// </summary>
    public async ValueTask WriteAsync(long offset, IChunkFill fill, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fill);
        if (_completed || offset % Chunk.Size != 0 || offset < Covered || offset >= Length)
        {
            throw new InvalidOperationException(
                $"data chunk at offset {offset} is not a chunk-aligned offset at or after {Covered} and before {Length}{(_completed ? " (the jobs are complete)" : "")}");
        }

        if (offset > Covered)
        {
            await _jobs.WriteAsync(new ChunkJob(_sequence++, Covered, offset - Covered, null), cancellationToken).ConfigureAwait(false);
        }

        long length = ChunkLength(offset);
        await _jobs.WriteAsync(new ChunkJob(_sequence++, offset, length, fill), cancellationToken).ConfigureAwait(false);
        Covered = offset + length;
    }

    /// <summary>Emits a zero job for the rest of the disk after the last data chunk; no job may follow.</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        if (!_completed && Covered < Length)
        {
            await _jobs.WriteAsync(new ChunkJob(_sequence++, Covered, Length - Covered, null), cancellationToken).ConfigureAwait(false);
            Covered = Length;
        }

        _completed = true;
    }
}
