using V2V.Core.Pipeline;
using V2V.TestSupport;

namespace V2V.Core.Tests.Pipeline;

public class BlockPipelineTests
{
    private const long MiB = 1024 * 1024;

    private static Task<PipelineResult> Copy(MemoryDisk source, params MemoryDisk[] targets) =>
        BlockPipeline.RunAsync(new RandomAccessProducer(source, source.Capacity), targets, new PipelineOptions(), null, CancellationToken.None);

    [Test]
    public async Task Copies_data_to_every_target_and_drops_zero_chunks()
    {
        var source = new MemoryDisk(64 * MiB);
        var payload = new byte[3 * MiB];
        new Random(1).NextBytes(payload);
        source.Fill(5 * MiB, payload);
        source.Fill(20 * MiB, new byte[MiB]); // stored, but all zero
        var first = new MemoryDisk(64 * MiB);
        var second = new MemoryDisk(64 * MiB);

        var result = await Copy(source, first, second);

        Assert.Multiple(() =>
        {
            Assert.That(first.ReadAll(5 * MiB, payload.Length), Is.EqualTo(payload));
            Assert.That(second.ReadAll(5 * MiB, payload.Length), Is.EqualTo(payload));
            Assert.That(first.Writes, Is.EqualTo(3), "three data chunks, the zero chunk not written");
            Assert.That(result.DataBytesRead, Is.EqualTo(4 * MiB));
            Assert.That(result.ZeroBytesDropped, Is.EqualTo(MiB));
        });
    }

    [Test]
    public async Task A_stalled_chunk_holds_the_others_to_the_window()
    {
        // While chunk 0 is stuck (a disk retrying a sector), the other workers may start at most
        // BuffersInFlight - 1 more chunks; an in-order target would otherwise keep all of them.
        var source = new MemoryDisk(64 * MiB);
        var payload = new byte[64 * MiB];
        new Random(2).NextBytes(payload);
        source.Fill(0, payload);
        using var stuck = new ManualResetEventSlim();
        source.FailRead = offset =>
        {
            if (offset == 0)
            {
                stuck.Wait();
            }

            return null;
        };
        var target = new MemoryDisk(64 * MiB);

        var run = BlockPipeline.RunAsync(new RandomAccessProducer(source, source.Capacity), [target], new PipelineOptions { Workers = 3, BuffersInFlight = 4 }, null, CancellationToken.None);
        await Task.Delay(300);
        int aheadOfTheStall = target.Writes;
        stuck.Set();
        await run;

        Assert.That(aheadOfTheStall, Is.LessThanOrEqualTo(3));
        Assert.That(target.ReadAll(0, payload.Length), Is.EqualTo(payload));
    }

    [Test]
    public async Task Holes_are_never_read()
    {
        var source = new MemoryDisk(1L << 40);
        source.Fill(123 * MiB, new byte[] { 1, 2, 3 });

        await Copy(source, new MemoryDisk(1L << 40));

        // The only chunk read is the one holding the data; its other 255 pages are holes inside it.
        Assert.That(source.HoleReads, Is.LessThanOrEqualTo(256));
    }

    [Test]
    public void A_failing_read_fails_the_run_with_that_error()
    {
        var source = new MemoryDisk(16 * MiB);
        source.Fill(0, new byte[16 * MiB].Select((_, i) => (byte)(i + 1)).ToArray());
        source.FailRead = offset => offset == 7 * MiB ? new IOException("disk fell off") : null;

        var error = Assert.ThrowsAsync<IOException>(() => Copy(source, new MemoryDisk(16 * MiB)));
        Assert.That(error!.Message, Is.EqualTo("disk fell off"));
    }

    [Test]
    public void Cancellation_stops_the_run()
    {
        var source = new MemoryDisk(256 * MiB);
        source.Fill(0, new byte[256 * MiB].Select(_ => (byte)1).ToArray());
        using var cancel = new CancellationTokenSource();
        source.FailRead = offset =>
        {
            if (offset == 10 * MiB)
            {
                cancel.Cancel();
            }

            return null;
        };

        Assert.CatchAsync<OperationCanceledException>(() =>
            BlockPipeline.RunAsync(new RandomAccessProducer(source, source.Capacity), [new MemoryDisk(256 * MiB)], new PipelineOptions(), null, cancel.Token));
    }

    [Test]
    public async Task Memory_stays_within_the_buffer_pool_whatever_the_capacity()
    {
        var options = new PipelineOptions { BuffersInFlight = 8 };

        async Task<long> AllocatedFor(long capacity)
        {
            var source = new MemoryDisk(capacity);
            for (int i = 0; i < 64; i++)
            {
                source.Fill(capacity / 64 * i, new byte[] { 7 });
            }

            var target = new CountingTarget(capacity);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            await BlockPipeline.RunAsync(new RandomAccessProducer(source, capacity), [target], options, null, CancellationToken.None);
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        // 64 data chunks: a pipeline allocating per chunk would need 64 MiB; the pool holds 8.
        long huge = await AllocatedFor(4L << 40);
        Assert.That(huge, Is.LessThan(12 * MiB), $"a 4 TiB run allocated {huge} bytes");
    }

    [Test]
    public async Task Progress_reports_reach_the_planned_total()
    {
        var source = new MemoryDisk(32 * MiB);
        source.Fill(0, new byte[8 * MiB].Select(_ => (byte)9).ToArray());
        var reports = new List<PipelineProgress>();
        var progress = new SynchronousProgress(reports.Add);

        await BlockPipeline.RunAsync(new RandomAccessProducer(source, source.Capacity), [], new PipelineOptions(), progress, CancellationToken.None);

        Assert.That(reports[^1], Is.EqualTo(new PipelineProgress(8 * MiB, 8 * MiB, 32 * MiB, 32 * MiB)));
    }

    [Test]
    public async Task A_transform_output_is_what_is_hashed_and_written()
    {
        var source = new MemoryDisk(8 * MiB);
        var payload = new byte[3 * MiB];
        new Random(3).NextBytes(payload);
        source.Fill(MiB, payload);
        var target = new MemoryDisk(8 * MiB);
        var transform = new PatchTransform();

        var result = await BlockPipeline.RunAsync(new RandomAccessProducer(source, source.Capacity), [target], new PipelineOptions { Transform = transform }, null, CancellationToken.None);

        // The oracle: the source patched by hand, digested by a pass without a transform.
        var expected = new MemoryDisk(8 * MiB);
        var patched = (byte[])payload.Clone();
        patched.AsSpan(0, 16).Fill(0xA5);
        patched.AsSpan((int)MiB, (int)MiB).Clear();
        expected.Fill(MiB, patched);
        var oracle = await BlockPipeline.DigestAsync(expected, expected.Capacity, new PipelineOptions(), null, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(target.ReadAll(0, 8 * (int)MiB), Is.EqualTo(expected.ReadAll(0, 8 * (int)MiB)), "the target holds the transformed bytes");
            Assert.That(result.Digest, Is.EqualTo(oracle.Digest), "the digest covers the transformed bytes");
            Assert.That(result.Digest, Is.Not.EqualTo(BlockPipeline.DigestAsync(source, source.Capacity, new PipelineOptions(), null, CancellationToken.None).Result.Digest));
            Assert.That(target.Writes, Is.EqualTo(2), "the chunk the transform zeroed is dropped, not written");
            Assert.That(result.ZeroBytesDropped, Is.EqualTo(MiB));
            Assert.That(transform.Offsets.Order(), Is.EqualTo(new[] { MiB, 2 * MiB, 3 * MiB }), "only data chunks pass through the transform");
        });
    }

    [Test]
    public async Task A_digest_pass_runs_no_transform()
    {
        var source = new MemoryDisk(4 * MiB);
        source.Fill(0, new byte[] { 1, 2, 3 });
        var transform = new PatchTransform();

        var plain = await BlockPipeline.DigestAsync(source, source.Capacity, new PipelineOptions(), null, CancellationToken.None);
        var withTransform = await BlockPipeline.DigestAsync(source, source.Capacity, new PipelineOptions { Transform = transform }, null, CancellationToken.None);

        Assert.That(withTransform.Digest, Is.EqualTo(plain.Digest));
        Assert.That(transform.Offsets, Is.Empty);
    }

    /// <summary>Stamps the first 16 bytes of the chunk at 1 MiB and zeroes the chunk at 2 MiB.</summary>
    private sealed class PatchTransform : IChunkTransform
    {
        public System.Collections.Concurrent.ConcurrentBag<long> Offsets { get; } = [];

        public void Transform(long offset, Span<byte> chunk)
        {
            Offsets.Add(offset);
            if (offset == MiB)
            {
                chunk[..16].Fill(0xA5);
            }
            else if (offset == 2 * MiB)
            {
                chunk.Clear();
            }
        }
    }

    /// <summary>A target that keeps nothing, so the measurement sees the pipeline's allocations only.</summary>
    private sealed class CountingTarget(long capacity) : V2V.Core.Disks.IDiskTarget
    {
        public long Capacity => capacity;
        public void Write(long offset, ReadOnlySpan<byte> data)
        {
        }

        public void Complete()
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class SynchronousProgress(Action<PipelineProgress> report) : IProgress<PipelineProgress>
    {
        public void Report(PipelineProgress value)
        {
            lock (this)
            {
                report(value);
            }
        }
    }
}
