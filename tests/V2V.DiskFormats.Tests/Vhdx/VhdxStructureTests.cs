using V2V.DiskFormats.Vhdx;

namespace V2V.DiskFormats.Tests.Vhdx;

public class VhdxStructureTests
{
    [Test]
    public void Header_round_trips_and_detects_corruption()
    {
        var header = new VhdxHeader(7, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 0, 1, 1 << 20, 1 << 20);
        var bytes = new byte[4096];
        header.Write(bytes);

        Assert.That(VhdxHeader.TryRead(bytes, out _), Is.EqualTo(header));
        bytes[100] ^= 1;
        Assert.That(VhdxHeader.TryRead(bytes, out var problem), Is.Null);
        Assert.That(problem, Does.Contain("CRC-32C"));
    }

    [Test]
    public void Region_table_round_trips_and_refuses_too_many_entries()
    {
        var table = new VhdxRegionTable([new VhdxRegionEntry(VhdxGuids.BatRegion, 3 << 20, 1 << 20, true), new VhdxRegionEntry(VhdxGuids.MetadataRegion, 2 << 20, 1 << 20, false)]);
        var bytes = new byte[65536];
        table.Write(bytes);

        Assert.That(VhdxRegionTable.TryRead(bytes, out _)!.Entries, Is.EqualTo(table.Entries));

        BitConverter.TryWriteBytes(bytes.AsSpan(8), 5000u);
        BitConverter.TryWriteBytes(bytes.AsSpan(4), Crc32C.ComputeWithZeroedField(bytes, 4));
        Assert.That(VhdxRegionTable.TryRead(bytes, out var problem), Is.Null);
        Assert.That(problem, Does.Contain("EntryCount"));
    }

    [Test]
    public void Metadata_region_round_trips_the_disk_parameters()
    {
        var parameters = new VhdxDiskParameters(32 << 20, false, false, 10UL << 30, Guid.NewGuid(), 4096, 4096);
        var region = new byte[65536 + 4096];
        parameters.WriteRegion(region);

        var table = VhdxMetadataTable.TryRead(region, out _)!;
        Assert.That(table.Entries.Select(e => e.ItemId), Is.EquivalentTo(new[]
        {
            VhdxGuids.FileParameters, VhdxGuids.VirtualDiskSize, VhdxGuids.Page83Data, VhdxGuids.LogicalSectorSize, VhdxGuids.PhysicalSectorSize,
        }));
        Assert.That(table.Entries.All(e => e.IsRequired && e.Offset >= 65536), Is.True);
        var size = table.Entries.Single(e => e.ItemId == VhdxGuids.VirtualDiskSize);
        Assert.That(BitConverter.ToUInt64(region, (int)size.Offset), Is.EqualTo(10UL << 30));
    }

    [Test]
    public void Bat_entry_packs_state_and_offset()
    {
        var entry = new VhdxBatEntry(VhdxBlockState.FullyPresent, 12345);

        Assert.That(entry.ToRaw(), Is.EqualTo((12345UL << 20) | 6));
        Assert.That(VhdxBatEntry.FromRaw(entry.ToRaw()), Is.EqualTo(entry));
    }

    [TestCase(512, 32 << 20, 128)]
    [TestCase(512, 1 << 20, 4096)]
    [TestCase(4096, 1 << 20, 32768)]
    [TestCase(4096, 256 << 20, 128)]
    public void Chunk_ratio_follows_the_spec(int sector, long blockSize, long ratio) =>
        Assert.That(new VhdxBatLayout(1L << 40, blockSize, sector, false).ChunkRatio, Is.EqualTo(ratio));

    [Test]
    public void Bat_interleaves_a_sector_bitmap_entry_after_every_chunk()
    {
        // 1 GiB of 1 MiB blocks at 512-byte sectors: ratio 4096, so 1024 blocks and no bitmap entry yet.
        var small = new VhdxBatLayout(1L << 30, 1 << 20, 512, false);
        Assert.That(small.TotalEntries, Is.EqualTo(1024));

        // 64 TiB of 32 MiB blocks: ratio 128; block 128 sits after the first bitmap entry.
        var large = new VhdxBatLayout(64L << 40, 32 << 20, 512, false);
        Assert.That(large.PayloadEntryIndex(127), Is.EqualTo(127));
        Assert.That(large.IsSectorBitmapEntry(128), Is.True);
        Assert.That(large.PayloadEntryIndex(128), Is.EqualTo(129));
        Assert.That(large.TotalEntries, Is.EqualTo(large.PayloadBlocks + (large.PayloadBlocks - 1) / 128));
    }

    [TestCase(3L << 19, 512)]     // 1.5 MiB: offsets are stored in whole MiB
    [TestCase(512L << 20, 512)]   // past 256 MiB
    [TestCase(1L << 20, 1024)]    // no such logical sector size
    public void The_writer_refuses_what_the_format_cannot_hold(long blockSize, int sectorSize)
    {
        using var folder = new V2V.TestSupport.TempFolder();
        using var file = File.OpenHandle(folder.File("x.vhdx"), FileMode.CreateNew, FileAccess.ReadWrite);
        Assert.Throws<ArgumentOutOfRangeException>(() => new VhdxWriter(file, new VhdxWriterOptions(64L << 20, blockSize, sectorSize, 4096, Fixed: false)));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_vhd_writer_refuses_a_write_past_the_disk(bool isFixed)
    {
        using var folder = new V2V.TestSupport.TempFolder();
        using var file = File.OpenHandle(folder.File("x.vhd"), FileMode.CreateNew, FileAccess.ReadWrite);
        using var writer = new V2V.DiskFormats.Vhd.VhdWriter(file, 3L << 20, isFixed);
        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Write(4L << 20, new byte[512]));
        Assert.DoesNotThrow(() => writer.Write((3L << 20) - 512, new byte[512]));
    }
}
