using V2V.Core.Disks;
using V2V.Core.Pipeline;

namespace V2V.Core.Tests;

public class ChunkPlannerTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Holes_become_zero_jobs_and_only_chunks_touching_data_are_read()
    {
        DiskRange[] ranges =
        [
            new(0, 3 * MiB, RangeKind.Unallocated),
            new(3 * MiB + 4096, 4096, RangeKind.Data),
            new(3 * MiB + 8192, 10 * MiB - 3 * MiB - 8192, RangeKind.Unallocated),
        ];

        var jobs = ChunkPlanner.Plan(ranges, 10 * MiB).ToList();

        Assert.That(jobs, Is.EqualTo(new[]
        {
            new ChunkJob(0, 0, 3 * MiB, ChunkJobKind.Zero),
            new ChunkJob(1, 3 * MiB, MiB, ChunkJobKind.Read),
            new ChunkJob(2, 4 * MiB, 6 * MiB, ChunkJobKind.Zero),
        }));
    }

    [Test]
    public void Adjacent_data_ranges_in_one_chunk_read_it_once()
    {
        DiskRange[] ranges =
        [
            new(0, 4096, RangeKind.Data),
            new(4096, 4096, RangeKind.Zero),
            new(8192, 4096, RangeKind.Data),
            new(12288, 2 * MiB - 12288, RangeKind.Unallocated),
        ];

        var jobs = ChunkPlanner.Plan(ranges, 2 * MiB).ToList();

        Assert.That(jobs.Select(j => (j.Offset, j.Kind)), Is.EqualTo(new[] { (0L, ChunkJobKind.Read), (MiB, ChunkJobKind.Zero) }));
    }

    [Test]
    public void The_last_chunk_of_an_unaligned_disk_is_short()
    {
        long capacity = 2 * MiB + 512;
        var jobs = ChunkPlanner.Plan([new DiskRange(0, capacity, RangeKind.Data)], capacity).ToList();

        Assert.That(jobs.Select(j => j.Length), Is.EqualTo(new[] { MiB, MiB, 512L }));
        Assert.That(jobs.Select(j => j.Sequence), Is.EqualTo(new[] { 0L, 1L, 2L }));
    }

    [Test]
    public void A_terabyte_hole_is_one_job()
    {
        long capacity = 4L << 40;
        var jobs = ChunkPlanner.Plan([new DiskRange(0, capacity, RangeKind.Unallocated)], capacity).ToList();

        Assert.That(jobs, Has.Count.EqualTo(1));
        Assert.That(ChunkPlanner.DataBytes([new DiskRange(0, capacity, RangeKind.Unallocated)], capacity), Is.Zero);
    }

    [Test]
    public void Ranges_out_of_order_are_a_bug_not_silently_accepted()
    {
        DiskRange[] ranges = [new(MiB, MiB, RangeKind.Data), new(0, MiB, RangeKind.Data)];

        Assert.Throws<InvalidOperationException>(() => ChunkPlanner.Plan(ranges, 2 * MiB).ToList());
    }
}
