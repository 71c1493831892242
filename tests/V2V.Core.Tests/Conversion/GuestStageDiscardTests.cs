using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using V2V.Core.Conversion;
using V2V.Core.Formats;
using V2V.TestSupport;

namespace V2V.Core.Tests.Conversion;

/// <summary>
/// <see cref="GuestStageTarget.Discard"/> leaves the target as if the guest stage never wrote: the
/// bytes, and for the dynamic formats the block allocation and the file's length too. Oracles:
/// qemu-img compare and check, qemu-img map for VHD's allocation; qemu's VHDX driver reports every
/// block as data (it has no block-status), so a VHDX's allocation is read from its BAT here, by the
/// MS-VHDX layout alone (region table, BAT entry states), not by V2V's reader.
/// </summary>
public class GuestStageDiscardTests
{
    private const long MiB = 1024 * 1024;
    private const long Capacity = 64 * MiB;
    private const long Block = 2 * MiB;

    /// <summary>Data in the first 3 MiB (blocks 0 and 1), zeros after: the copy allocates two blocks.</summary>
    private static string Source(TempFolder folder)
    {
        string path = folder.File("source.raw");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(Capacity);
        file.Write(Enumerable.Range(0, (int)(3 * MiB)).Select(i => (byte)(i % 253 + 1)).ToArray());
        return path;
    }

    private static async Task<ConversionOutcome> Convert(string source, string target, string format, IGuestStage? stage)
    {
        var registry = V2V.Cli.FormatCatalog.Create();
        using var disk = registry.Open(source, SourceOptions.Default);
        var plan = new TargetPlan(registry.Target(format), new TargetRequest(target, Capacity, format == "raw" ? null : "dynamic", format == "raw" ? null : Block, 512));
        return await DiskConverter.ConvertAsync(
            new DiskConversionRequest(disk, [plan], registry) { Options = ConversionOptions.Default with { Guest = stage, Verify = true } }, null, CancellationToken.None);
    }

    [TestCase("vhdx")]
    [TestCase("vhd")]
    public async Task Discard_takes_back_a_block_the_stage_allocated_and_keeps_the_ones_the_copy_did(string format)
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string source = Source(folder);
        string reference = folder.File("reference." + format);
        string discarded = folder.File("discarded." + format);
        await Convert(source, reference, format, null);

        // One write where the copy allocated (block 0), one where the source is zero (block 20).
        var stage = new WriteThenDiscard([(4096, 4096), (40 * MiB + 512, 8192)]);
        var outcome = await Convert(source, discarded, format, stage);

        Assert.That(stage.ChangedBeforeDiscard, Is.True);
        Assert.That(outcome.Targets[0].Digest, Is.EqualTo(outcome.Copy.Digest), "the digest is the source's again");
        Assert.That(outcome.Targets[0].VerifiedDigest, Is.EqualTo(outcome.Copy.Digest));
        if (format == "vhdx")
        {
            QemuImg.AssertChecks(discarded, format); // qemu-img checks no VHD
        }

        QemuImg.AssertIdentical(source, "raw", discarded, QemuFormat(format));
        var allocated = Allocated(discarded, format);
        Assert.That(allocated, Is.EqualTo(Allocated(reference, format)), "the same blocks allocated as without the stage");
        Assert.That(allocated, Is.EqualTo(new[] { (0L, 4 * MiB) }), "blocks 0 and 1 (the copy's) allocated; block 20 (the stage's) not");
        Assert.That(new FileInfo(discarded).Length, Is.EqualTo(new FileInfo(reference).Length), "the file did not grow");
    }

    [Test]
    public async Task Discard_of_a_raw_target_puts_the_bytes_back()
    {
        ExternalTool.Require("qemu-img");
        using var folder = new TempFolder();
        string source = Source(folder);
        string discarded = folder.File("discarded.raw");

        var outcome = await Convert(source, discarded, "raw", new WriteThenDiscard([(4096, 4096), (40 * MiB, 4096)]));

        Assert.That(outcome.Targets[0].VerifiedDigest, Is.EqualTo(outcome.Copy.Digest));
        QemuImg.AssertIdentical(source, "raw", discarded, "raw");
    }

    private static string QemuFormat(string format) => format == "vhd" ? "vpc" : format;

    /// <summary>The guest ranges stored in the image itself, merged: qemu-img map's data ranges (VHD), the BAT's present blocks (VHDX).</summary>
    private static List<(long Start, long End)> Allocated(string path, string format)
    {
        var ranges = new List<(long Start, long End)>();
        foreach (var (start, end) in format == "vhdx" ? PresentVhdxBlocks(path) : QemuDataRanges(path))
        {
            if (ranges.Count > 0 && ranges[^1].End == start)
            {
                ranges[^1] = (ranges[^1].Start, end);
            }
            else
            {
                ranges.Add((start, end));
            }
        }

        return ranges;
    }

    private static List<(long Start, long End)> QemuDataRanges(string path)
    {
        using var map = JsonDocument.Parse(ExternalTool.Ok("qemu-img", "map", "--output=json", "-f", "vpc", path));
        return map.RootElement.EnumerateArray().Where(e => e.GetProperty("data").GetBoolean())
            .Select(e => (e.GetProperty("start").GetInt64(), e.GetProperty("start").GetInt64() + e.GetProperty("length").GetInt64())).ToList();
    }

    /// <summary>
    /// MS-VHDX 2.2.2-2.5: the region table at 192 KiB names the BAT region (GUID 2DC27766-...); each
    /// 8-byte entry's low 3 bits are the state (0 NOT_PRESENT, 6 FULLY_PRESENT). With 2 MiB blocks and
    /// 512-byte sectors the chunk ratio is 2048, so the first 32 entries are the 32 payload blocks.
    /// A block not present must also have FileOffsetMB 0.
    /// </summary>
    private static List<(long Start, long End)> PresentVhdxBlocks(string path)
    {
        var file = File.ReadAllBytes(path);
        const int table = 192 * 1024;
        Assert.That(Encoding.ASCII.GetString(file, table, 4), Is.EqualTo("regi"));
        var batGuid = new Guid("2DC27766-F623-4200-9D64-115E9BFD4A08");
        int count = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(table + 8));
        long bat = Enumerable.Range(0, count).Select(i => table + 16 + i * 32)
            .Where(e => new Guid(file.AsSpan(e, 16)) == batGuid).Select(e => BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(e + 16))).Single();
        var present = new List<(long, long)>();
        for (int block = 0; block < Capacity / Block; block++)
        {
            ulong entry = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan((int)bat + block * 8));
            Assert.That(entry & 7, Is.EqualTo(0UL).Or.EqualTo(6UL), $"block {block}: state");
            if ((entry & 7) == 6)
            {
                Assert.That((long)(entry >> 20) * MiB + Block, Is.LessThanOrEqualTo(file.LongLength), $"block {block} lies inside the file");
                present.Add((block * Block, (block + 1) * Block));
            }
            else
            {
                Assert.That(entry >> 20, Is.EqualTo(0UL), $"block {block}: a block not present has FileOffsetMB 0");
            }
        }

        return present;
    }

    /// <summary>A guest stage that writes non-zero bytes at each range, then discards them (as the fix stage does when a later check fails).</summary>
    private sealed class WriteThenDiscard(IReadOnlyList<(long Offset, int Length)> writes) : IGuestStage
    {
        public bool ChangedBeforeDiscard { get; private set; }

        public bool AppliesTo(TargetPlan plan, bool canReadBack) => canReadBack;

        public GuestStageReport Run(GuestStageTarget target, CancellationToken cancellationToken)
        {
            foreach (var (offset, length) in writes)
            {
                var data = Enumerable.Repeat((byte)0xA5, length).ToArray();
                target.Write(offset, data);
                var back = new byte[length];
                target.Read(offset, back);
                Assert.That(back, Is.EqualTo(data));
            }

            ChangedBeforeDiscard = target.Changed;
            target.Discard();
            return GuestStageReport.None;
        }
    }
}
