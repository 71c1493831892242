using System.Diagnostics;
using System.Threading.Channels;
using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// One pass over a disk: producer → jobs channel → N workers → outcomes channel → digest.
/// Each worker runs a job's fill into a pooled buffer, lets the optional
/// <see cref="PipelineOptions.Transform"/> rewrite it, drops it if it is all zero, hashes it,
/// writes it to every target (a tee: targets take concurrent writes) and returns the buffer; only
/// the chunk's hash travels on to the digest, which folds hashes in disk order. The pool is the memory
/// bound, and a window keeps workers from running more than that many chunks ahead of the first
/// one not yet done: targets that write in disk order (streamOptimized VMDK) hold every chunk
/// after a stalled one. The first failure anywhere cancels every stage.
/// </summary>
public static class BlockPipeline
{
    public static async Task<PipelineResult> RunAsync(
        IChunkProducer producer,
        IReadOnlyList<IDiskTarget> targets,
        PipelineOptions options,
        IProgress<PipelineProgress>? progress,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        EnsureThreads(options.Workers + 3);
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failure.Token;
        var pool = new ChunkPool(options.BuffersInFlight);
        var jobs = Channel.CreateBounded<ChunkJob>(new BoundedChannelOptions(options.Workers * 2) { SingleWriter = true });
        var outcomes = Channel.CreateBounded<ChunkOutcome>(new BoundedChannelOptions(options.BuffersInFlight) { SingleReader = true });
        using var digest = new ContentDigest(options.Digest, options.KeepPieceHashes);
        using var window = new SemaphoreSlim(options.BuffersInFlight);
        long dataBytesRead = 0;
        long zeroBytesDropped = 0;

        // A stage that fails cancels the others; every stage completes its output channel on the
        // way out, so nothing waits forever on a stage that died.
        async Task Stage(Func<Task> body, Action? complete = null)
        {
            try
            {
                await body().ConfigureAwait(false);
            }
            catch
            {
                await failure.CancelAsync().ConfigureAwait(false);
                throw;
            }
            finally
            {
                complete?.Invoke();
            }
        }

        var producing = Task.Run(() => Stage(() => producer.ProduceAsync(jobs.Writer, token), () => jobs.Writer.TryComplete()), token);

        var workers = Task.WhenAll(Enumerable.Range(0, options.Workers).Select(_ => Task.Run(() => Stage(async () =>
        {
            // A slot is taken before a job, so jobs start in disk order and the first chunk not
            // yet folded is always among those started: the window cannot deadlock.
            while (true)
            {
                await window.WaitAsync(token).ConfigureAwait(false);
                ChunkJob job;
                while (!jobs.Reader.TryRead(out job))
                {
                    if (!await jobs.Reader.WaitToReadAsync(token).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                var outcome = await ProcessAsync(job).ConfigureAwait(false);
                await outcomes.Writer.WriteAsync(outcome, token).ConfigureAwait(false);
            }
        }), token)));
        var working = workers.ContinueWith(_ => outcomes.Writer.TryComplete(), TaskScheduler.Default);

        var folding = Task.Run(() => Stage(async () =>
        {
            long lastReport = 0;
            long done = 0;
            await foreach (var outcome in outcomes.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                long folded = digest.Folded;
                digest.Add(outcome);
                if (digest.Folded > folded)
                {
                    window.Release((int)(digest.Folded - folded));
                }

                foreach (var target in targets)
                {
                    target.Covered(digest.Covered);
                }

                done += outcome.IsZero ? 0 : outcome.Length;
                if (progress is not null && clock.ElapsedMilliseconds - lastReport >= options.ProgressInterval.TotalMilliseconds)
                {
                    lastReport = clock.ElapsedMilliseconds;
                    progress.Report(new PipelineProgress(Volatile.Read(ref dataBytesRead), producer.DataBytes, digest.Covered, producer.Length));
                }
            }

            progress?.Report(new PipelineProgress(Volatile.Read(ref dataBytesRead), producer.DataBytes, digest.Covered, producer.Length));
        }), token);

        Task[] all = [producing, workers, working, folding];
        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
        }
        catch
        {
            throw FirstRealFailure(all, cancellationToken);
        }

        return new PipelineResult(digest.Finish(producer.Length), producer.Length, dataBytesRead, zeroBytesDropped, clock.Elapsed) { Pieces = digest.Pieces };

        // One job, in the order the data takes: fill → transform → zero check → hash → write.
        async ValueTask<ChunkOutcome> ProcessAsync(ChunkJob job)
        {
            if (job.Fill is not { } fill)
            {
                return ChunkOutcome.Zero(job.Sequence, job.Offset, job.Length);
            }

            int length = (int)job.Length;
            var buffer = await pool.RentAsync(token).ConfigureAwait(false);
            try
            {
                var chunk = buffer.Data.AsSpan(0, length);
                fill.Fill(job.Offset, chunk);
                Interlocked.Add(ref dataBytesRead, length);

                // The one place a chunk's bytes may change between source and targets.
                options.Transform?.Transform(job.Offset, chunk);

                if (!chunk.ContainsAnyExcept((byte)0))
                {
                    Interlocked.Add(ref zeroBytesDropped, length);
                    return ChunkOutcome.Zero(job.Sequence, job.Offset, length);
                }

                PieceHash hash = default;
                options.Digest.HashPiece(chunk, hash);
                foreach (var target in targets)
                {
                    target.Write(job.Offset, chunk);
                }

                return new ChunkOutcome(job.Sequence, job.Offset, length, false, hash);
            }
            finally
            {
                buffer.Release();
            }
        }
    }

    /// <summary>
    /// A digest-only pass (no targets) over what <paramref name="source"/> holds, used by
    /// verification and <c>v2v info --digest</c>: no transform runs, whatever the options say.
    /// </summary>
    public static Task<PipelineResult> DigestAsync(IDiskSource source, long length, PipelineOptions options, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken) =>
        RunAsync(new RandomAccessProducer(source, length), [], options with { Transform = null }, progress, cancellationToken);

    /// <summary>
    /// Workers block in reads, hashing and writes; without enough pool threads the producer and the
    /// digest wait for the pool's slow thread injection and the copy stalls.
    /// </summary>
    private static void EnsureThreads(int needed)
    {
        ThreadPool.GetMinThreads(out int workerThreads, out int ioThreads);
        if (workerThreads < needed)
        {
            ThreadPool.SetMinThreads(needed, ioThreads);
        }
    }

    private static Exception FirstRealFailure(IEnumerable<Task> tasks, CancellationToken userToken)
    {
        var errors = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.Flatten().InnerExceptions).ToList();
        return errors.FirstOrDefault(e => e is not OperationCanceledException)
            ?? new OperationCanceledException("conversion cancelled", null, userToken);
    }
}
