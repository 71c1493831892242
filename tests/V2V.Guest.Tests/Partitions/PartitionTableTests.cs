using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;
using V2V.Adapters.Physical;
using V2V.Guest.Partitions;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Partitions;

/// <summary>Partition tables written by sfdisk and sgdisk, read back and compared with sfdisk --json.</summary>
public sealed class PartitionTableTests
{
    private const string Fill = """
        mkntfs -F -Q -q ntfs.img >/dev/null 2>&1
        mkfs.vfat -F 12 fat.img >/dev/null
        mkfs.ext4 -q -F ext4.img
        mkswap swap.img >/dev/null 2>&1
        put() { dd if=$1 of=disk.img bs=1M seek=$2 conv=notrunc,sparse status=none; }
        """;

    [Test]
    public void an_mbr_disk_with_a_chain_of_logical_partitions_reads_as_sfdisk_reads_it()
    {
        using var folder = new TempFolder();
        Shell(folder, """
            truncate -s 64M disk.img; truncate -s 8M ntfs.img fat.img ext4.img; truncate -s 4M swap.img
            printf 'label: dos\n2048,+8M,7,*\n,+1M,83\n,+1M,83\n,+40M,5\n,+8M,83\n,+4M,82\n,+8M,42\n,,6\n' | sfdisk -q disk.img
            """ + "\n" + Fill + "\n" + """
            put ntfs.img 1; put ext4.img 12; put swap.img 21; put fat.img 35
            """);
        using var disk = RawDiskSource.Open(folder.File("disk.img"));
        var layout = PartitionTable.Read(disk);
        Assert.That(layout.Scheme, Is.EqualTo(PartitionScheme.Mbr));
        Assert.That(layout.Findings, Is.Empty);
        Assert.That(layout.Volumes.Select(v => (v.Number, v.Offset, v.Length)), Is.EqualTo(Sfdisk(folder, includeExtended: false)));
        Assert.That(layout.Volumes.Select(v => v.FileSystem), Is.EqualTo(new[]
        {
            FileSystemKind.Ntfs, FileSystemKind.Unknown, FileSystemKind.Unknown, FileSystemKind.Ext4, FileSystemKind.LinuxSwap, FileSystemKind.DynamicDisk, FileSystemKind.Fat12,
        }));
        Assert.That(layout.Volumes[0].IsActive, Is.True);
        Assert.That(layout.Volumes.Select(v => v.IsLogical), Is.EqualTo(new[] { false, false, false, true, true, true, true }));
        Assert.That(layout.IsDynamicDisk, Is.True);
        Assert.That(PartitionTable.Read(disk).BootStyle, Is.EqualTo(BootStyle.Mbr));
    }

    [Test]
    public void a_gpt_disk_reads_as_sfdisk_reads_it_and_a_damaged_primary_falls_back_to_the_backup()
    {
        using var folder = new TempFolder();
        Shell(folder, """
            truncate -s 64M disk.img; truncate -s 8M ntfs.img fat.img ext4.img; truncate -s 4M swap.img
            sgdisk -o -n 1:2048:+8M -t 1:ef00 -n 2:0:+8M -t 2:0700 -n 3:0:+8M -t 3:8300 -n 4:0:+4M -t 4:4201 -n 5:0:+4M -t 5:8200 disk.img >/dev/null
            """ + "\n" + Fill + "\n" + """
            put fat.img 1; put ntfs.img 9; put ext4.img 17; put swap.img 29
            """);
        string path = folder.File("disk.img");
        var expected = Sfdisk(folder, includeExtended: true);
        using (var disk = RawDiskSource.Open(path))
        {
            var layout = PartitionTable.Read(disk);
            Assert.That(layout.Scheme, Is.EqualTo(PartitionScheme.Gpt));
            Assert.That(layout.Findings, Is.Empty);
            Assert.That(layout.Volumes.Select(v => (v.Number, v.Offset, v.Length)), Is.EqualTo(expected));
            Assert.That(layout.Volumes.Select(v => v.FileSystem), Is.EqualTo(new[]
            {
                FileSystemKind.Fat12, FileSystemKind.Ntfs, FileSystemKind.Ext4, FileSystemKind.DynamicDisk, FileSystemKind.LinuxSwap,
            }));
            Assert.That(layout.HasEfiSystemPartition, Is.True);
            Assert.That(PartitionTable.Read(disk).BootStyle, Is.EqualTo(BootStyle.GptWithEsp));
        }

        // The primary entry array damaged (its header names the backup), then the primary header too.
        foreach (long damagedByte in new long[] { 1024 + 40, 512 + 24 })
        {
            using var stream = File.OpenWrite(path);
            stream.Position = damagedByte;
            stream.WriteByte(0x5A);
            stream.Dispose();
            using var disk = RawDiskSource.Open(path);
            var layout = PartitionTable.Read(disk);
            Assert.That(layout.GptFromBackup, Is.True);
            Assert.That(layout.Volumes.Select(v => (v.Number, v.Offset, v.Length)), Is.EqualTo(expected));
            Assert.That(layout.Findings, Has.Some.Contains("primary GPT"));
        }
    }

    [Test]
    public void a_gpt_with_both_copies_damaged_is_a_finding_with_no_volumes()
    {
        var bytes = new byte[1 << 20];
        ProtectiveMbr(bytes);
        var layout = PartitionTable.Read(new ByteArrayDisk(bytes));
        Assert.That(layout.GptUnreadable, Is.True);
        Assert.That(layout.Volumes, Is.Empty);
        Assert.That(layout.Findings, Has.Some.Contains("neither GPT header"));
        Assert.That(PartitionTable.Read(new ByteArrayDisk(bytes)).BootStyle, Is.EqualTo(BootStyle.Unknown));
    }

    [Test]
    public void a_gpt_header_asking_for_a_huge_entry_array_is_refused_before_reading_it()
    {
        var bytes = new byte[1 << 20];
        ProtectiveMbr(bytes);
        var header = bytes.AsSpan(512, 512);
        "EFI PART"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], 92);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], 1);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], 2047);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], 34);
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], 2000);
        BinaryPrimitives.WriteInt64LittleEndian(header[72..], 2);
        BinaryPrimitives.WriteInt32LittleEndian(header[80..], int.MaxValue);
        BinaryPrimitives.WriteInt32LittleEndian(header[84..], 128);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], Crc32.HashToUInt32(header[..92]));
        var layout = PartitionTable.Read(new ByteArrayDisk(bytes));
        Assert.That(layout.Findings, Has.Some.Contains("partition entry array of 2147483647 x 128 bytes is out of range"));
    }

    [Test]
    public void an_extended_chain_that_loops_back_ends_with_a_finding()
    {
        var bytes = new byte[1 << 20];
        Entry(bytes, 0, 0, 0x05, 100, 1000);
        var ebr = bytes.AsSpan(100 * 512, 512);
        Entry(bytes, 100 * 512, 0, 0x83, 10, 50);
        Entry(bytes, 100 * 512, 1, 0x05, 0, 1000);
        ebr[510] = 0x55;
        ebr[511] = 0xAA;
        bytes[510] = 0x55;
        bytes[511] = 0xAA;
        var layout = PartitionTable.Read(new ByteArrayDisk(bytes));
        Assert.That(layout.Volumes.Single().Offset, Is.EqualTo(110 * 512));
        Assert.That(layout.Findings, Has.Some.Contains("loops back to LBA 100"));
    }

    [Test]
    public void partitions_past_the_disk_end_are_cut_or_ignored_with_findings()
    {
        var bytes = new byte[1 << 20];
        Entry(bytes, 0, 0, 0x07, 2048, 100);
        Entry(bytes, 0, 1, 0x83, 1000, 100000);
        bytes[510] = 0x55;
        bytes[511] = 0xAA;
        var layout = PartitionTable.Read(new ByteArrayDisk(bytes));
        Assert.That(layout.Volumes.Single().Length, Is.EqualTo((2048 - 1000) * 512));
        Assert.That(layout.Findings, Has.Count.EqualTo(2));
    }

    private static void ProtectiveMbr(byte[] bytes)
    {
        Entry(bytes, 0, 0, 0xEE, 1, (uint)(bytes.Length / 512) - 1);
        bytes[510] = 0x55;
        bytes[511] = 0xAA;
    }

    private static void Entry(byte[] bytes, int sector, int slot, byte type, uint first, uint count)
    {
        var entry = bytes.AsSpan(sector + 0x1BE + (slot * 16), 16);
        entry[4] = type;
        BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], first);
        BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], count);
    }

    private static void Shell(TempFolder folder, string script)
    {
        foreach (var tool in new[] { "sfdisk", "sgdisk", "mkntfs", "mkfs.vfat", "mkfs.ext4", "mkswap" })
        {
            ExternalTool.Require(tool);
        }

        var result = ExternalTool.RunIn(folder.Path, "bash", "-c", "set -e\n" + script);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.StdErr);
    }

    /// <summary>(number, byte offset, byte length) of each partition as sfdisk --json lists it.</summary>
    private static List<(int, long, long)> Sfdisk(TempFolder folder, bool includeExtended)
    {
        using var json = JsonDocument.Parse(ExternalTool.Ok("sfdisk", "--json", folder.File("disk.img")));
        return json.RootElement.GetProperty("partitiontable").GetProperty("partitions").EnumerateArray()
            .Where(p => includeExtended || p.GetProperty("type").GetString() != "5")
            .Select(p => (int.Parse(p.GetProperty("node").GetString()!.Split("disk.img")[1], System.Globalization.CultureInfo.InvariantCulture),
                p.GetProperty("start").GetInt64() * 512, p.GetProperty("size").GetInt64() * 512))
            .ToList();
    }
}
