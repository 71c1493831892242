using System.Buffers.Binary;
using V2V.Guest.Devices;
using V2V.Guest.Fixups;
using V2V.Guest.Ntfs;
using V2V.Guest.Registry;
using V2V.Guest.Tests.Ntfs;
using V2V.Guest.Tests.Registry;
using V2V.TestSupport;

namespace V2V.Guest.Tests.Writing;

/// <summary>
/// The writers at their edges, through <see cref="WindowsFixups"/> on disks made by
/// make-windows-disk.sh: a hive that must grow past its clusters, a dirty hive with its logs on the
/// volume, volumes and hives that must not be written (nothing written: the whole image compared
/// byte for byte), and no write ever outside the volume. Oracles: hivexget and hivex's reading of
/// the hive ntfscat returns, ntfsinfo, <c>ntfsfix -n</c>, byte comparison.
/// </summary>
[TestFixture]
public sealed class WriterEdgeTests
{
    private const long Stamp = 0x01DB_3333_0000_0000;
    private const long VolumeOffset = 1L << 20;
    private const long VolumeLength = 40L << 20;
    private TempFolder _folder = null!;

    [OneTimeSetUp]
    public void Tools()
    {
        foreach (var tool in new[] { "mkntfs", "ntfs-3g", "ntfscat", "ntfsfix", "ntfsinfo", "sfdisk", "hivexget", "xz" })
        {
            ExternalTool.Require(tool);
        }

        _folder = new TempFolder();
    }

    [OneTimeTearDown]
    public void Remove() => _folder?.Dispose();

    [Test]
    public void a_hive_that_fills_its_clusters_grows_into_new_ones_from_the_bitmap_and_reads_back_in_hivex()
    {
        string disk = BuildDisk("grow", HiveSamples.CopyTo("regipy/SYSTEM.xz", Directory.CreateDirectory(_folder.File("grow-hive")).FullName, "SYSTEM"));
        string volume = Volume(disk);
        long allocatedBefore = Allocated(volume);

        FixupJournal journal;
        using (var device = new GuardedDevice(FileBlockDevice.Open(disk), VolumeOffset, VolumeLength))
        {
            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
            Assert.That(device.Outside, Is.Empty);
        }

        var hive = journal.Files.Single(f => f.Path.EndsWith("SYSTEM", StringComparison.OrdinalIgnoreCase));
        Assert.That(allocatedBefore, Is.EqualTo(hive.OldLength), "a hive is whole 4 KiB bins: it fills its 4 KiB clusters");
        Assert.That(hive.NewLength, Is.GreaterThan(hive.OldLength));
        volume = Volume(disk);
        Assert.That(Allocated(volume), Is.EqualTo(hive.NewLength), "ntfsinfo: the hive's allocation grew by whole clusters");
        string fixedHive = Cat(volume, "Windows/System32/config/SYSTEM");
        Assert.That(new FileInfo(fixedHive).Length, Is.EqualTo(hive.NewLength));
        Assert.That(Get(fixedHive, @"ControlSet001\services\atapi", "Start"), Is.EqualTo("0"));
        Assert.That(Get(fixedHive, @"ControlSet001\Control\CriticalDeviceDatabase\primary_ide_channel", "Service"), Is.EqualTo("atapi"));
        Assert.That(ExternalTool.Ok("ntfsfix", "-n", volume), Does.Contain("processed successfully"));
    }

    [Test]
    public void a_dirty_hive_with_its_logs_on_the_volume_is_replayed_and_written_back_clean()
    {
        string folder = Directory.CreateDirectory(_folder.File("dirty-hive")).FullName;
        string hivePath = HiveSamples.CopyTo("regipy/SYSTEM_B.xz", folder, "SYSTEM");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG1.xz", folder, "SYSTEM.LOG1");
        HiveSamples.CopyTo("regipy/SYSTEM_B.LOG2.xz", folder, "SYSTEM.LOG2");
        var replayed = RegistryHive.OpenFile(hivePath);
        Assert.That(replayed.WasDirty, Is.True);
        string disk = BuildDisk("dirty", hivePath);

        FixupJournal journal;
        using (var device = FileBlockDevice.Open(disk))
        {
            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
        }

        Assert.That(journal.Registry, Is.Not.Empty);
        string fixedHive = Cat(Volume(disk), "Windows/System32/config/SYSTEM");
        var bytes = File.ReadAllBytes(fixedHive);
        var baseBlock = RegfBaseBlock.TryRead(bytes)!;
        Assert.That((baseBlock.IsDirty, baseBlock.ChecksumValid), Is.EqualTo((false, true)));
        Assert.That(baseBlock.PrimarySequence, Is.EqualTo(baseBlock.SecondarySequence));
        Assert.That(baseBlock.PrimarySequence, Is.GreaterThan(replayed.BaseBlock.PrimarySequence));

        // hivex reads the written hive as the replayed one plus exactly the journal's changes.
        var before = Keyed(HiveSamples.Dump(replayed));
        var after = Keyed(HiveSamples.HivexDump(fixedHive));
        var added = after.Except(before).ToList();
        var removed = before.Except(after).ToList();
        Assert.That(removed, Has.Count.EqualTo(journal.Registry.Count(c => c.OldData is not null)));
        Assert.That(added, Has.Count.EqualTo(journal.Registry.Count(c => c.NewData is not null) + journal.CreatedKeys.Count));
        Assert.That(Get(fixedHive, @"ControlSet001\Control\CrashControl", "AutoReboot"), Is.EqualTo("0"));
    }

    [TestCase("hibernated", "hibernated")]
    [TestCase("logfile", "$LogFile is not clean")]
    [TestCase("dirty-volume", "marked dirty")]
    [TestCase("dirty-hive-no-logs", "none of its transaction logs could be replayed")]
    [TestCase("subkey-count", "subkeys, its list holds")]
    public void a_volume_or_hive_that_must_not_be_written_is_refused_with_the_reason_and_not_one_byte_changes(string state, string reason)
    {
        string folder = Directory.CreateDirectory(_folder.File(state + "-hive")).FullName;
        string hive = HiveSamples.CopyTo("regipy/SYSTEM.xz", folder, "SYSTEM");
        if (state == "dirty-hive-no-logs")
        {
            Patch(hive, 4, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(hive).AsSpan(4)) + 1, checksum: false);
        }
        else if (state == "subkey-count")
        {
            // ControlSet001 claims one subkey more than its list holds: the reader notes it and reads on.
            var key = RegistryHive.OpenFile(hive).OpenKey("ControlSet001")!;
            long count = 4096 + key.CellOffset + 4 + 20;
            Patch(hive, count, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(hive).AsSpan((int)count)) + 1, checksum: true);
        }

        string disk = BuildDisk(state, hive);
        if (state == "hibernated")
        {
            string volume = Volume(disk);
            string mount = Directory.CreateDirectory(_folder.File(state + "-mnt")).FullName;
            ExternalTool.Ok("ntfs-3g", volume, mount);
            File.WriteAllBytes(Path.Combine(mount, "hiberfil.sys"), "hibr"u8.ToArray().Concat(new byte[8188]).ToArray());
            ExternalTool.Ok("umount", mount);
            ExternalTool.Ok("dd", $"if={volume}", $"of={disk}", "bs=1M", "seek=1", "conv=notrunc", "status=none");
        }
        else if (state is "logfile" or "dirty-volume")
        {
            using var device = FileBlockDevice.Open(disk);
            var ntfs = NtfsVolume.Open(new DeviceDiskSource(device), VolumeOffset, VolumeLength);
            if (state == "logfile")
            {
                // Both restart pages say a client has the log open and the volume is not clean: Windows was not shut down.
                long log = VolumeOffset + (FirstLcn(device, ntfs, 2) * ntfs.BootSector.ClusterSize);
                device.Write(log, LogFileRestartPageTests.RestartPage(4096, 1, 1, clientInUse: 0, flags: 0));
                device.Write(log + 4096, LogFileRestartPageTests.RestartPage(4096, 1, 1, clientInUse: 0, flags: 0));
            }
            else
            {
                SetVolumeDirty(device, ntfs);
            }
        }

        var before = File.ReadAllBytes(disk);
        FixupJournal journal;
        using (var device = FileBlockDevice.Open(disk))
        {
            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
        }

        Assert.That(journal.Fixups.Select(f => f.Status).Distinct(), Is.EqualTo(new[] { "not-applied" }));
        Assert.That(journal.Fixups.SelectMany(f => f.Details).Distinct().Single(), Does.Contain(reason));
        Assert.That((journal.Disk.Count, journal.Registry.Count, journal.Files.Count), Is.EqualTo((0, 0, 0)));
        Assert.That(File.ReadAllBytes(disk).AsSpan().SequenceEqual(before), Is.True, "not one byte of the image changed");
    }

    [Test]
    public void the_writers_never_write_outside_the_volume_and_bytes_around_it_stay_as_they_were()
    {
        string disk = BuildDisk("bounds", HiveSamples.CopyTo("regipy/SYSTEM.xz", Directory.CreateDirectory(_folder.File("bounds-hive")).FullName, "SYSTEM"));
        var pattern = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 + 1)).ToArray();
        using (var file = File.OpenWrite(disk))
        {
            // The gap after the MBR and the unpartitioned tail after the volume hold data that must survive.
            for (long at = 4096; at < VolumeOffset; at += pattern.Length)
            {
                file.Position = at;
                file.Write(pattern);
            }

            for (long at = VolumeOffset + VolumeLength; at < file.Length; at += pattern.Length)
            {
                file.Position = at;
                file.Write(pattern);
            }
        }

        var before = File.ReadAllBytes(disk);
        FixupJournal journal;
        using (var device = new GuardedDevice(FileBlockDevice.Open(disk), VolumeOffset, VolumeLength))
        {
            journal = WindowsFixups.Apply(device, FixupOptions.Default, Stamp);
            Assert.That(device.Outside, Is.Empty, "writes outside the volume");
        }

        Assert.That(journal.Disk, Is.Not.Empty);
        Assert.That(journal.Disk.All(d => d.Offset >= VolumeOffset && d.Offset + d.Length <= VolumeOffset + VolumeLength), Is.True);
        var after = File.ReadAllBytes(disk);
        Assert.That(after.AsSpan(0, (int)VolumeOffset).SequenceEqual(before.AsSpan(0, (int)VolumeOffset)), Is.True, "MBR and the gap after it");
        Assert.That(after.AsSpan((int)(VolumeOffset + VolumeLength)).SequenceEqual(before.AsSpan((int)(VolumeOffset + VolumeLength))), Is.True, "the tail after the volume");
    }

    private string BuildDisk(string name, string hive)
    {
        string folder = Directory.CreateDirectory(_folder.File(name)).FullName;
        ExternalTool.Ok("bash", Path.Combine(RepositoryPaths.Root, "tests", "V2V.Guest.Tests", "Writing", "make-windows-disk.sh"), folder, hive, "");
        return Path.Combine(folder, "disk.img");
    }

    /// <summary>The NTFS partition as an image file (ntfscat, ntfsinfo and ntfsfix take a volume).</summary>
    private static string Volume(string disk)
    {
        string volume = disk + ".volume";
        ExternalTool.Ok("dd", $"if={disk}", $"of={volume}", "bs=1M", "skip=1", "count=40", "status=none");
        return volume;
    }

    private static string Cat(string volume, string path)
    {
        string output = volume + "." + Path.GetFileName(path);
        ExternalTool.Ok("bash", "-c", $"ntfscat '{volume}' '{path}' > '{output}'");
        return output;
    }

    /// <summary>The SYSTEM hive's allocated size as ntfsinfo reports it.</summary>
    private static long Allocated(string volume)
    {
        string info = ExternalTool.Ok("ntfsinfo", "-F", "/Windows/System32/config/SYSTEM", volume);
        string line = info.Split('\n').First(l => l.TrimStart().StartsWith("Allocated Size:", StringComparison.Ordinal));
        return long.Parse(line.Split(':')[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Get(string hive, string key, string value) => ExternalTool.Ok("hivexget", hive, "\\" + key, value).Trim();

    /// <summary>hivex-form lines with each value prefixed by its key path and key timestamps left out.</summary>
    private static HashSet<string> Keyed(string[] lines)
    {
        var result = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string key = "";
        foreach (string line in lines)
        {
            key = line.StartsWith("K ", StringComparison.Ordinal) ? line[..line.LastIndexOf(' ')] : key;
            result.Add(line.StartsWith("K ", StringComparison.Ordinal) ? key : key + " " + line);
        }

        return result;
    }

    private static void Patch(string hive, long offset, uint value, bool checksum)
    {
        var bytes = File.ReadAllBytes(hive);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)offset), value);
        if (checksum)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RegfBaseBlock.ChecksummedBytes), RegfBaseBlock.ComputeChecksum(bytes));
        }

        File.WriteAllBytes(hive, bytes);
    }

    /// <summary>The first cluster of the unnamed $DATA of MFT record <paramref name="number"/>.</summary>
    private static long FirstLcn(FileBlockDevice device, NtfsVolume ntfs, long number)
    {
        var record = new byte[ntfs.BootSector.MftRecordSize];
        device.Read(VolumeOffset + ntfs.RecordOffset(number), record);
        Ntfs.Fixups.Remove(record);
        int attribute = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(20));
        while (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute)) != 0x80)
        {
            attribute += (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute + 4));
        }

        int pairs = attribute + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(attribute + 32));
        int end = attribute + (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute + 4));
        return MappingPairs.Decode(record.AsSpan(pairs, end - pairs), 0, ntfs.BootSector.ClusterCount).Runs[0].Lcn;
    }

    /// <summary>Sets the dirty bit of $Volume's $VOLUME_INFORMATION, as Windows does when chkdsk is pending.</summary>
    private static void SetVolumeDirty(FileBlockDevice device, NtfsVolume ntfs)
    {
        long at = VolumeOffset + ntfs.RecordOffset(3);
        var record = new byte[ntfs.BootSector.MftRecordSize];
        device.Read(at, record);
        Ntfs.Fixups.Remove(record);
        int attribute = BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(20));
        while (BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute)) != 0x70)
        {
            attribute += (int)BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(attribute + 4));
        }

        record[attribute + BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(attribute + 20)) + 10] |= 1;
        Ntfs.Fixups.Protect(record, BinaryPrimitives.ReadUInt16LittleEndian(record.AsSpan(4)), 0x4242);
        device.Write(at, record);
    }

    /// <summary>Passes reads and writes through and records every write that is not inside [offset, offset + length).</summary>
    private sealed class GuardedDevice(FileBlockDevice inner, long offset, long length) : IBlockDevice, IDisposable
    {
        public List<(long Offset, int Length)> Outside { get; } = [];
        public string Path => inner.Path;
        public long Capacity => inner.Capacity;

        public void Read(long at, Span<byte> destination) => inner.Read(at, destination);

        public void Write(long at, ReadOnlySpan<byte> source)
        {
            if (at < offset || at + source.Length > offset + length)
            {
                Outside.Add((at, source.Length));
                return;
            }

            inner.Write(at, source);
        }

        public void Dispose() => inner.Dispose();
    }
}
