using System.Buffers.Binary;
using V2V.Guest.Devices;
using V2V.Guest.Ntfs;
using V2V.Guest.Tests.Ntfs;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Writing;

/// <summary>
/// The NTFS in-place writer against ntfs-3g: after each write ntfscat returns the new bytes,
/// <c>ntfsfix -n</c> has nothing to fix and an ntfs-3g mount shows the file; unsafe volumes and
/// files are refused before anything is written.
/// </summary>
[TestFixture]
public sealed class NtfsWriterTests
{
    private const string Hive = @"Windows\System32\config\SYSTEM";
    private TempFolder _folder = null!;

    private string Image => _folder.File("vol.img");

    [SetUp]
    public void Build()
    {
        foreach (var tool in new[] { "mkntfs", "ntfs-3g", "ntfscat", "ntfsfix", "setfattr" })
        {
            ExternalTool.Require(tool);
        }

        _folder = new TempFolder();
        ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Writing", "make-writable-volume.sh"), _folder.Path);
    }

    [TearDown]
    public void Remove() => _folder.Dispose();

    [Test]
    public void overwriting_bytes_in_place_writes_only_the_changed_sector()
    {
        var content = NtfsCat(Hive);
        content[70000] ^= 0xFF;
        content[70001] ^= 0xFF;
        using var file = FileBlockDevice.Open(Image);
        var device = new RecordingDevice(file);
        long written = NtfsWriter.Open(device, 0, file.Capacity).ReplaceContent(Hive, content);

        Assert.That(written, Is.EqualTo(512));
        Assert.That(device.Changes, Has.Count.EqualTo(1));
        Assert.That(NtfsCat(Hive), Is.EqualTo(content));
        AssertCleanForNtfs3g(Hive, content);
    }

    [Test]
    public void a_file_grows_within_its_last_cluster_with_its_sizes_updated()
    {
        var content = NtfsCat("grow.bin").Concat(Enumerable.Range(0, 3000).Select(i => (byte)i)).ToArray();
        using var file = FileBlockDevice.Open(Image);
        var writer = NtfsWriter.Open(file, 0, file.Capacity);
        writer.ReplaceContent("grow.bin", content);

        Assert.That(NtfsCat("grow.bin"), Is.EqualTo(content));
        Assert.That(writer.Volume.ListDirectory("").Single(e => e.Name == "grow.bin").Size, Is.EqualTo(8000), "the $I30 entry's size");
        AssertCleanForNtfs3g("grow.bin", content);
    }

    [Test]
    public void a_file_grows_past_its_allocation_with_clusters_taken_from_the_bitmap()
    {
        var content = NtfsCat(Hive).Concat(new byte[150000]).Concat(Enumerable.Range(0, 250000).Select(i => (byte)(i * 13))).ToArray();
        using var file = FileBlockDevice.Open(Image);
        var writer = NtfsWriter.Open(file, 0, file.Capacity);
        writer.ReplaceContent(Hive, content);

        Assert.That(NtfsCat(Hive), Is.EqualTo(content));
        Assert.That(writer.Volume.ListDirectory(@"Windows\System32\config").Single().Size, Is.EqualTo(content.Length));
        string info = ExternalTool.Ok("ntfsinfo", "-F", "/Windows/System32/config/SYSTEM", Image);
        Assert.That(info, Does.Contain($"Allocated Size:\t\t {((content.Length + 4095) / 4096) * 4096}").Or.Contain(((content.Length + 4095) / 4096 * 4096).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        AssertCleanForNtfs3g(Hive, content);
    }

    [Test]
    public void resident_data_shrinks_and_grows_inside_its_mft_record()
    {
        using var file = FileBlockDevice.Open(Image);
        var writer = NtfsWriter.Open(file, 0, file.Capacity);
        var shorter = "[boot loader]\r\ntimeout=5\r\n"u8.ToArray();
        writer.ReplaceContent("boot.ini", shorter);
        Assert.That(NtfsCat("boot.ini"), Is.EqualTo(shorter));
        var longer = NtfsCat("boot.ini").Concat(Enumerable.Repeat((byte)'x', 400)).ToArray();
        writer.ReplaceContent("boot.ini", longer);
        Assert.That(NtfsCat("boot.ini"), Is.EqualTo(longer));
        AssertCleanForNtfs3g("boot.ini", longer);
    }

    [Test]
    public void a_hibernated_volume_is_refused_before_anything_is_written()
    {
        string mount = Directory.CreateDirectory(_folder.File("mnt")).FullName;
        ExternalTool.Ok("ntfs-3g", Image, mount);
        File.WriteAllBytes(Path.Combine(mount, "hiberfil.sys"), "hibr"u8.ToArray().Concat(new byte[8188]).ToArray());
        ExternalTool.Ok("umount", mount);
        var before = File.ReadAllBytes(Image);

        using var file = FileBlockDevice.Open(Image);
        var refused = Assert.Throws<NtfsWriteRefusedException>(() => NtfsWriter.Open(file, 0, file.Capacity));
        Assert.That(refused!.Reason, Does.Contain("hibernated"));
        Assert.That(File.ReadAllBytes(Image), Is.EqualTo(before));
    }

    [Test]
    public void a_volume_marked_dirty_is_refused()
    {
        using (var file = FileBlockDevice.Open(Image))
        {
            var volume = NtfsVolume.Open(new ByteArrayDisk(File.ReadAllBytes(Image)), 0, file.Capacity);
            long at = volume.RecordOffset(3);
            var record = new byte[volume.BootSector.MftRecordSize];
            file.Read(at, record);
            V2V.Guest.Tests.Ntfs.Fixups.Remove(record);
            int attribute = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(20));
            while (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute)) != 0x70)
            {
                attribute += (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute + 4));
            }

            int value = attribute + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(attribute + 20));
            record[value + 10] |= 1;
            V2V.Guest.Tests.Ntfs.Fixups.Protect(record, BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4)), 0x4242);
            file.Write(at, record);
        }

        using var device = FileBlockDevice.Open(Image);
        var refused = Assert.Throws<NtfsWriteRefusedException>(() => NtfsWriter.Open(device, 0, device.Capacity));
        Assert.That(refused!.Reason, Does.Contain("dirty"));
    }

    [Test]
    public void a_compressed_file_is_refused_and_left_as_it_was()
    {
        var before = File.ReadAllBytes(Image);
        using var file = FileBlockDevice.Open(Image);
        var refused = Assert.Throws<NtfsWriteRefusedException>(() => NtfsWriter.Open(file, 0, file.Capacity).ReplaceContent(@"comp\text.txt", "new"u8));
        Assert.That(refused!.Reason, Does.Contain("compressed"));
        Assert.That(File.ReadAllBytes(Image), Is.EqualTo(before));
    }

    private byte[] NtfsCat(string path)
    {
        string output = _folder.File("ntfscat.out");
        ExternalTool.Ok("bash", "-c", $"ntfscat '{Image}' '{path.Replace('\\', '/')}' > '{output}'");
        return File.ReadAllBytes(output);
    }

    /// <summary>ntfsfix -n finds nothing to fix, and an ntfs-3g mount (which refuses unclean volumes) shows the content.</summary>
    private void AssertCleanForNtfs3g(string path, byte[] content)
    {
        string check = ExternalTool.Ok("ntfsfix", "-n", Image);
        Assert.That(check, Does.Contain("processed successfully").And.Not.Contain("FAILED").And.Not.Contain("corrupt"));
        string mount = Directory.CreateDirectory(_folder.File("mnt")).FullName;
        ExternalTool.Ok("ntfs-3g", "-o", "ro", Image, mount);
        try
        {
            Assert.That(File.ReadAllBytes(Path.Combine(mount, path.Replace('\\', '/'))), Is.EqualTo(content));
        }
        finally
        {
            ExternalTool.Ok("umount", mount);
        }
    }
}
