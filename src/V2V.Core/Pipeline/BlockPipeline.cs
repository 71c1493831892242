using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using V2V.Core.Disks;

namespace V2V.Core.Pipeline;

/// <summary>
/// One pass over a disk: producer → jobs channel → N workers (read, zero check, SHA-256) →
/// blocks channel → dispatcher (digest in disk order, progress, tee) → one writer per target.
/// Every channel is bounded and every buffer comes from a fixed pool, so memory is flat; the
/// first failure anywhere cancels every stage.
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
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = failure.Token;
        var pool = new ChunkPool(options.BuffersInFlight);
        var jobs = Channel.CreateBounded<BlockJob>(new BoundedChannelOptions(options.Workers * 2) { SingleWriter = true });
        var blocks = Channel.CreateBounded<DiskBlock>(new BoundedChannelOptions(options.Workers * 2) { SingleReader = true });
        var targetQueues = targets.Select(_ => Channel.CreateBounded<DiskBlock>(
            new BoundedChannelOptions(options.BuffersInFlight) { SingleReader = true, SingleWriter = true })).ToArray();
        using var digest = new ContentDigest();
        long dataBytesRead = 0;
        long zeroBytesDropped = 0;

        // Each stage completes its output channel on the way out, failed or not, so no stage
        // waits forever on one that died; the first exception cancels the others.
        async Task Stage(Func<Task> body, ChannelWriter<BlockJob>? jobsOut = null, ChannelWriter<DiskBlock>? blocksOut = null)
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
                jobsOut?.TryComplete();
                blocksOut?.TryComplete();
            }
        }

        var producing = Task.Run(() => Stage(() => producer.ProduceAsync(jobs.Writer, pool, token), jobsOut: jobs.Writer), token);

        var working = Task.WhenAll(Enumerable.Range(0, options.Workers).Select(_ => Task.Run(() => Stage(async () =>
        {
            await foreach (var job in jobs.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                var block = await ProcessAsync(job).ConfigureAwait(false);
                await blocks.Writer.WriteAsync(block, token).ConfigureAwait(false);
            }
        }), token)));
        var workersDone = working.ContinueWith(_ => blocks.Writer.TryComplete(), TaskScheduler.Default);

        var dispatching = Task.Run(() => Stage(async () =>
        {
            long lastReport = 0;
            long done = 0;
            await foreach (var block in blocks.Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                digest.Add(block);
                if (!block.IsZero)
                {
                    done += block.Length;
                    block.Buffer!.SetHolders(Math.Max(1, targetQueues.Length));
                    if (targetQueues.Length == 0)
                    {
                        block.Buffer.Release();
                    }

                    foreach (var queue in targetQueues)
                    {
                        await queue.Writer.WriteAsync(block, token).ConfigureAwait(false);
                    }
                }

                if (progress is not null && clock.ElapsedMilliseconds - lastReport >= options.ProgressInterval.TotalMilliseconds)
                {
                    lastReport = clock.ElapsedMilliseconds;
                    progress.Report(new PipelineProgress(done, producer.DataBytes, digest.Covered, producer.Length));
                }
            }

            foreach (var queue in targetQueues)
            {
                queue.Writer.TryComplete();
            }

            progress?.Report(new PipelineProgress(done, producer.DataBytes, digest.Covered, producer.Length));
        }), token);

        var writing = targets.Select((target, i) => Task.Run(() => Stage(async () =>
        {
            await foreach (var block in targetQueues[i].Reader.ReadAllAsync(token).ConfigureAwait(false))
            {
                target.Write(block.Offset, block.Span);
                block.Buffer!.Release();
            }
        }), token)).ToArray();

        var all = new List<Task> { producing, working, workersDone, dispatching };
        all.AddRange(writing);
        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
        }
        catch
        {
            foreach (var queue in targetQueues)
            {
                queue.Writer.TryComplete();
            }

            throw FirstRealFailure(all, cancellationToken);
        }

        return new PipelineResult(digest.Finish(producer.Length), producer.Length, dataBytesRead, zeroBytesDropped, clock.Elapsed);

        async ValueTask<DiskBlock> ProcessAsync(BlockJob job)
        {
            if (job.Kind == BlockJobKind.Zero)
            {
                return DiskBlock.Zero(job.Sequence, job.Offset, job.Length);
            }

            int length = (int)job.Length;
            var buffer = job.Buffer ?? await pool.RentAsync(token).ConfigureAwait(false);
            var data = buffer.Data.AsSpan(0, length);
            if (job.Kind == BlockJobKind.Read)
            {
                producer.Read(job.Offset, data);
            }

            Interlocked.Add(ref dataBytesRead, length);
            if (!data.ContainsAnyExcept((byte)0))
            {
                Interlocked.Add(ref zeroBytesDropped, length);
                buffer.Release();
                return DiskBlock.Zero(job.Sequence, job.Offset, length);
            }

            Sha256Hash hash = default;
            SHA256.HashData(data, hash);
            return DiskBlock.Data(job.Sequence, job.Offset, length, buffer, hash);
        }
    }

    /// <summary>A digest-only pass (no targets), used by verification and <c>v2v info --digest</c>.</summary>
    public static Task<PipelineResult> DigestAsync(IDiskSource source, long length, PipelineOptions options, IProgress<PipelineProgress>? progress, CancellationToken cancellationToken) =>
        RunAsync(new RandomAccessProducer(source, length), [], options, progress, cancellationToken);

    private static Exception FirstRealFailure(IEnumerable<Task> tasks, CancellationToken userToken)
    {
        var errors = tasks.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.Flatten().InnerExceptions).ToList();
        var real = errors.FirstOrDefault(e => e is not OperationCanceledException);
        if (real is not null)
        {
            return real;
        }

        return new OperationCanceledException("conversion cancelled", null, userToken);
    }
}
