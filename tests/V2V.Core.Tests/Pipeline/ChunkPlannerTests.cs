using V2V.Core.Disks;
using V2V.Core.Pipeline;

namespace V2V.Core.Tests.Pipeline;

public class ChunkPlannerTests
{
    private const long MiB = 1024 * 1024;

    [Test]
    public void Only_chunks_touching_data_are_read()
    {
        DiskRange[] ranges =
        [
            new(0, 3 * MiB, RangeKind.Unallocated),
            new(3 * MiB + 4096, 4096, RangeKind.Data),
            new(3 * MiB + 8192, 10 * MiB - 3 * MiB - 8192, RangeKind.Unallocated),
        ];

        Assert.That(ChunkPlanner.DataChunks(ranges, 10 * MiB), Is.EqualTo(new[] { 3 * MiB }));
        Assert.That(ChunkPlanner.DataBytes(ranges, 10 * MiB), Is.EqualTo(MiB));
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

        Assert.That(ChunkPlanner.DataChunks(ranges, 2 * MiB), Is.EqualTo(new[] { 0L }));
    }

    [Test]
    public void The_last_chunk_of_an_unaligned_disk_is_short()
    {
        long capacity = 2 * MiB + 512;
        DiskRange[] ranges = [new(0, capacity, RangeKind.Data)];

        Assert.That(ChunkPlanner.DataChunks(ranges, capacity), Is.EqualTo(new[] { 0L, MiB, 2 * MiB }));
        Assert.That(ChunkPlanner.DataBytes(ranges, capacity), Is.EqualTo(capacity));
    }

    [Test]
    public void A_prefix_reads_only_chunks_below_its_length()
    {
        DiskRange[] ranges = [new(0, 8 * MiB, RangeKind.Data)];

        Assert.That(ChunkPlanner.DataChunks(ranges, MiB + 1), Is.EqualTo(new[] { 0L, MiB }));
        Assert.That(ChunkPlanner.DataBytes(ranges, MiB + 1), Is.EqualTo(MiB + 1));
    }

    [Test]
    public void A_terabyte_hole_reads_nothing()
    {
        long capacity = 4L << 40;

        Assert.That(ChunkPlanner.DataChunks([new DiskRange(0, capacity, RangeKind.Unallocated)], capacity), Is.Empty);
    }

    [Test]
    public void Ranges_out_of_order_are_a_bug_not_silently_accepted()
    {
        DiskRange[] ranges = [new(MiB, MiB, RangeKind.Data), new(0, MiB, RangeKind.Data)];

        Assert.Throws<InvalidOperationException>(() => ChunkPlanner.DataChunks(ranges, 2 * MiB).ToList());
    }
}
