using System.Threading.Channels;
using V2V.Core.Pipeline;

namespace V2V.Core.Tests.Pipeline;

public class ChunkJobWriterTests
{
    private const long MiB = 1024 * 1024;

    /// <summary>A job as (offset, length, is data), the shape the table compares.</summary>
    public readonly record struct Expected(long Offset, long Length, bool Data);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(4 * MiB, Array.Empty<long>(), new Expected[] { new(0, 4 * MiB, false) })
            .SetName("No data chunk: one zero job for the whole disk");
        yield return new TestCaseData(4 * MiB, new[] { 0L, MiB, 2 * MiB, 3 * MiB }, new Expected[] { new(0, MiB, true), new(MiB, MiB, true), new(2 * MiB, MiB, true), new(3 * MiB, MiB, true) })
            .SetName("Every chunk data: no zero job");
        yield return new TestCaseData(10 * MiB, new[] { 3 * MiB, 4 * MiB, 8 * MiB }, new Expected[] { new(0, 3 * MiB, false), new(3 * MiB, MiB, true), new(4 * MiB, MiB, true), new(5 * MiB, 3 * MiB, false), new(8 * MiB, MiB, true), new(9 * MiB, MiB, false) })
            .SetName("Gaps before, between and after data chunks become one zero job each");
        yield return new TestCaseData(2 * MiB + 512, new[] { 2 * MiB }, new Expected[] { new(0, 2 * MiB, false), new(2 * MiB, 512, true) })
            .SetName("The disk's last chunk is short");
        yield return new TestCaseData(2 * MiB + 512, new[] { 0L }, new Expected[] { new(0, MiB, true), new(MiB, MiB + 512, false) })
            .SetName("The zero tail is padded to the disk's end");
        yield return new TestCaseData(0L, Array.Empty<long>(), Array.Empty<Expected>())
            .SetName("An empty disk has no jobs");
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Jobs_cover_the_disk_in_order(long length, long[] dataChunks, Expected[] expected)
    {
        var jobs = await Write(length, dataChunks);

        Assert.Multiple(() =>
        {
            Assert.That(jobs.Select(j => new Expected(j.Offset, j.Length, !j.IsZero)), Is.EqualTo(expected));
            Assert.That(jobs.Select(j => j.Sequence), Is.EqualTo(Enumerable.Range(0, jobs.Count).Select(i => (long)i)));
        });
    }

    private static IEnumerable<TestCaseData> Refused()
    {
        yield return new TestCaseData(4 * MiB, new[] { 512L }).SetName("A data chunk not at a chunk boundary is refused");
        yield return new TestCaseData(4 * MiB, new[] { 2 * MiB, MiB }).SetName("A data chunk before the previous one is refused");
        yield return new TestCaseData(4 * MiB, new[] { MiB, MiB }).SetName("A data chunk given twice is refused");
        yield return new TestCaseData(4 * MiB, new[] { 4 * MiB }).SetName("A data chunk at the disk's end is refused");
        yield return new TestCaseData(4 * MiB, new[] { -MiB }).SetName("A data chunk before the disk is refused");
    }

    [TestCaseSource(nameof(Refused))]
    public void Misplaced_data_chunks_are_a_producer_bug(long length, long[] dataChunks)
    {
        Assert.ThrowsAsync<InvalidOperationException>(() => Write(length, dataChunks));
    }

    [Test]
    public async Task Nothing_may_follow_completion()
    {
        var channel = Channel.CreateUnbounded<ChunkJob>();
        var writer = new ChunkJobWriter(channel.Writer, 4 * MiB);
        await writer.CompleteAsync(CancellationToken.None);

        Assert.ThrowsAsync<InvalidOperationException>(async () => await writer.WriteAsync(2 * MiB, new NoFill(), CancellationToken.None));
    }

    private static async Task<List<ChunkJob>> Write(long length, long[] dataChunks)
    {
        var channel = Channel.CreateUnbounded<ChunkJob>();
        var writer = new ChunkJobWriter(channel.Writer, length);
        foreach (long offset in dataChunks)
        {
            await writer.WriteAsync(offset, new NoFill(), CancellationToken.None);
        }

        await writer.CompleteAsync(CancellationToken.None);
        Assert.That(writer.Covered, Is.EqualTo(length));
        channel.Writer.Complete();
        var jobs = new List<ChunkJob>();
        await foreach (var job in channel.Reader.ReadAllAsync())
        {
            jobs.Add(job);
        }

        return jobs;
    }

    private sealed class NoFill : IChunkFill
    {
        public void Fill(long offset, Span<byte> chunk) => throw new InvalidOperationException("the writer never fills");
    }
}
