using V2V.Adapters.HyperV;
using V2V.Core.Errors;
using V2V.Core.Formats;

namespace V2V.Adapters.Tests.HyperV;

public class VhdxTargetFormatTests
{
    private static TargetRequest Request(long? blockSize = null, string? subformat = null, int sector = 512, long capacity = 1L << 30) =>
        new("/tmp/x.vhdx", capacity, subformat, blockSize, sector);

    [TestCase(1L << 20)]
    [TestCase(32L << 20)]
    [TestCase(256L << 20)]
    public void Block_sizes_hyper_v_accepts_are_accepted(long blockSize) =>
        Assert.DoesNotThrow(() => new VhdxTargetFormat().Validate(Request(blockSize)));

    [TestCase(512L << 10)]
    [TestCase(3L << 20)]
    [TestCase(512L << 20)]
    public void Other_block_sizes_are_refused_before_anything_is_written(long blockSize) =>
        Assert.That(() => new VhdxTargetFormat().Validate(Request(blockSize)), Throws.TypeOf<UsageException>().With.Message.Contains("block size"));

    [Test]
    public void Unknown_subformats_sector_sizes_and_oversized_disks_are_refused()
    {
        var format = new VhdxTargetFormat();
        Assert.Multiple(() =>
        {
            Assert.That(() => format.Validate(Request(subformat: "sparse")), Throws.TypeOf<UsageException>().With.Message.Contains("subformat"));
            Assert.That(() => format.Validate(Request(sector: 1024)), Throws.TypeOf<UsageException>().With.Message.Contains("sector"));
            Assert.That(() => format.Validate(Request(capacity: (64L << 40) + 1)), Throws.TypeOf<UsageException>().With.Message.Contains("64 TiB"));
        });
    }

    [Test]
    public void The_default_block_size_is_hyper_vs_32_mib() =>
        Assert.That(VhdxTargetFormat.DefaultBlockSize, Is.EqualTo(32L << 20));
}
